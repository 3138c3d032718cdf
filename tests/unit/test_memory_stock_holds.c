/* The memory stock store's hold records carved from blocks and their 8-byte-slot id table
 * (lib/backends/memory/stock_holds.c): records keep their address through every growth, a
 * record never put costs nothing, allocation failures leave the table as it was, and the
 * store frees it all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#include "backends/memory/memtab.h"
#include "backends/memory/stock_holds.h"
#include "core/alloc.h"
#include "unit/faulty_alloc.h"

typedef struct rec {
    int64_t n;
    char key[];
} rec;

static size_t rec_size(size_t key_len) {
    return (offsetof(rec, key) + key_len + 1 + 7) & ~(size_t)7;
}

/* Keys of varying length, so that records of many sizes share blocks. */
static void key_of(char *out, size_t cap, int i) {
    (void)snprintf(out, cap, "k%d-%.*s", i, i % 40, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
}

/* Put key i as a record holding i; 0 when out of memory. */
static int put(fantasy__holdtab *t, const fantasy_allocator *a, int i, rec **out) {
    char key[64];
    key_of(key, sizeof key, i);
    size_t len = strlen(key);
    rec *r = fantasy__holdtab_next(t, a, rec_size(len));
    if (!r) {
        return 0;
    }
    r->n = i;
    memcpy(r->key, key, len + 1);
    fantasy__holdtab_put(t, rec_size(len), fantasy__memtab_hash(key, len));
    if (out) {
        *out = r;
    }
    return 1;
}

static rec *get(const fantasy__holdtab *t, int i) {
    char key[64];
    key_of(key, sizeof key, i);
    return fantasy__holdtab_get(t, key, fantasy__memtab_hash(key, strlen(key)));
}

#define MANY 200000

static void test_many_records_keep_their_address(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy__holdtab t;
    fantasy__holdtab_init(&t, offsetof(rec, key));
    assert_null(get(&t, 1));
    rec *first = NULL;
    rec *early = NULL;
    for (int i = 0; i < MANY; i++) {
        assert_true(put(&t, &a, i, i == 0 ? &first : i == 1000 ? &early : NULL));
    }
    assert_int_equal(t.n, MANY);
    assert_ptr_equal(get(&t, 0), first);
    assert_ptr_equal(get(&t, 1000), early);
    for (int i = 0; i < MANY; i++) {
        rec *r = get(&t, i);
        assert_non_null(r);
        assert_int_equal(r->n, i);
    }
    for (int i = MANY; i < MANY + 1000; i++) {
        assert_null(get(&t, i));
    }
    fantasy__holdtab_free(&t, &a);
    assert_int_equal(f.live, 0);
}

static void test_record_not_put_costs_nothing(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy__holdtab t;
    fantasy__holdtab_init(&t, offsetof(rec, key));
    assert_true(put(&t, &a, 1, NULL));
    void *spot = fantasy__holdtab_next(&t, &a, rec_size(10));
    long allocations = f.count;
    for (int i = 0; i < 1000; i++) {
        assert_ptr_equal(fantasy__holdtab_next(&t, &a, rec_size(10)), spot);
    }
    assert_int_equal(f.count, allocations);
    assert_int_equal(t.n, 1);
    assert_null(get(&t, 2));
    assert_non_null(get(&t, 1));
    fantasy__holdtab_free(&t, &a);
    assert_int_equal(f.live, 0);
}

static void test_bad_sizes_are_refused(void **state) {
    (void)state;
    fantasy__holdtab t;
    fantasy__holdtab_init(&t, offsetof(rec, key));
    assert_null(fantasy__holdtab_next(&t, fantasy__libc_allocator(), 0));
    assert_null(fantasy__holdtab_next(&t, fantasy__libc_allocator(), 12));
    assert_null(fantasy__holdtab_next(&t, fantasy__libc_allocator(), (size_t)1 << 20));
    fantasy__holdtab_free(&t, fantasy__libc_allocator());
}

/* Every allocation of a growing table fails once, wherever it falls: the put is refused and
 * every record put before is still found, with its content. */
static void test_allocation_failures_leave_table_intact(void **state) {
    (void)state;
    for (long fail_at = 1; fail_at <= 60; fail_at++) {
        faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail_at = fail_at };
        fantasy_allocator a = faulty_allocator(&f);
        fantasy__holdtab t;
        fantasy__holdtab_init(&t, offsetof(rec, key));
        int n = 0;
        for (int i = 0; i < 20000; i++) {
            if (put(&t, &a, i, NULL)) {
                n++;
            } else {
                assert_int_equal((long)t.n, n);
                for (int j = 0; j < i; j++) {
                    rec *r = get(&t, j);
                    if (r) {
                        assert_int_equal(r->n, j);
                    }
                }
                assert_null(get(&t, i));
            }
        }
        assert_true(n >= 19999);
        fantasy__holdtab_free(&t, &a);
        assert_int_equal(f.live, 0);
    }
}

