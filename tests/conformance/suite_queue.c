/* Conformance suite for the queue store port (PORTS.md, queue store), through the vtable only:
 * join order, ALREADY_QUEUED, positions, call capacity, finish, lists, due calls, concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "conformance/conformance.h"

#define ACTIVE (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED)
#define ALL                                                                                        \
    (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED | FANTASY_ENTRY_DONE | FANTASY_ENTRY_CANCELED |  \
     FANTASY_ENTRY_NO_SHOW)

typedef struct fixture {
    const fantasy_conformance_backend *b;
    fantasy_queue_store q;
    fantasy_list *l; /* scratch list for results */
} fixture;

static int setup(void **state) {
    const fantasy_conformance_backend *b = *state;
    fixture *f = calloc(1, sizeof *f);
    if (!f) {
        return -1;
    }
    f->b = b;
    if (fantasy_list_new(NULL, &f->l) != FANTASY_OK) {
        free(f);
        return -1;
    }
    if (b->open_queue(b->ctx, &f->q) != FANTASY_OK) {
        fantasy_list_free(f->l);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    if (f->q.destroy) {
        f->q.destroy(f->q.self);
    }
    fantasy_list_free(f->l);
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static fantasy_status join_at(const fixture *f, const char *entry, const char *ride,
                              const char *user, int64_t party, int64_t now, int64_t *seq) {
    const fantasy_queue_join j = {
        .entry_id = entry, .ride_id = ride, .user_id = user, .party_size = party, .now_ms = now};
    int64_t ignored = 0;
    return f->q.enqueue(f->q.self, &j, seq ? seq : &ignored);
}

/* Join at time 1000 and expect success with sequence number `seq`. */
static void join_ok(const fixture *f, const char *entry, const char *ride, const char *user,
                    int64_t party, int64_t seq) {
    int64_t got = -1;
    assert_int_equal(join_at(f, entry, ride, user, party, 1000, &got), FANTASY_OK);
    assert_int_equal(got, seq);
}

static fantasy_status join(const fixture *f, const char *entry, const char *ride,
                           const char *user, int64_t party) {
    return join_at(f, entry, ride, user, party, 1000, NULL);
}

static fantasy_queue_entry get(const fixture *f, const char *entry) {
    fantasy_queue_entry e;
    assert_int_equal(f->q.entry(f->q.self, entry, &e), FANTASY_OK);
    return e;
}

static fantasy_entry_status status_of(const fixture *f, const char *entry) {
    return get(f, entry).status;
}

static void expect_pos(const fixture *f, const char *entry, int64_t pos, int64_t ahead) {
    int64_t p = -1;
    int64_t a = -1;
    assert_int_equal(f->q.position(f->q.self, entry, &p, &a), FANTASY_OK);
    assert_int_equal(p, pos);
    assert_int_equal(a, ahead);
}

static fantasy_status pos_status(const fixture *f, const char *entry) {
    int64_t p = 0;
    int64_t a = 0;
    return f->q.position(f->q.self, entry, &p, &a);
}

static fantasy_status finish(const fixture *f, const char *entry, unsigned from,
                             fantasy_entry_status to) {
    return f->q.finish(f->q.self, entry, from, to, 5000);
}

/* Call on `ride` and return how many were called; their ids are in f->l. */
static size_t call(const fixture *f, const char *ride, int64_t capacity, int64_t expires_at) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.call(f->q.self, ride, capacity, 2000, expires_at, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

static size_t list(const fixture *f, const char *ride, unsigned mask, int64_t after,
                   size_t limit) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.list(f->q.self, ride, mask, after, limit, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

static size_t due(const fixture *f, int64_t now, size_t max) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.due_calls(f->q.self, now, max, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

/* Item i of f->l is `id` with num `seq`. */
static void expect_item(const fixture *f, size_t i, const char *id, int64_t seq) {
    assert_non_null(fantasy_list_str(f->l, i));
    assert_string_equal(fantasy_list_str(f->l, i), id);
    assert_int_equal(fantasy_list_num(f->l, i), seq);
}

static int has_item(const fixture *f, const char *id) {
    for (size_t i = 0; i < fantasy_list_size(f->l); i++) {
        if (strcmp(fantasy_list_str(f->l, i), id) == 0) {
            return 1;
        }
    }
    return 0;
}

static void expect_counts(const fixture *f, const char *ride, int64_t waiting, int64_t called,
                          int64_t people) {
    fantasy_queue_counts c;
    memset(&c, 0xff, sizeof c);
    assert_int_equal(f->q.counts(f->q.self, ride, &c), FANTASY_OK);
    assert_int_equal(c.waiting, waiting);
    assert_int_equal(c.called, called);
    assert_int_equal(c.waiting_people, people);
}

/* ---- enqueue ----------------------------------------------------------------------------- */

static void test_join_order(void **state) {
    const fixture *f = *state;
    join_ok(f, "e1", "r", "u1", 2, 1);
    int64_t seq = 0;
    assert_int_equal(join_at(f, "e2", "r", "u2", 3, 1500, &seq), FANTASY_OK);
    assert_int_equal(seq, 2);
    join_ok(f, "e3", "r", "u3", 1, 3);
    join_ok(f, "x1", "other", "u1", 1, 1); /* seq is per ride */
    fantasy_queue_entry e = get(f, "e2");
    assert_string_equal(e.entry_id, "e2");
    assert_string_equal(e.ride_id, "r");
    assert_string_equal(e.user_id, "u2");
    assert_int_equal(e.party_size, 3);
    assert_int_equal(e.status, FANTASY_ENTRY_WAITING);
    assert_int_equal(e.seq, 2);
    assert_int_equal(e.joined_at_ms, 1500);
    assert_int_equal(e.called_at_ms, 0);
    assert_int_equal(e.call_expires_at_ms, 0);
    assert_int_equal(e.finished_at_ms, 0);
    expect_counts(f, "r", 3, 0, 6);
    expect_counts(f, "other", 1, 0, 1);
}

static void test_join_bad_input(void **state) {
    const fixture *f = *state;
    assert_int_equal(join(f, "e1", "r", "u", 0), FANTASY_EINVAL);
    assert_int_equal(join(f, "e1", "r", "u", -2), FANTASY_EINVAL);
    fantasy_queue_entry e;
    assert_int_equal(f->q.entry(f->q.self, "e1", &e), FANTASY_ENOTFOUND);
    assert_int_equal(f->q.entry(f->q.self, "nope", &e), FANTASY_ENOTFOUND);
    expect_counts(f, "r", 0, 0, 0);
    join_ok(f, "e1", "r", "u", 1, 1);
}

static void test_join_replay(void **state) {
    const fixture *f = *state;
    join_ok(f, "e1", "r", "u", 2, 1);
    join_ok(f, "e2", "r", "v", 1, 2);
    join_ok(f, "e1", "r", "u", 2, 1); /* replay: same seq, nothing added */
    expect_counts(f, "r", 2, 0, 3);
    assert_int_equal(join(f, "e1", "r", "u", 3), FANTASY_ECONFLICT);
    assert_int_equal(join(f, "e1", "r", "w", 2), FANTASY_ECONFLICT);
    assert_int_equal(join(f, "e1", "r2", "u", 2), FANTASY_ECONFLICT);
    expect_counts(f, "r", 2, 0, 3);
    expect_counts(f, "r2", 0, 0, 0);
    assert_int_equal(finish(f, "e1", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    join_ok(f, "e1", "r", "u", 2, 1); /* still a replay once finished */
    assert_int_equal(status_of(f, "e1"), FANTASY_ENTRY_CANCELED);
    expect_counts(f, "r", 1, 0, 1);
}

static void test_already_queued(void **state) {
    const fixture *f = *state;
    int64_t seq = 0;
    join_ok(f, "e1", "r", "u", 1, 1);
    assert_int_equal(join(f, "e2", "r", "u", 1), FANTASY_EQUEUED);
    join_ok(f, "x1", "r2", "u", 1, 1); /* another ride is fine */
    assert_int_equal(call(f, "r", 10, 9000), 1);
    assert_int_equal(join(f, "e2", "r", "u", 1), FANTASY_EQUEUED); /* CALLED counts too */
    assert_int_equal(finish(f, "e1", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE), FANTASY_OK);
    assert_int_equal(join_at(f, "e3", "r", "u", 1, 1000, &seq), FANTASY_OK);
    assert_true(seq > 1);
    assert_int_equal(finish(f, "e3", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    int64_t prev = seq;
    assert_int_equal(join_at(f, "e4", "r", "u", 1, 1000, &seq), FANTASY_OK);
    assert_true(seq > prev);
    assert_int_equal(call(f, "r", 10, 9000), 1);
    assert_int_equal(finish(f, "e4", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_NO_SHOW), FANTASY_OK);
    prev = seq;
    assert_int_equal(join_at(f, "e5", "r", "u", 1, 1000, &seq), FANTASY_OK);
    assert_true(seq > prev);
    expect_counts(f, "r", 1, 0, 1);
}

/* ---- position ---------------------------------------------------------------------------- */

static void test_position(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 2, 1);
    join_ok(f, "b", "r", "ub", 3, 2);
    join_ok(f, "c", "r", "uc", 1, 3);
    join_ok(f, "d", "r", "ud", 4, 4);
    expect_pos(f, "a", 1, 0);
    expect_pos(f, "b", 2, 2);
    expect_pos(f, "c", 3, 5);
    expect_pos(f, "d", 4, 6);
    assert_int_equal(finish(f, "b", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    assert_int_equal(pos_status(f, "b"), FANTASY_ESTATE);
    expect_pos(f, "a", 1, 0);
    expect_pos(f, "c", 2, 2);
    expect_pos(f, "d", 3, 3);
    assert_int_equal(call(f, "r", 2, 9000), 1);
    assert_int_equal(pos_status(f, "a"), FANTASY_ESTATE);
    expect_pos(f, "c", 1, 0);
    expect_pos(f, "d", 2, 1);
    join_ok(f, "e", "r", "ue", 5, 5);
    expect_pos(f, "e", 3, 5);
    assert_int_equal(pos_status(f, "nope"), FANTASY_ENOTFOUND);
    expect_counts(f, "r", 3, 1, 10);
}

static void test_position_many(void **state) {
    const fixture *f = *state;
    char id[32];
    int64_t ahead = 0;
    for (int i = 0; i < 300; i++) { /* past any small initial capacity */
        snprintf(id, sizeof id, "e%d", i);
        join_ok(f, id, "r", id, 1 + i % 4, i + 1);
    }
    for (int i = 0; i < 300; i += 2) {
        snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(finish(f, id, FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    }
    for (int i = 1; i < 300; i += 2) {
        snprintf(id, sizeof id, "e%d", i);
        expect_pos(f, id, (i + 1) / 2, ahead);
        ahead += 1 + i % 4;
    }
    expect_counts(f, "r", 150, 0, ahead);
}

/* ---- call -------------------------------------------------------------------------------- */

static void test_call_capacity(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 2, 1);
    join_ok(f, "b", "r", "ub", 3, 2);
    join_ok(f, "c", "r", "uc", 1, 3);
    assert_int_equal(call(f, "r", 4, 7000), 1); /* b does not fit; c may not overtake it */
    expect_item(f, 0, "a", 1);
    fantasy_queue_entry e = get(f, "a");
    assert_int_equal(e.status, FANTASY_ENTRY_CALLED);
    assert_int_equal(e.called_at_ms, 2000);
    assert_int_equal(e.call_expires_at_ms, 7000);
    assert_int_equal(status_of(f, "c"), FANTASY_ENTRY_WAITING);
    expect_counts(f, "r", 2, 1, 4);
    assert_int_equal(call(f, "r", 0, 7000), 0);
    assert_int_equal(call(f, "r", 2, 7000), 0);
    assert_int_equal(call(f, "r", 4, 7000), 2);
    expect_item(f, 0, "b", 2);
    expect_item(f, 1, "c", 3);
    expect_counts(f, "r", 0, 3, 0);
    assert_int_equal(call(f, "r", 5, 7000), 0);
}

static void test_call_big_party_blocks(void **state) {
    const fixture *f = *state;
    join_ok(f, "big", "r", "u1", 5, 1);
    join_ok(f, "s1", "r", "u2", 1, 2);
    join_ok(f, "s2", "r", "u3", 1, 3);
    assert_int_equal(call(f, "r", 4, 7000), 0);
    expect_counts(f, "r", 3, 0, 7);
    assert_int_equal(call(f, "r", 6, 7000), 2);
    expect_item(f, 0, "big", 1);
    expect_item(f, 1, "s1", 2);
    assert_int_equal(status_of(f, "s2"), FANTASY_ENTRY_WAITING);
}

static void test_call_skips_finished(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 1, 1);
    join_ok(f, "b", "r", "ub", 1, 2);
    join_ok(f, "c", "r", "uc", 1, 3);
    join_ok(f, "d", "r", "ud", 1, 4);
    join_ok(f, "e", "r", "ue", 1, 5);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    assert_int_equal(finish(f, "c", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    assert_int_equal(call(f, "r", 2, 7000), 2);
    expect_item(f, 0, "b", 2);
    expect_item(f, 1, "d", 4);
    assert_int_equal(call(f, "r", 2, 7000), 1);
    expect_item(f, 0, "e", 5);
}

static void test_call_unknown_ride(void **state) {
    const fixture *f = *state;
    assert_int_equal(call(f, "nope", 10, 7000), 0);
    assert_int_equal(f->q.call(f->q.self, "nope", -1, 2000, 7000, f->l), FANTASY_EINVAL);
    join_ok(f, "a", "r", "u", 1, 1);
    assert_int_equal(f->q.call(f->q.self, "r", -1, 2000, 7000, f->l), FANTASY_EINVAL);
    expect_counts(f, "r", 1, 0, 1);
}

/* ---- finish ------------------------------------------------------------------------------ */

static void test_finish_waiting(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 2, 1);
    join_ok(f, "b", "r", "ub", 3, 2);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE), FANTASY_ESTATE);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_WAITING);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    fantasy_queue_entry e = get(f, "a");
    assert_int_equal(e.status, FANTASY_ENTRY_CANCELED);
    assert_int_equal(e.finished_at_ms, 5000);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_ESTATE);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_NO_SHOW), FANTASY_ESTATE);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_CANCELED);
    expect_counts(f, "r", 1, 0, 3);
    expect_pos(f, "b", 1, 0);
}

static void test_finish_called(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 2, 1);
    join_ok(f, "b", "r", "ub", 3, 2);
    assert_int_equal(call(f, "r", 5, 7000), 2);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_DONE), FANTASY_ESTATE);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE), FANTASY_OK);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE), FANTASY_OK);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_NO_SHOW), FANTASY_ESTATE);
    assert_int_equal(finish(f, "b", ACTIVE, FANTASY_ENTRY_NO_SHOW), FANTASY_OK);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_DONE);
    assert_int_equal(status_of(f, "b"), FANTASY_ENTRY_NO_SHOW);
    assert_int_equal(get(f, "b").finished_at_ms, 5000);
    expect_counts(f, "r", 0, 0, 0);
}

