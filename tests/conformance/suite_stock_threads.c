/* Conformance suite for the stock store port: the concurrency tests (zero oversell under
 * contention, atomic replays, the invariant at every instant, sweeps racing confirms). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "conformance/stock_helpers.h"
#include "conformance/together.h"

/* ---- concurrency ------------------------------------------------------------------------- */

#define N_THREADS  8
#define N_USERS    200
#define USER_LIMIT 7
#define HOT_STOCK  1000
#define N_TRIES    400

typedef struct attempt {
    char id[32];
    int user;
    int qty;
    int replay; /* index of the attempt it replays, or -1 */
    fantasy_status st;
} attempt;

typedef struct hot_worker {
    const stock_fixture *f;
    attempt *att;
    size_t n;
    int t;
    int bad; /* statuses outside OK, SOLD_OUT, LIMIT_EXCEEDED */
} hot_worker;

static void user_name(int u, char out[16]) {
    (void)snprintf(out, 16, "user%03d", u);
}

static fantasy_status hot_try(hot_worker *w, attempt *a) {
    char user[16];
    user_name(a->user, user);
    a->st = rsv(w->f, a->id, "hot", user, a->qty, USER_LIMIT);
    if (a->st != FANTASY_OK && a->st != FANTASY_ESOLDOUT && a->st != FANTASY_ELIMIT) {
        w->bad++;
    }
    return a->st;
}

/* Mop up one unit at a time over this thread's users until the product is gone, so the test
 * ends sold out whatever the interleaving. */
static void hot_mop_up(hot_worker *w) {
    for (int u = w->t; u < N_USERS; u += N_THREADS) {
        for (;;) {
            attempt *a = &w->att[w->n];
            (void)snprintf(a->id, sizeof a->id, "m%d-%zu", w->t, w->n);
            a->user = u;
            a->qty = 1;
            a->replay = -1;
            w->n++;
            fantasy_status st = hot_try(w, a);
            if (st == FANTASY_ESOLDOUT) {
                return;
            }
            if (st != FANTASY_OK) {
                break;
            }
        }
    }
}

static void *hot_run(void *arg) {
    hot_worker *w = arg;
    for (int i = 0; i < N_TRIES; i++) {
        attempt *a = &w->att[w->n];
        if (i % 5 == 4) { /* replay an earlier attempt of this thread, same arguments */
            *a = w->att[w->n - 2];
            a->replay = (int)w->n - 2;
        } else {
            (void)snprintf(a->id, sizeof a->id, "h%d-%d", w->t, i);
            a->user = (w->t * 37 + i * 13) % N_USERS;
            a->qty = 1 + (i + w->t) % 3;
            a->replay = -1;
        }
        w->n++;
        hot_try(w, a);
    }
    hot_mop_up(w);
    return NULL;
}

/* Each successful new hold: stored as made; totals per user and overall. */
static int64_t hot_check_worker(const stock_fixture *f, const hot_worker *w, int64_t *per_user) {
    int64_t total = 0;
    assert_int_equal(w->bad, 0);
    for (size_t i = 0; i < w->n; i++) {
        const attempt *a = &w->att[i];
        if (a->replay >= 0) {
            fantasy_status first = w->att[a->replay].st;
            if (first == FANTASY_OK) {
                assert_int_equal(a->st, FANTASY_OK);
            } else {
                assert_true(a->st == FANTASY_ESOLDOUT || a->st == FANTASY_ELIMIT);
            }
            continue;
        }
        if (a->st != FANTASY_OK) {
            continue;
        }
        fantasy_hold_info info;
        assert_int_equal(f->st.hold(f->st.self, a->id, &info), FANTASY_OK);
        assert_int_equal(info.state, FANTASY_HOLD_HELD);
        assert_int_equal(info.qty, a->qty);
        per_user[a->user] += a->qty;
        total += a->qty;
    }
    return total;
}

void fantasy_ct_stock_contention_one_product(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "hot", HOT_STOCK), FANTASY_OK);
    hot_worker w[N_THREADS];
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (hot_worker){ .f = f, .t = t };
        w[t].att = calloc(N_TRIES + HOT_STOCK + N_USERS, sizeof(attempt));
        assert_non_null(w[t].att);
        fns[t] = hot_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    int64_t per_user[N_USERS] = { 0 };
    int64_t total = 0;
    for (int t = 0; t < N_THREADS; t++) {
        total += hot_check_worker(f, &w[t], per_user);
        free(w[t].att);
    }
    assert_int_equal(total, HOT_STOCK); /* every unit held, none twice */
    expect_counts(f, "hot", HOT_STOCK, HOT_STOCK, 0, 0);
    for (int u = 0; u < N_USERS; u++) {
        char user[16];
        user_name(u, user);
        assert_true(per_user[u] <= USER_LIMIT);
        assert_int_equal(used(f, "hot", user), per_user[u]);
    }
}

