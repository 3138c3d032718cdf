/* The memory record store keeps each key's holders in an ordered tree and appends ids beyond
 * the greatest one without comparing keys, tracking that greatest holder as documents come and
 * go. Whatever the order ids arrive in, and whichever holders leave (the last one included),
 * find() must page through exactly the live holders in ascending id order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#include "unit/fixture_record.h"

#define N 600

/* find() in pages of 7 lists exactly the ids i with live[i] set, ascending. */
static void assert_holders(fantasy_record_store *rs, const char *key, const int *live) {
    char after[16] = "";
    int next = 0;
    for (;;) {
        fantasy_list *l = NULL;
        assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
        assert_int_equal(rs->find(rs->self, "c", key, after, 7, l), FANTASY_OK);
        size_t n = fantasy_list_size(l);
        for (size_t k = 0; k < n; k++) {
            while (next < N && !live[next]) {
                next++;
            }
            char want[16];
            (void)snprintf(want, sizeof want, FX_REC_ID_FMT, next++);
            assert_string_equal(fantasy_list_str(l, k), want);
        }
        if (n > 0) {
            (void)snprintf(after, sizeof after, "%s", fantasy_list_str(l, n - 1));
        }
        fantasy_list_free(l);
        if (n < 7) {
            break;
        }
    }
    while (next < N && !live[next]) {
        next++;
    }
    assert_int_equal(next, N);
}

static void run_order(const int *order) {
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    static int live[N];
    memset(live, 0, sizeof live);
    for (int k = 0; k < N; k++) {
        fx_rec_put_nth(&rs, order[k], "k");
        live[order[k]] = 1;
        /* Now and then drop the greatest live holder, or one in the middle. */
        if (k % 37 == 36) {
            int top = N - 1;
            while (top >= 0 && !live[top]) {
                top--;
            }
            assert_true(top >= 0); /* order[k] was just put */
            fx_rec_del_nth(&rs, top);
            live[top] = 0;
        } else if (k % 11 == 10) {
            fx_rec_del_nth(&rs, order[k / 2]);
            live[order[k / 2]] = 0;
        }
    }
    assert_holders(&rs, "k", live);
    /* Moving holders to another key and back exercises unlink and relink of the last one. */
    for (int i = N - 1; i >= N - 20; i--) {
        if (live[i]) {
            fx_rec_put_nth(&rs, i, "other");
            fx_rec_put_nth(&rs, i, "k");
        }
    }
    assert_holders(&rs, "k", live);
    rs.destroy(rs.self);
}

static void test_ascending_ids(void **state) {
    (void)state;
    static int order[N];
    for (int i = 0; i < N; i++) {
        order[i] = i;
    }
    run_order(order);
}

static void test_descending_ids(void **state) {
    (void)state;
    static int order[N];
    for (int i = 0; i < N; i++) {
        order[i] = N - 1 - i;
    }
    run_order(order);
}

static void test_shuffled_ids(void **state) {
    (void)state;
    static int order[N];
    for (int i = 0; i < N; i++) {
        order[i] = i;
    }
    unsigned seed = 12345u;
    for (int i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    run_order(order);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascending_ids),
        cmocka_unit_test(test_descending_ids),
        cmocka_unit_test(test_shuffled_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