static void test_finish_bad_input(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r", "ua", 1, 1);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_WAITING), FANTASY_EINVAL);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_CALLED), FANTASY_EINVAL);
    assert_int_equal(finish(f, "nope", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_ENOTFOUND);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_WAITING);
    expect_counts(f, "r", 1, 0, 1);
}

/* ---- list, due_calls, counts ------------------------------------------------------------- */

/* e1 DONE, e2 CALLED, e3 WAITING, e4 CANCELED, e5 WAITING, e6 WAITING. */
static void make_list_ride(const fixture *f) {
    char id[16];
    char user[16];
    for (int i = 1; i <= 6; i++) {
        snprintf(id, sizeof id, "e%d", i);
        snprintf(user, sizeof user, "u%d", i);
        join_ok(f, id, "r", user, 1, i);
    }
    assert_int_equal(call(f, "r", 2, 7000), 2);
    assert_int_equal(finish(f, "e1", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_OK);
    assert_int_equal(finish(f, "e4", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
}

static void test_list_masks(void **state) {
    const fixture *f = *state;
    make_list_ride(f);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_WAITING, 0, 100), 3);
    expect_item(f, 0, "e3", 3);
    expect_item(f, 1, "e5", 5);
    expect_item(f, 2, "e6", 6);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_CALLED, 0, 100), 1);
    expect_item(f, 0, "e2", 2);
    assert_int_equal(list(f, "r", ACTIVE, 0, 100), 4);
    expect_item(f, 0, "e2", 2);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_DONE | FANTASY_ENTRY_CANCELED, 0, 100), 2);
    expect_item(f, 0, "e1", 1);
    expect_item(f, 1, "e4", 4);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_NO_SHOW, 0, 100), 0);
    assert_int_equal(list(f, "r", 0, 0, 100), 0);
    assert_int_equal(list(f, "nope", ALL, 0, 100), 0);
}

