/* The real-time waits of the worker and the bus run on the monotonic clock (clock.c): the
 * deadlines it computes are normalised timespecs the requested time ahead, and a condition
 * variable made by fantasy__cond_init_monotonic times out against them. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "core/clock.h"

static int64_t mono_ns(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t ts_ns(struct timespec ts) {
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_deadlines_are_ahead_and_normalised(void **state) {
    (void)state;
    static const int64_t asks[] = { 0, 1, 999, 1000, 1001, 2500, 86400000 };
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        int64_t before = mono_ns();
        struct timespec d = fantasy__deadline_in_ms(asks[i]);
        int64_t after = mono_ns();
        assert_true(d.tv_nsec >= 0 && d.tv_nsec < 1000000000);
        assert_true(ts_ns(d) >= before + asks[i] * 1000000);
        assert_true(ts_ns(d) <= after + asks[i] * 1000000);
    }
    /* A negative wait is no wait: the deadline is now. */
    int64_t before = mono_ns();
    struct timespec d = fantasy__deadline_in_ms(-5);
    assert_true(ts_ns(d) >= before && ts_ns(d) <= mono_ns());
}

static void test_monotonic_ms_moves_forward(void **state) {
    (void)state;
    int64_t a = fantasy__monotonic_ms();
    fantasy__sleep_ms(20);
    int64_t b = fantasy__monotonic_ms();
    assert_true(b - a >= 20);
}

static void test_cond_times_out_on_the_monotonic_clock(void **state) {
    (void)state;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    assert_int_equal(fantasy__cond_init_monotonic(&cond), 0);
    int64_t start = mono_ns();
    struct timespec d = fantasy__deadline_in_ms(50);
    int rc = 0;
    pthread_mutex_lock(&lock);
    while (rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&cond, &lock, &d);
        assert_true(rc == 0 || rc == ETIMEDOUT);
    }
    pthread_mutex_unlock(&lock);
    /* Had the condition variable kept CLOCK_REALTIME, a monotonic deadline (seconds since boot)
     * would lie decades in the past and the wait would end at once. */
    assert_true(mono_ns() - start >= 50 * 1000000LL);
    assert_int_equal(pthread_cond_destroy(&cond), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadlines_are_ahead_and_normalised),
        cmocka_unit_test(test_monotonic_ms_moves_forward),
        cmocka_unit_test(test_cond_times_out_on_the_monotonic_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
