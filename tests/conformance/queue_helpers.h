/* Shared by the queue store suite's files: the fixture each test gets and small helpers
 * that call the vtable and assert. Private to tests/conformance. */
#ifndef FANTASY_TESTS_QUEUE_HELPERS_H
#define FANTASY_TESTS_QUEUE_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conformance/conformance.h"

#define ACTIVE (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED)
#define ALL                                                                                       \
    (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED | FANTASY_ENTRY_DONE | FANTASY_ENTRY_CANCELED | \
     FANTASY_ENTRY_NO_SHOW)

typedef struct queue_fixture {
    const fantasy_conformance_backend *b;
    fantasy_queue_store q;
    fantasy_list *l; /* scratch list for results */
} queue_fixture;

/* ---- helpers ----------------------------------------------------------------------------- */

static inline fantasy_status join_at(const queue_fixture *f, const char *entry, const char *ride,
                                     const char *user, int64_t party, int64_t now, int64_t *seq) {
    const fantasy_queue_join j = {
        .entry_id = entry, .ride_id = ride, .user_id = user, .party_size = party, .now_ms = now
    };
    int64_t ignored = 0;
    return f->q.enqueue(f->q.self, &j, seq ? seq : &ignored);
}

/* Join at time 1000 and expect success with sequence number `seq`. */
static inline void join_ok(const queue_fixture *f, const char *entry, const char *ride,
                           const char *user, int64_t party, int64_t seq) {
    int64_t got = -1;
    assert_int_equal(join_at(f, entry, ride, user, party, 1000, &got), FANTASY_OK);
    assert_int_equal(got, seq);
}

static inline fantasy_status join(const queue_fixture *f, const char *entry, const char *ride,
                                  const char *user, int64_t party) {
    return join_at(f, entry, ride, user, party, 1000, NULL);
}

static inline fantasy_queue_entry get(const queue_fixture *f, const char *entry) {
    fantasy_queue_entry e;
    assert_int_equal(f->q.entry(f->q.self, entry, &e), FANTASY_OK);
    return e;
}

static inline fantasy_entry_status status_of(const queue_fixture *f, const char *entry) {
    return get(f, entry).status;
}

static inline void expect_pos(const queue_fixture *f, const char *entry, int64_t pos,
                              int64_t ahead) {
    int64_t p = -1;
    int64_t a = -1;
    assert_int_equal(f->q.position(f->q.self, entry, &p, &a), FANTASY_OK);
    assert_int_equal(p, pos);
    assert_int_equal(a, ahead);
}

static inline fantasy_status pos_status(const queue_fixture *f, const char *entry) {
    int64_t p = 0;
    int64_t a = 0;
    return f->q.position(f->q.self, entry, &p, &a);
}

static inline fantasy_status finish(const queue_fixture *f, const char *entry, unsigned from,
                                    fantasy_entry_status to) {
    return f->q.finish(f->q.self, entry, from, to, 5000);
}

/* Call on `ride` and return how many were called; their ids are in f->l. */
static inline size_t call(const queue_fixture *f, const char *ride, int64_t capacity,
                          int64_t expires_at) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.call(f->q.self, ride, capacity, 2000, expires_at, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

static inline size_t list(const queue_fixture *f, const char *ride, unsigned mask, int64_t after,
                          size_t limit) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.list(f->q.self, ride, mask, after, limit, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

static inline size_t due(const queue_fixture *f, int64_t now, size_t max) {
    fantasy_list_clear(f->l);
    assert_int_equal(f->q.due_calls(f->q.self, now, max, f->l), FANTASY_OK);
    return fantasy_list_size(f->l);
}

/* Item i of f->l is `id` with num `seq`. */
static inline void expect_item(const queue_fixture *f, size_t i, const char *id, int64_t seq) {
    assert_non_null(fantasy_list_str(f->l, i));
    assert_string_equal(fantasy_list_str(f->l, i), id);
    assert_int_equal(fantasy_list_num(f->l, i), seq);
}

static inline int has_item(const queue_fixture *f, const char *id) {
    for (size_t i = 0; i < fantasy_list_size(f->l); i++) {
        if (strcmp(fantasy_list_str(f->l, i), id) == 0) {
            return 1;
        }
    }
    return 0;
}

static inline void expect_counts(const queue_fixture *f, const char *ride, int64_t waiting,
                                 int64_t called, int64_t people) {
    fantasy_queue_counts c;
    memset(&c, 0xff, sizeof c);
    assert_int_equal(f->q.counts(f->q.self, ride, &c), FANTASY_OK);
    assert_int_equal(c.waiting, waiting);
    assert_int_equal(c.called, called);
    assert_int_equal(c.waiting_people, people);
}

/* The concurrency tests (suite_queue_threads.c). */
void fantasy_ct_queue_concurrent_join_one_user(void **state);
void fantasy_ct_queue_concurrent_join_many_users(void **state);
void fantasy_ct_queue_concurrent_join_and_call(void **state);

#endif