/* The same hold ids from every thread at once: one sale per id, every call OK. */
#define SAME_ID_ROUNDS 200

typedef struct same_id_worker {
    const stock_fixture *f;
    int bad;
} same_id_worker;

static void *same_id_run(void *arg) {
    same_id_worker *w = arg;
    for (int k = 0; k < SAME_ID_ROUNDS; k++) {
        char id[32];
        (void)snprintf(id, sizeof id, "same%d", k);
        w->bad += rsv(w->f, id, "p", "u", 1 + k % 3, 0) != FANTASY_OK;
    }
    return NULL;
}

void fantasy_ct_stock_concurrent_same_hold_id(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 1000), FANTASY_OK);
    same_id_worker w[N_THREADS];
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (same_id_worker){ .f = f };
        fns[t] = same_id_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    for (int t = 0; t < N_THREADS; t++) {
        assert_int_equal(w[t].bad, 0);
    }
    int64_t held = 0;
    for (int k = 0; k < SAME_ID_ROUNDS; k++) {
        held += 1 + k % 3;
    }
    expect_counts(f, "p", 1000, held, 0, 1000 - held);
    assert_int_equal(used(f, "p", "u"), held);
}

/* Writers move holds through every row while a sweeper expires and a reader checks the
 * invariant on every read; at the end the counters must equal the sum over the holds. */
#define MIX_WRITERS 4
#define MIX_HOLDS   300
#define MIX_STOCK   200

typedef struct mix_shared {
    const stock_fixture *f;
    _Atomic int64_t now;
    _Atomic int writers_left;
    _Atomic int violations;
    _Atomic int bad;
} mix_shared;

typedef struct mix_worker {
    mix_shared *sh;
    int t;
} mix_worker;

static void mix_name(int t, int i, char out[32]) {
    (void)snprintf(out, 32, "x%d-%d", t, i);
}

static int mix_ok(fantasy_status st) {
    return st == FANTASY_OK || st == FANTASY_ESOLDOUT || st == FANTASY_ELIMIT ||
           st == FANTASY_EEXPIRED || st == FANTASY_ESTATE;
}

static void mix_step(mix_shared *sh, int t, int i) {
    const stock_fixture *f = sh->f;
    char id[32];
    char user[16];
    mix_name(t, i, id);
    user_name((t * 7 + i) % 20, user);
    const char *product = i % 3 ? "p" : "q";
    int64_t now = atomic_fetch_add(&sh->now, 1);
    fantasy_status st[3] = { rsv_at(f, id, product, user, 1 + i % 3, 9, now + 5 + i % 7),
                             FANTASY_OK, FANTASY_OK };
    if (i % 4 == 0) {
        st[1] = release(f, id);
    } else if (i % 4 == 1) {
        st[1] = confirm(f, id, atomic_load(&sh->now));
    } else if (i % 4 == 2) {
        st[1] = confirm(f, id, atomic_load(&sh->now));
        st[2] = give_back(f, id);
    }
    for (int k = 0; k < 3; k++) {
        if (!mix_ok(st[k]) && st[k] != FANTASY_ENOTFOUND) {
            atomic_fetch_add(&sh->bad, 1);
        }
    }
}

static void *mix_write(void *arg) {
    mix_worker *w = arg;
    for (int i = 0; i < MIX_HOLDS; i++) {
        mix_step(w->sh, w->t, i);
    }
    atomic_fetch_sub(&w->sh->writers_left, 1);
    return NULL;
}

static void *mix_sweep(void *arg) {
    mix_shared *sh = arg;
    fantasy_list *l = NULL;
    if (fantasy_list_new(NULL, &l) != FANTASY_OK) {
        atomic_fetch_add(&sh->bad, 1);
        return NULL;
    }
    while (atomic_load(&sh->writers_left) > 0) {
        fantasy_list_clear(l);
        if (sh->f->st.expire(sh->f->st.self, atomic_load(&sh->now), 16, l) != FANTASY_OK) {
            atomic_fetch_add(&sh->bad, 1);
        }
    }
    fantasy_list_free(l);
    return NULL;
}

static void mix_read_one(mix_shared *sh, const char *product) {
    fantasy_stock_counts c;
    if (sh->f->st.counts(sh->f->st.self, product, &c) != FANTASY_OK) {
        atomic_fetch_add(&sh->bad, 1);
        return;
    }
    if (c.available + c.held + c.sold != c.stock || c.available < 0 || c.held < 0 || c.sold < 0) {
        atomic_fetch_add(&sh->violations, 1);
    }
}

