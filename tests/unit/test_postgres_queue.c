/* The PostgreSQL queue store's rank tree: every WAITING entry's position and people ahead agree
 * with a count over the ride's WAITING entries, after a mixed single-threaded run, after many
 * threads join, leave and call on one ride at once, and at 10k waiting entries (where the test
 * prints what a position costs, for the record; it asserts no timing).
 * @label concurrency */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fantasy/backends/postgres.h"

#include "unit/fixture_queue.h"
#include "unit/test_postgres_fixture.h"

#define THREADS    8
#define THREAD_OPS 150
#define BIG        10000
#define TIMED      200

typedef pgfx_world world;

static void open_fresh(world *w, const char *tag, fantasy_queue_store *qs) {
    assert_non_null(pgfx_fresh(w, tag));
    assert_int_equal(fantasy_postgres_queue_store_open(w->conn, NULL, qs), FANTASY_OK);
}

/* A small deterministic generator per caller (no shared state between threads). */
static uint32_t next_rand(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static fantasy_status join(const fantasy_queue_store *qs, const char *ride, const char *entry,
                           const char *user, int64_t party) {
    const fantasy_queue_join j = { entry, ride, user, party, 1000 };
    int64_t seq = 0;
    return qs->enqueue(qs->self, &j, &seq);
}

/* Call `capacity` and board everyone called. */
static void call_and_board(const fantasy_queue_store *qs, const char *ride, int64_t capacity) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(qs->call(qs->self, ride, capacity, 2000, 3000, l), FANTASY_OK);
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        assert_int_equal(qs->finish(qs->self, fantasy_list_str(l, i), FANTASY_ENTRY_CALLED,
                                    FANTASY_ENTRY_DONE, 2500),
                         FANTASY_OK);
    }
    fantasy_list_free(l);
}

static void test_positions_after_mixed_moves(void **state) {
    fantasy_queue_store qs;
    open_fresh(*state, "mixed", &qs);
    uint32_t r = 7;
    char id[32];
    char user[32];
    for (int i = 0; i < 300; i++) {
        (void)snprintf(id, sizeof id, "e%03d", i);
        (void)snprintf(user, sizeof user, "u%03d", i);
        assert_int_equal(join(&qs, "ride", id, user, 1 + next_rand(&r) % 6), FANTASY_OK);
        if (i % 7 == 3) { /* someone ahead leaves */
            (void)snprintf(id, sizeof id, "e%03d", (int)(next_rand(&r) % (unsigned)(i + 1)));
            fantasy_status st = qs.finish(qs.self, id, FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED,
                                          FANTASY_ENTRY_CANCELED, 1500);
            assert_true(st == FANTASY_OK || st == FANTASY_ESTATE);
        }
        if (i % 50 == 49) {
            call_and_board(&qs, "ride", 40);
            (void)qfx_check_ride(&qs, "ride");
        }
    }
    /* Leaving from the front, the back and the middle, and one that is already gone. */
    assert_int_equal(qs.finish(qs.self, "e299", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED, 9),
                     FANTASY_OK);
    assert_int_equal(qs.finish(qs.self, "e299", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED, 9),
                     FANTASY_OK);
    assert_int_equal(qs.finish(qs.self, "e299", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_NO_SHOW, 9),
                     FANTASY_ESTATE);
    assert_int_equal(qs.finish(qs.self, "nobody", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_DONE, 9),
                     FANTASY_ENOTFOUND);
    /* e298 still waits: only CALLED may board. */
    assert_int_equal(qs.finish(qs.self, "e298", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE, 9),
                     FANTASY_ESTATE);
    int64_t waiting = qfx_check_ride(&qs, "ride");
    assert_true(waiting > 100);
    /* A rejected join (the user already waits) leaves the tree as it was. */
    assert_int_equal(join(&qs, "ride", "again", "u298", 2), FANTASY_EQUEUED);
    assert_int_equal(qfx_check_ride(&qs, "ride"), waiting);
    /* Another ride's tree is its own. */
    assert_int_equal(join(&qs, "other", "o1", "u000", 4), FANTASY_OK);
    int64_t pos = 0;
    int64_t ahead = -1;
    assert_int_equal(qs.position(qs.self, "o1", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 1);
    assert_int_equal(ahead, 0);
    /* Everyone called: nobody waits, and the next join is first in line. */
    call_and_board(&qs, "ride", INT64_MAX / 2);
    assert_int_equal(qfx_check_ride(&qs, "ride"), 0);
    assert_int_equal(join(&qs, "ride", "late", "late", 3), FANTASY_OK);
    assert_int_equal(qs.position(qs.self, "late", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 1);
    assert_int_equal(ahead, 0);
    qs.destroy(qs.self);
}

typedef struct worker {
    const fantasy_queue_store *qs;
    pthread_barrier_t *go;
    int id;
    int errors;
} worker;

static void work_once(worker *w, uint32_t *r, int i) {
    char id[32];
    char user[32];
    fantasy_status st = FANTASY_OK;
    int64_t pos = 0;
    int64_t ahead = 0;
    unsigned dice = next_rand(r) % 100;
    /* A few users per thread, so some joins find the user already queued. */
    (void)snprintf(user, sizeof user, "t%d-u%u", w->id, next_rand(r) % 12);
    if (dice < 50) {
        (void)snprintf(id, sizeof id, "t%d-e%d", w->id, i);
        st = join(w->qs, "busy", id, user, 1 + next_rand(r) % 4);
        w->errors += st != FANTASY_OK && st != FANTASY_EQUEUED;
        return;
    }
    (void)snprintf(id, sizeof id, "t%d-e%u", w->id, next_rand(r) % (unsigned)(i + 1));
    if (dice < 70) {
        st = w->qs->finish(w->qs->self, id, FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED,
                           FANTASY_ENTRY_CANCELED, 1500);
        w->errors += st != FANTASY_OK && st != FANTASY_ESTATE && st != FANTASY_ENOTFOUND;
    } else if (dice < 85) {
        fantasy_list *l = NULL;
        st = fantasy_list_new(NULL, &l);
        st = st ? st : w->qs->call(w->qs->self, "busy", 1 + next_rand(r) % 6, 2000, 3000, l);
        for (size_t k = 0; st == FANTASY_OK && k < fantasy_list_size(l); k++) {
            fantasy_status f = w->qs->finish(w->qs->self, fantasy_list_str(l, k),
                                             FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE, 2500);
            w->errors += f != FANTASY_OK && f != FANTASY_ESTATE; /* its owner may cancel it */
        }
        w->errors += st != FANTASY_OK;
        fantasy_list_free(l);
    } else {
        st = w->qs->position(w->qs->self, id, &pos, &ahead);
        w->errors += st != FANTASY_OK && st != FANTASY_ESTATE && st != FANTASY_ENOTFOUND;
        w->errors += st == FANTASY_OK && (pos < 1 || ahead < pos - 1);
    }
}

static void *work(void *arg) {
    worker *w = arg;
    uint32_t r = 0x9e3779b9u * (uint32_t)(w->id + 1);
    (void)pthread_barrier_wait(w->go);
    for (int i = 0; i < THREAD_OPS; i++) {
        work_once(w, &r, i);
    }
    return NULL;
}

static void test_many_threads_on_one_ride(void **state) {
    fantasy_queue_store qs;
    open_fresh(*state, "threads", &qs);
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
    pthread_t t[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){ .qs = &qs, .go = &go, .id = i };
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].errors, 0);
    }
    (void)pthread_barrier_destroy(&go);
    int64_t waiting = qfx_check_ride(&qs, "busy");
    (void)printf("# threads: %" PRId64 " entries still waiting, all positions agree\n", waiting);
    /* The tree's total (its prefix up to the last seq) is the WAITING count: read through the
     * last waiting entry's position plus itself, checked above; here the ride drains to zero. */
    call_and_board(&qs, "busy", INT64_MAX / 2);
    assert_int_equal(qfx_check_ride(&qs, "busy"), 0);
    qs.destroy(qs.self);
}

