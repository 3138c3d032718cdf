/* Conformance suite for the queue store port (PORTS.md, queue store), through the vtable only:
 * join order, ALREADY_QUEUED, positions, call capacity, finish, lists, due calls, counts; the
 * concurrency tests live in suite_queue_threads.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conformance/queue_helpers.h"

static int setup(void **state) {
    const fantasy_conformance_backend *b = *state;
    queue_fixture *f = calloc(1, sizeof *f);
    if (!f) {
        return -1;
    }
    f->b = b;
    if (fantasy_list_new(NULL, &f->l) != FANTASY_OK) {
        free(f);
        return -1;
    }
    if (b->open_queue(b->ctx, &f->q) != FANTASY_OK) {
        (void)fprintf(stderr, "queue store open failed: %s\n", fantasy_error_last());
        fantasy_list_free(f->l);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    queue_fixture *f = *state;
    if (f->q.destroy) {
        f->q.destroy(f->q.self);
    }
    fantasy_list_free(f->l);
    free(f);
    return 0;
}

/* ---- enqueue ----------------------------------------------------------------------------- */

static void test_join_order(void **state) {
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
    assert_int_equal(join(f, "e1", "r", "u", 0), FANTASY_EINVAL);
    assert_int_equal(join(f, "e1", "r", "u", -2), FANTASY_EINVAL);
    fantasy_queue_entry e;
    assert_int_equal(f->q.entry(f->q.self, "e1", &e), FANTASY_ENOTFOUND);
    assert_int_equal(f->q.entry(f->q.self, "nope", &e), FANTASY_ENOTFOUND);
    expect_counts(f, "r", 0, 0, 0);
    join_ok(f, "e1", "r", "u", 1, 1);
}

static void test_join_replay(void **state) {
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
    char id[32];
    int64_t ahead = 0;
    for (int i = 0; i < 300; i++) { /* past any small initial capacity */
        (void)snprintf(id, sizeof id, "e%d", i);
        join_ok(f, id, "r", id, 1 + i % 4, i + 1);
    }
    for (int i = 0; i < 300; i += 2) {
        (void)snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(finish(f, id, FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED), FANTASY_OK);
    }
    for (int i = 1; i < 300; i += 2) {
        (void)snprintf(id, sizeof id, "e%d", i);
        expect_pos(f, id, (i + 1) / 2, ahead);
        ahead += 1 + i % 4;
    }
    expect_counts(f, "r", 150, 0, ahead);
}

/* ---- call -------------------------------------------------------------------------------- */

static void test_call_capacity(void **state) {
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
    assert_int_equal(call(f, "nope", 10, 7000), 0);
    assert_int_equal(f->q.call(f->q.self, "nope", -1, 2000, 7000, f->l), FANTASY_EINVAL);
    join_ok(f, "a", "r", "u", 1, 1);
    assert_int_equal(f->q.call(f->q.self, "r", -1, 2000, 7000, f->l), FANTASY_EINVAL);
    expect_counts(f, "r", 1, 0, 1);
}

/* ---- finish ------------------------------------------------------------------------------ */

static void test_finish_waiting(void **state) {
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
    join_ok(f, "a", "r", "ua", 1, 1);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_WAITING), FANTASY_EINVAL);
    assert_int_equal(finish(f, "a", ACTIVE, FANTASY_ENTRY_CALLED), FANTASY_EINVAL);
    assert_int_equal(finish(f, "nope", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_ENOTFOUND);
    assert_int_equal(status_of(f, "a"), FANTASY_ENTRY_WAITING);
    expect_counts(f, "r", 1, 0, 1);
}

/* ---- list, due_calls, counts ------------------------------------------------------------- */

/* e1 DONE, e2 CALLED, e3 WAITING, e4 CANCELED, e5 WAITING, e6 WAITING. */
static void make_list_ride(const queue_fixture *f) {
    char id[16];
    char user[16];
    for (int i = 1; i <= 6; i++) {
        (void)snprintf(id, sizeof id, "e%d", i);
        (void)snprintf(user, sizeof user, "u%d", i);
        join_ok(f, id, "r", user, 1, i);
    }
    assert_int_equal(call(f, "r", 2, 7000), 2);
    assert_int_equal(finish(f, "e1", ACTIVE, FANTASY_ENTRY_DONE), FANTASY_OK);
    assert_int_equal(finish(f, "e4", ACTIVE, FANTASY_ENTRY_CANCELED), FANTASY_OK);
}

static void test_list_masks(void **state) {
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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
    const queue_fixture *f = *state;
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

/* Many calls on one ride with expiries out of order: due_calls finds exactly the due ones. */
static void test_due_calls_many(void **state) {
    const queue_fixture *f = *state;
    char id[32];
    for (int i = 0; i < 40; i++) {
        (void)snprintf(id, sizeof id, "e%d", i);
        join_ok(f, id, "r", id, 1, i + 1);
    }
    for (int i = 0; i < 40; i++) {
        assert_int_equal(call(f, "r", 1, 100 + (i * 17) % 40), 1);
    }
    for (int i = 0; i < 40; i += 5) {
        (void)snprintf(id, sizeof id, "e%d", i);
        assert_int_equal(finish(f, id, FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE), FANTASY_OK);
    }
    for (int64_t now = 99; now <= 140; now += 7) {
        size_t want = 0;
        size_t n = due(f, now, 100);
        for (int i = 0; i < 40; i++) {
            (void)snprintf(id, sizeof id, "e%d", i);
            int is_due = i % 5 != 0 && 100 + (i * 17) % 40 <= now;
            want += (size_t)is_due;
            assert_int_equal(has_item(f, id), is_due);
        }
        assert_int_equal(n, want);
    }
    assert_int_equal(due(f, 1000, 7), 7);
}

static void test_counts(void **state) {
    const queue_fixture *f = *state;
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

/* ---- the group --------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, bs)

int fantasy_conformance_queue(const fantasy_conformance_backend *b) {
    if (!b || !b->open_queue) {
        (void)printf("[  SKIPPED ] queue/%s: no queue store\n", b && b->name ? b->name : "?");
        return 0;
    }
    fantasy_conformance_backend copy = *b; /* cmocka wants a mutable prestate */
    void *bs = &copy;
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
        T(test_due_calls_many),
        T(test_counts),
        T(fantasy_ct_queue_concurrent_join_one_user),
        T(fantasy_ct_queue_concurrent_join_many_users),
        T(fantasy_ct_queue_concurrent_join_and_call),
    };
    char name[128];
    (void)snprintf(name, sizeof name, "queue/%s", b->name ? b->name : "?");
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}
