/* The allocation-failure sweep (SQLite's faultsim idea): an allocator that fails the Nth
 * allocation, N = 1, 2, ... until a whole scenario completes. Every step must return
 * FANTASY_ENOMEM or succeed, never crash, and after close nothing allocated may remain. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

#include "faulty_alloc.h"

static int ok_or_nomem(fantasy_status st) {
    return st == FANTASY_OK || st == FANTASY_ENOMEM;
}

/* One run of the scenario; returns 1 when every step succeeded. */
static int scenario(faulty *f) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    fantasy_allocator a = faulty_allocator(f);
    assert_int_equal(fantasy_conf_set_allocator(conf, &a), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    fantasy_conf_free(conf);
    assert_true(ok_or_nomem(st));
    if (st != FANTASY_OK) {
        assert_null(park);
        return 0;
    }
    int all_ok = 1;
    const char *calls[][2] = {
        { "park.stats", "{}" },
        { "park.advance_clock", "{\"ms\":10}" },
        { "park.run_due", "{}" },
        { "no.such.method", "{}" },
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        char *out = NULL;
        st = fantasy_call_system(park, calls[i][0], calls[i][1], &out);
        if (i == 3) {
            assert_true(st == FANTASY_ENOTFOUND || st == FANTASY_ENOMEM);
            all_ok &= st == FANTASY_ENOTFOUND;
        } else {
            assert_true(ok_or_nomem(st));
            all_ok &= st == FANTASY_OK;
        }
        fantasy_free(out);
    }
    int delivered = fantasy_park_poll(park, 0);
    assert_true(delivered >= 0 || delivered == (int)FANTASY_ENOMEM);
    fantasy_park_close(park);
    return all_ok && delivered >= 0;
}

static void sweep(void **state) {
    (void)state;
    long n = 1;
    for (; n < 100000; n++) {
        faulty f = { .fail_at = n };
        pthread_mutex_init(&f.lock, NULL);
        int done = scenario(&f);
        assert_int_equal(f.live, 0); /* no leak on any failure path */
        pthread_mutex_destroy(&f.lock);
        if (done && !f.failed) {
            break; /* the Nth allocation was never reached: the sweep covered every one */
        }
    }
    assert_true(n > 5);
    print_message("allocation sweep: %ld failure points\n", n - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep),
    };
    return cmocka_run_group_tests_name("alloc_sweep", tests, NULL, NULL);
}
