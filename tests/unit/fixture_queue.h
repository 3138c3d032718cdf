/* Queue store tests, through the vtable only (tests/unit/test_postgres_queue.c,
 * test_postgres_schema.c): a ride's WAITING entries checked against position() and counts(). */
#ifndef FANTASY_TESTS_FIXTURE_QUEUE_H
#define FANTASY_TESTS_FIXTURE_QUEUE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fantasy/backend.h"

/* Every WAITING entry of the ride, in seq order, against position(): the rank is one more than
 * the WAITING entries listed before it, the people ahead their party sizes' sum; counts() agrees
 * on both totals. Returns how many entries wait. */
static inline int64_t qfx_check_ride(const fantasy_queue_store *qs, const char *ride) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(qs->list(qs->self, ride, FANTASY_ENTRY_WAITING, 0, SIZE_MAX, l), FANTASY_OK);
    int64_t people = 0;
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        fantasy_queue_entry e;
        assert_int_equal(qs->entry(qs->self, fantasy_list_str(l, i), &e), FANTASY_OK);
        assert_int_equal(e.status, FANTASY_ENTRY_WAITING);
        int64_t pos = 0;
        int64_t ahead = 0;
        assert_int_equal(qs->position(qs->self, e.entry_id, &pos, &ahead), FANTASY_OK);
        assert_int_equal(pos, (int64_t)i + 1);
        assert_int_equal(ahead, people);
        people += e.party_size;
    }
    fantasy_queue_counts c;
    assert_int_equal(qs->counts(qs->self, ride, &c), FANTASY_OK);
    assert_int_equal(c.waiting, (int64_t)fantasy_list_size(l));
    assert_int_equal(c.waiting_people, people);
    int64_t n = (int64_t)fantasy_list_size(l);
    fantasy_list_free(l);
    return n;
}

#endif