static void test_list_pages(void **state) {
    const fixture *f = *state;
    make_list_ride(f);
    assert_int_equal(list(f, "r", ALL, 0, 2), 2);
    expect_item(f, 0, "e1", 1);
    expect_item(f, 1, "e2", 2);
    assert_int_equal(list(f, "r", ALL, 2, 2), 2);
    expect_item(f, 0, "e3", 3);
    expect_item(f, 1, "e4", 4);
    assert_int_equal(list(f, "r", ALL, 4, 2), 2);
    expect_item(f, 0, "e5", 5);
    expect_item(f, 1, "e6", 6);
    assert_int_equal(list(f, "r", ALL, 6, 2), 0);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_WAITING, 3, 1), 1);
    expect_item(f, 0, "e5", 5);
    assert_int_equal(list(f, "r", FANTASY_ENTRY_WAITING, 5, 10), 1);
    expect_item(f, 0, "e6", 6);
}

static void test_due_calls(void **state) {
    const fixture *f = *state;
    join_ok(f, "a", "r1", "u1", 1, 1);
    join_ok(f, "b", "r1", "u2", 1, 2);
    join_ok(f, "c", "r2", "u1", 1, 1);
    join_ok(f, "d", "r2", "u2", 1, 2);
    assert_int_equal(call(f, "r1", 1, 100), 1);
    assert_int_equal(call(f, "r2", 1, 200), 1);
    assert_int_equal(due(f, 99, 10), 0);
    assert_int_equal(due(f, 100, 10), 1);
    expect_item(f, 0, "a", 1);
    assert_int_equal(due(f, 200, 10), 2);
    assert_true(has_item(f, "a") && has_item(f, "c"));
    assert_int_equal(fantasy_list_num(f->l, 0), 1); /* both are seq 1 of their ride */
    assert_int_equal(fantasy_list_num(f->l, 1), 1);
    assert_int_equal(due(f, 200, 1), 1);
    assert_int_equal(due(f, 200, 0), 0);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_CALLED); /* due_calls changes nothing */
    expect_counts(f, "r1", 1, 1, 1);
    assert_int_equal(finish(f, "a", FANTASY_ENTRY_CALLED, FANTASY_ENTRY_NO_SHOW), FANTASY_OK);
    assert_int_equal(due(f, 1000, 10), 1);
    expect_item(f, 0, "c", 1);
}

