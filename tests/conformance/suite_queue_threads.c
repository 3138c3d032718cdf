/* Conformance suite for the queue store port: the concurrency tests (one user joining from
 * many threads, many users joining at once, joins racing calls). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "conformance/queue_helpers.h"
#include "conformance/together.h"

/* ---- concurrency ------------------------------------------------------------------------- */

#define N_THREADS  8
#define PER_THREAD 150

typedef struct join_worker {
    const queue_fixture *f;
    int t;
    fantasy_status st[PER_THREAD];
    int64_t seq[PER_THREAD];
    fantasy_status replay_st;
    int64_t replay_seq;
} join_worker;

#define ONE_USER_ROUNDS 100

/* Round k: every thread joins ride "r<k>" as the same user with its own entry id, and then
 * replays entry "same<k>" on ride "s<k>" that all threads share. */
static void *one_user_run(void *arg) {
    join_worker *w = arg;
    for (int k = 0; k < ONE_USER_ROUNDS; k++) {
        char id[32];
        char ride[32];
        (void)snprintf(id, sizeof id, "e%d-%d", w->t, k);
        (void)snprintf(ride, sizeof ride, "r%d", k);
        w->st[k] = join_at(w->f, id, ride, "same-user", 2, 1000, &w->seq[k]);
        (void)snprintf(id, sizeof id, "same%d", k);
        (void)snprintf(ride, sizeof ride, "s%d", k);
        int64_t seq = 0;
        if (join_at(w->f, id, ride, "u", 1, 1000, &seq) != FANTASY_OK || seq != 1) {
            w->replay_st = FANTASY_EBACKEND;
        }
    }
    return NULL;
}

static void check_one_user(const queue_fixture *f, const join_worker *w) {
    for (int k = 0; k < ONE_USER_ROUNDS; k++) {
        int won = 0;
        for (int t = 0; t < N_THREADS; t++) {
            if (w[t].st[k] == FANTASY_OK) {
                won++;
                assert_int_equal(w[t].seq[k], 1);
            } else {
                assert_int_equal(w[t].st[k], FANTASY_EQUEUED);
            }
        }
        assert_int_equal(won, 1);
        char ride[32];
        (void)snprintf(ride, sizeof ride, "r%d", k);
        expect_counts(f, ride, 1, 0, 2);
        (void)snprintf(ride, sizeof ride, "s%d", k);
        expect_counts(f, ride, 1, 0, 1);
    }
    for (int t = 0; t < N_THREADS; t++) {
        assert_int_equal(w[t].replay_st, FANTASY_OK);
    }
}