/* Through the port: sold-out and limited reserves keep nothing, the counters add up after many
 * holds, every hold is found with its state, and destroy frees all. */
static void test_store_many_holds(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy_stock_store st = FANTASY_STOCK_STORE_INIT;
    assert_int_equal(fantasy_memory_stock_store_open(&a, &st), FANTASY_OK);
    assert_int_equal(st.set_stock(st.self, "p", 30000), FANTASY_OK);

    enum {
        N = 30000
    };

    char id[64];
    char user[16];
    for (int i = 0; i < N; i++) {
        (void)snprintf(id, sizeof id, "hold-%d", i);
        (void)snprintf(user, sizeof user, "u%d", i % 100);
        fantasy_hold h = { .hold_id = id,
                           .product_id = "p",
                           .user_id = user,
                           .qty = 1,
                           .per_user_limit = 300,
                           .expires_at_ms = i % 2 ? FANTASY_NEVER : 1000 + i };
        assert_int_equal(st.reserve(st.self, &h), FANTASY_OK);
    }
    long allocations = f.count;
    for (int i = 0; i < 1000; i++) {
        (void)snprintf(id, sizeof id, "late-%d", i);
        fantasy_hold h = { .hold_id = id,
                           .product_id = "p",
                           .user_id = "u1",
                           .qty = 1,
                           .per_user_limit = 0,
                           .expires_at_ms = FANTASY_NEVER };
        assert_int_equal(st.reserve(st.self, &h), FANTASY_ESOLDOUT);
    }
    assert_int_equal(f.count, allocations);
    for (int i = 0; i < N; i += 3) {
        (void)snprintf(id, sizeof id, "hold-%d", i);
        assert_int_equal(i % 2 ? st.confirm(st.self, id, 0) : st.release(st.self, id), FANTASY_OK);
    }
    fantasy_stock_counts c;
    assert_int_equal(st.counts(st.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.held + c.sold + c.available, 30000);
    assert_int_equal(c.sold, N / 6);
    for (int i = 0; i < N; i++) {
        (void)snprintf(id, sizeof id, "hold-%d", i);
        fantasy_hold_info info;
        assert_int_equal(st.hold(st.self, id, &info), FANTASY_OK);
        fantasy_hold_state want = i % 3   ? FANTASY_HOLD_HELD
                                  : i % 2 ? FANTASY_HOLD_SOLD
                                          : FANTASY_HOLD_RELEASED;
        assert_int_equal(info.state, want);
        assert_string_equal(info.product_id, "p");
        assert_int_equal(info.qty, 1);
    }
    st.destroy(st.self);
    assert_int_equal(f.live, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_records_keep_their_address),
        cmocka_unit_test(test_record_not_put_costs_nothing),
        cmocka_unit_test(test_bad_sizes_are_refused),
        cmocka_unit_test(test_allocation_failures_leave_table_intact),
        cmocka_unit_test(test_store_many_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