static void test_counts(void **state) {
    const fixture *f = *state;
    expect_counts(f, "nope", 0, 0, 0);
    join_ok(f, "a", "r", "ua", 2, 1);
    join_ok(f, "b", "r", "ub", 3, 2);
    join_ok(f, "c", "r", "uc", 4, 3);
    expect_counts(f, "r", 3, 0, 9);
    assert_int_equal(call(f, "r", 2, 7000), 1);
    expect_counts(f, "r", 2, 1, 7);
    assert_int_equal(finish(f, "c", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    expect_counts(f, "r", 1, 1, 3);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_OK);
    expect_counts(f, "r", 1, 0, 3);
}

/* ---- threads ----------------------------------------------------------------------------- */

#define MAX_THREADS 16

typedef struct gate {
    pthread_barrier_t *start;
    void *(*fn)(void *);
    void *arg;
} gate;

static void *gate_run(void *p) {
    const gate *g = p;
    pthread_barrier_wait(g->start);
    return g->fn(g->arg);
}

/* Run fns[i](args[i]) on n threads released at the same instant, so they really overlap,
 * and wait for all of them. */
static void run_together(int n, void *(*const *fns)(void *), void *const *args) {
    pthread_barrier_t start;
    gate g[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    assert_true(n > 0 && n <= MAX_THREADS);
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        g[i] = (gate){.start = &start, .fn = fns[i], .arg = args[i]};
        assert_int_equal(pthread_create(&th[i], NULL, gate_run, &g[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    pthread_barrier_destroy(&start);
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define N_THREADS 8
#define PER_THREAD 150

typedef struct join_worker {
    const fixture *f;
    int t;
    fantasy_status st[PER_THREAD];
    int64_t seq[PER_THREAD];
    fantasy_status replay_st;
    int64_t replay_seq;
} join_worker;

static void *one_user_run(void *arg) {
    join_worker *w = arg;
    char id[16];
    snprintf(id, sizeof id, "e%d", w->t);
    w->st[0] = join_at(w->f, id, "r", "same-user", 2, 1000, &w->seq[0]);
    return NULL;
}

static void test_concurrent_join_one_user(void **state) {
    const fixture *f = *state;
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
    int won = 0;
    for (int t = 0; t < N_THREADS; t++) {
        if (w[t].st[0] == FANTASY_OK) {
            won++;
            assert_int_equal(w[t].seq[0], 1);
        } else {
            assert_int_equal(w[t].st[0], FANTASY_EQUEUED);
        }
    }
    assert_int_equal(won, 1);
    expect_counts(f, "r", 1, 0, 2);
    free(w);
}

static void many_name(int t, int i, char out[32]) {
    snprintf(out, 32, "m%d-%d", t, i);
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
static void check_many(const fixture *f, const join_worker *w) {
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

static void test_concurrent_join_many_users(void **state) {
    const fixture *f = *state;
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
#define CALLED_MAX (JOINERS * JOIN_EACH)

typedef struct call_shared {
    const fixture *f;
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

static int waiting_left(const fixture *f) {
    fantasy_queue_counts qc;
    return f->q.counts(f->q.self, "r", &qc) == FANTASY_OK && qc.waiting > 0;
}

static void *caller_run(void *arg) {
    caller *c = arg;
    const fixture *f = c->sh->f;
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

static void check_called_once(const fixture *f, caller *callers) {
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

static void test_concurrent_join_and_call(void **state) {
    const fixture *f = *state;
    call_shared sh = {.f = f};
    atomic_init(&sh.joiners_left, JOINERS);
    atomic_init(&sh.bad, 0);
    caller c[JOINERS + CALLERS];
    void *(*fns[JOINERS + CALLERS])(void *);
    void *args[JOINERS + CALLERS];
    for (int t = 0; t < JOINERS + CALLERS; t++) {
        c[t] = (caller){.sh = &sh, .t = t};
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

/* ---- the group --------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, bs)

int fantasy_conformance_queue(const fantasy_conformance_backend *b) {
    if (!b || !b->open_queue) {
        printf("[  SKIPPED ] queue/%s: no queue store\n", b && b->name ? b->name : "?");
        return 0;
    }
    void *bs = (void *)(uintptr_t)b; /* cmocka hands each setup a mutable state pointer */
    const struct CMUnitTest tests[] = {
        T(test_join_order),
        T(test_join_bad_input),
        T(test_join_replay),
        T(test_already_queued),
        T(test_position),
        T(test_position_many),
        T(test_call_capacity),
        T(test_call_big_party_blocks),
        T(test_call_skips_finished),
        T(test_call_unknown_ride),
        T(test_finish_waiting),
        T(test_finish_called),
        T(test_finish_bad_input),
        T(test_list_masks),
        T(test_list_pages),
        T(test_due_calls),
        T(test_counts),
        T(test_concurrent_join_one_user),
        T(test_concurrent_join_many_users),
        T(test_concurrent_join_and_call),
    };
    char name[128];
    snprintf(name, sizeof name, "queue/%s", b->name ? b->name : "?");
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}