static double now_us(void) {
    struct timespec t;
    (void)clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Mean µs of a position() of `entry`, over TIMED calls after a warm-up. */
static double time_position(const fantasy_queue_store *qs, const char *entry, int64_t want) {
    for (int i = 0; i < 10; i++) { /* past the server's first, custom-planned runs */
        int64_t pos = 0;
        int64_t ahead = 0;
        assert_int_equal(qs->position(qs->self, entry, &pos, &ahead), FANTASY_OK);
    }
    double t0 = now_us();
    for (int i = 0; i < TIMED; i++) {
        int64_t pos = 0;
        int64_t ahead = 0;
        assert_int_equal(qs->position(qs->self, entry, &pos, &ahead), FANTASY_OK);
        assert_int_equal(pos, want);
    }
    return (now_us() - t0) / TIMED;
}

static void test_position_at_10k_waiting(void **state) {
    world *w = *state;
    fantasy_queue_store qs;
    open_fresh(w, "big", &qs);
    /* 10k joins in one statement through the store's own join function (party 1 + i % 3). */
    char sql[256];
    (void)snprintf(sql, sizeof sql,
                   "SELECT count(fantasy_enqueue(convert_to('b' || i, 'UTF8'), '\\x626967'::bytea,"
                   " convert_to('u' || i, 'UTF8'), 1 + i %% 3, 0)) FROM generate_series(1, %d) i",
                   BIG);
    assert_int_equal(pgfx_exec(w->conn, sql), 0);
    fantasy_queue_counts c;
    assert_int_equal(qs.counts(qs.self, "big", &c), FANTASY_OK);
    assert_int_equal(c.waiting, BIG);
    char last[32];
    (void)snprintf(last, sizeof last, "b%d", BIG);
    int64_t pos = 0;
    int64_t ahead = 0;
    assert_int_equal(qs.position(qs.self, last, &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, BIG);
    assert_int_equal(ahead, c.waiting_people - (1 + BIG % 3));
    double first_us = time_position(&qs, "b1", 1);
    double last_us = time_position(&qs, last, BIG);
    (void)printf("# position at %d waiting: rank 1 %.1f us/call, rank %d %.1f us/call\n", BIG,
                 first_us, BIG, last_us);
    /* The middle, after the front half leaves. */
    for (int i = 1; i <= BIG / 2; i += 2) {
        (void)snprintf(last, sizeof last, "b%d", i);
        assert_int_equal(qs.finish(qs.self, last, FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED, 5),
                         FANTASY_OK);
    }
    (void)snprintf(last, sizeof last, "b%d", BIG / 2 + 1);
    assert_int_equal(qs.position(qs.self, last, &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, BIG / 4 + 1);
    assert_int_equal(ahead, pgfx_scalar(w->conn, "SELECT sum(party) FROM fantasy_entries WHERE"
                                                 " status = 1 AND seq <= 5000"));
    qs.destroy(qs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions_after_mixed_moves),
        cmocka_unit_test(test_many_threads_on_one_ride),
        cmocka_unit_test(test_position_at_10k_waiting),
    };
    return cmocka_run_group_tests(tests, pgfx_setup, pgfx_teardown);
}