static void *mix_read(void *arg) {
    mix_shared *sh = arg;
    while (atomic_load(&sh->writers_left) > 0) {
        mix_read_one(sh, "p");
        mix_read_one(sh, "q");
    }
    return NULL;
}

/* Sum the holds of every writer by state and compare with the counters. */
static void mix_check_totals(const stock_fixture *f) {
    int64_t held[2] = { 0 };
    int64_t sold[2] = { 0 };
    for (int t = 0; t < MIX_WRITERS; t++) {
        for (int i = 0; i < MIX_HOLDS; i++) {
            char id[32];
            mix_name(t, i, id);
            fantasy_hold_info info;
            if (f->st.hold(f->st.self, id, &info) != FANTASY_OK) {
                continue;
            }
            int k = strcmp(info.product_id, "p") == 0 ? 0 : 1;
            held[k] += info.state == FANTASY_HOLD_HELD ? info.qty : 0;
            sold[k] += info.state == FANTASY_HOLD_SOLD ? info.qty : 0;
        }
    }
    expect_counts(f, "p", MIX_STOCK, held[0], sold[0], MIX_STOCK - held[0] - sold[0]);
    expect_counts(f, "q", MIX_STOCK, held[1], sold[1], MIX_STOCK - held[1] - sold[1]);
}

void fantasy_ct_stock_invariant_under_load(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", MIX_STOCK), FANTASY_OK);
    assert_int_equal(set(f, "q", MIX_STOCK), FANTASY_OK);
    mix_shared sh = { .f = f };
    atomic_init(&sh.now, 1);
    atomic_init(&sh.writers_left, MIX_WRITERS);
    atomic_init(&sh.violations, 0);
    atomic_init(&sh.bad, 0);
    mix_worker w[MIX_WRITERS];
    void *(*fns[MIX_WRITERS + 2])(void *) = { [MIX_WRITERS] = mix_sweep, mix_read };
    void *args[MIX_WRITERS + 2] = { [MIX_WRITERS] = &sh, &sh };
    for (int t = 0; t < MIX_WRITERS; t++) {
        w[t] = (mix_worker){ .sh = &sh, .t = t };
        fns[t] = mix_write;
        args[t] = &w[t];
    }
    run_together(MIX_WRITERS + 2, fns, args);
    assert_int_equal(atomic_load(&sh.violations), 0);
    assert_int_equal(atomic_load(&sh.bad), 0);
    mix_check_totals(f);
}

/* A sweep racing confirms: each hold ends either SOLD (confirm won) or EXPIRED and listed
 * (the sweep won), never both. */
#define RACE_HOLDS 400

typedef struct race_arg {
    const stock_fixture *f;
    fantasy_status st[RACE_HOLDS];
    fantasy_list *swept;
} race_arg;

static void *race_confirm(void *arg) {
    race_arg *r = arg;
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "r%d", i);
        r->st[i] = confirm(r->f, id, 50); /* before expiry by its own clock */
    }
    return NULL;
}

static void *race_sweep(void *arg) {
    race_arg *r = arg;
    for (int k = 0; k < RACE_HOLDS; k++) {
        if (r->f->st.expire(r->f->st.self, 100, 3, r->swept) != FANTASY_OK) {
            break;
        }
    }
    return NULL;
}

void fantasy_ct_stock_expire_races_confirm(void **state) {
    const stock_fixture *f = *state;
    race_arg *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->f = f;
    r->swept = new_list();
    assert_int_equal(set(f, "p", RACE_HOLDS), FANTASY_OK);
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "r%d", i);
        assert_int_equal(rsv_at(f, id, "p", "u", 1, 0, 100), FANTASY_OK);
    }
    void *(*const fns[2])(void *) = { race_confirm, race_sweep };
    void *const args[2] = { r, r };
    run_together(2, fns, args);
    int64_t sold = 0;
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "r%d", i);
        int listed = list_has(r->swept, id, 1);
        assert_int_equal(r->st[i], listed ? FANTASY_ESTATE : FANTASY_OK);
        assert_int_equal(state_of(f, id), listed ? FANTASY_HOLD_EXPIRED : FANTASY_HOLD_SOLD);
        sold += !listed;
    }
    assert_int_equal((int64_t)fantasy_list_size(r->swept), RACE_HOLDS - sold);
    expect_counts(f, "p", RACE_HOLDS, 0, sold, RACE_HOLDS - sold);
    fantasy_list_free(r->swept);
    free(r);
}