void fantasy_ct_queue_concurrent_join_one_user(void **state) {
    const queue_fixture *f = *state;
    join_worker *w = calloc(N_THREADS, sizeof *w);
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    assert_non_null(w);
    for (int t = 0; t < N_THREADS; t++) {
        w[t].f = f;
        w[t].t = t;
        fns[t] = one_user_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    check_one_user(f, w);
    free(w);
}

static void many_name(int t, int i, char out[32]) {
    (void)snprintf(out, 32, "m%d-%d", t, i);
}

static void *many_users_run(void *arg) {
    join_worker *w = arg;
    char id[32];
    for (int i = 0; i < PER_THREAD; i++) {
        many_name(w->t, i, id);
        w->st[i] = join_at(w->f, id, "r", id, 1 + (w->t + i) % 3, 1000, &w->seq[i]);
    }
    many_name(w->t, 0, id);
    w->replay_st = join_at(w->f, id, "r", id, 1 + w->t % 3, 1000, &w->replay_seq);
    return NULL;
}

/* Every seq 1..n taken once; positions follow seq order with the right people ahead. */
static void check_many(const queue_fixture *f, const join_worker *w) {
    const int n = N_THREADS * PER_THREAD;
    int64_t *party_at = calloc((size_t)n + 1, sizeof *party_at);
    assert_non_null(party_at);
    for (int t = 0; t < N_THREADS; t++) {
        assert_int_equal(w[t].replay_st, FANTASY_OK);
        assert_int_equal(w[t].replay_seq, w[t].seq[0]);
        for (int i = 0; i < PER_THREAD; i++) {
            assert_int_equal(w[t].st[i], FANTASY_OK);
            assert_true(w[t].seq[i] >= 1 && w[t].seq[i] <= n);
            assert_int_equal(party_at[w[t].seq[i]], 0);
            party_at[w[t].seq[i]] = 1 + (t + i) % 3;
        }
    }
    int64_t ahead[N_THREADS * PER_THREAD + 1];
    ahead[1] = 0;
    for (int s = 2; s <= n; s++) {
        ahead[s] = ahead[s - 1] + party_at[s - 1];
    }
    for (int t = 0; t < N_THREADS; t++) {
        for (int i = 0; i < PER_THREAD; i += 7) {
            char id[32];
            many_name(t, i, id);
            expect_pos(f, id, w[t].seq[i], ahead[w[t].seq[i]]);
        }
    }
    expect_counts(f, "r", n, 0, ahead[n] + party_at[n]);
    free(party_at);
}

void fantasy_ct_queue_concurrent_join_many_users(void **state) {
    const queue_fixture *f = *state;
    join_worker *w = calloc(N_THREADS, sizeof *w);
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    assert_non_null(w);
    for (int t = 0; t < N_THREADS; t++) {
        w[t].f = f;
        w[t].t = t;
        fns[t] = many_users_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    check_many(f, w);
    free(w);
}

/* Joiners and callers at once: every entry is called exactly once, in seq order per call. */
#define JOINERS    4
#define CALLERS    2
#define JOIN_EACH  100
#define CALLED_MAX ((int64_t)JOINERS * JOIN_EACH)

typedef struct call_shared {
    const queue_fixture *f;
    _Atomic int joiners_left;
    _Atomic int bad;
} call_shared;

typedef struct caller {
    call_shared *sh;
    int t;
    fantasy_list *got;
} caller;

static void *joiner_run(void *arg) {
    caller *c = arg;
    char id[32];
    for (int i = 0; i < JOIN_EACH; i++) {
        many_name(c->t, i, id);
        if (join_at(c->sh->f, id, "r", id, 1, 1000, NULL) != FANTASY_OK) {
            atomic_fetch_add(&c->sh->bad, 1);
        }
    }
    atomic_fetch_sub(&c->sh->joiners_left, 1);
    return NULL;
}

static int waiting_left(const queue_fixture *f) {
    fantasy_queue_counts qc;
    return f->q.counts(f->q.self, "r", &qc) == FANTASY_OK && qc.waiting > 0;
}

static void *caller_run(void *arg) {
    caller *c = arg;
    const queue_fixture *f = c->sh->f;
    while (atomic_load(&c->sh->joiners_left) > 0 || waiting_left(f)) {
        size_t before = fantasy_list_size(c->got);
        if (f->q.call(f->q.self, "r", 3, 2000, 9000, c->got) != FANTASY_OK) {
            atomic_fetch_add(&c->sh->bad, 1);
        }
        for (size_t i = before + 1; i < fantasy_list_size(c->got); i++) {
            if (fantasy_list_num(c->got, i) <= fantasy_list_num(c->got, i - 1)) {
                atomic_fetch_add(&c->sh->bad, 1);
            }
        }
    }
    return NULL;
}

static void check_called_once(const queue_fixture *f, caller *callers) {
    char *seen = calloc(CALLED_MAX + 1, 1);
    assert_non_null(seen);
    size_t total = 0;
    for (int k = 0; k < CALLERS; k++) {
        for (size_t i = 0; i < fantasy_list_size(callers[k].got); i++) {
            int64_t seq = fantasy_list_num(callers[k].got, i);
            assert_true(seq >= 1 && seq <= CALLED_MAX);
            assert_int_equal(seen[seq], 0);
            seen[seq] = 1;
            assert_int_equal(status_of(f, fantasy_list_str(callers[k].got, i)),
                             FANTASY_ENTRY_CALLED);
            total++;
        }
        fantasy_list_free(callers[k].got);
    }
    assert_int_equal(total, CALLED_MAX);
    expect_counts(f, "r", 0, CALLED_MAX, 0);
    free(seen);
}

void fantasy_ct_queue_concurrent_join_and_call(void **state) {
    const queue_fixture *f = *state;
    call_shared sh = { .f = f };
    atomic_init(&sh.joiners_left, JOINERS);
    atomic_init(&sh.bad, 0);
    caller c[JOINERS + CALLERS];
    void *(*fns[JOINERS + CALLERS])(void *);
    void *args[JOINERS + CALLERS];
    for (int t = 0; t < JOINERS + CALLERS; t++) {
        c[t] = (caller){ .sh = &sh, .t = t };
        if (t >= JOINERS) {
            assert_int_equal(fantasy_list_new(NULL, &c[t].got), FANTASY_OK);
        }
        fns[t] = t < JOINERS ? joiner_run : caller_run;
        args[t] = &c[t];
    }
    run_together(JOINERS + CALLERS, fns, args);
    assert_int_equal(atomic_load(&sh.bad), 0);
    check_called_once(f, &c[JOINERS]);
}
