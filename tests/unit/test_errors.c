/* @label concurrency */
/* The status table, its names and the thread's last message. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

static void numbers_are_the_abi(void **state) {
    (void)state;

    const struct {
        fantasy_status st;
        int num;
        const char *code;
    } expect[] = {
        { FANTASY_OK, 0, "OK" },
        { FANTASY_EINVAL, -1, "INVALID_ARGUMENT" },
        { FANTASY_ENOTFOUND, -2, "NOT_FOUND" },
        { FANTASY_EEXISTS, -3, "ALREADY_EXISTS" },
        { FANTASY_ECONFLICT, -4, "CONFLICT" },
        { FANTASY_EIDEMPOTENCY, -5, "IDEMPOTENCY_MISMATCH" },
        { FANTASY_ESOLDOUT, -6, "SOLD_OUT" },
        { FANTASY_ELIMIT, -7, "LIMIT_EXCEEDED" },
        { FANTASY_ENOTONSALE, -8, "NOT_ON_SALE" },
        { FANTASY_ESTATE, -9, "INVALID_STATE" },
        { FANTASY_EQUEUED, -10, "ALREADY_QUEUED" },
        { FANTASY_EREDEEMED, -11, "ALREADY_REDEEMED" },
        { FANTASY_EAMOUNT, -12, "AMOUNT_MISMATCH" },
        { FANTASY_EDECLINED, -13, "DECLINED" },
        { FANTASY_EPAYUNKNOWN, -14, "PAYMENT_UNKNOWN" },
        { FANTASY_EAUTH, -15, "UNAUTHENTICATED" },
        { FANTASY_EPERM, -16, "PERMISSION_DENIED" },
        { FANTASY_EEXPIRED, -17, "EXPIRED" },
        { FANTASY_EUNAVAILABLE, -18, "UNAVAILABLE" },
        { FANTASY_EBACKEND, -19, "BACKEND" },
        { FANTASY_ENOMEM, -20, "NO_MEMORY" },
        { FANTASY_EMISUSE, -21, "MISUSE" },
    };

    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        assert_int_equal((int)expect[i].st, expect[i].num);
        assert_string_equal(fantasy_status_code(expect[i].st), expect[i].code);
        assert_non_null(fantasy_strerror(expect[i].st));
        assert_true(strlen(fantasy_strerror(expect[i].st)) > 0);
    }
}

static void unknown_status_has_static_text(void **state) {
    (void)state;
    assert_string_equal(fantasy_status_code((fantasy_status)-999), "UNKNOWN");
    assert_string_equal(fantasy_strerror((fantasy_status)42), "unknown status");
}

static void error_set_returns_status_and_keeps_text(void **state) {
    (void)state;
    assert_int_equal(fantasy_error_set(FANTASY_ESOLDOUT, "product %s: %d left", "p1", 0),
                     FANTASY_ESOLDOUT);
    assert_string_equal(fantasy_error_last(), "product p1: 0 left");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    (void)fantasy_error_set(FANTASY_EINVAL, "%s", big);
    assert_true(strlen(fantasy_error_last()) < sizeof big - 1); /* cut, not overflowed */
}

static void *other_thread(void *arg) {
    (void)arg;
    (void)fantasy_error_set(FANTASY_EBACKEND, "from the other thread");
    return NULL;
}

static void message_is_per_thread(void **state) {
    (void)state;
    (void)fantasy_error_set(FANTASY_EINVAL, "mine");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, NULL);
    assert_string_equal(fantasy_error_last(), "mine");
}

static void version_matches_header(void **state) {
    (void)state;
    assert_string_equal(fantasy_version(), FANTASY_VERSION_STRING);
    assert_int_equal(fantasy_version_number(), FANTASY_VERSION_NUMBER);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_are_the_abi),
        cmocka_unit_test(unknown_status_has_static_text),
        cmocka_unit_test(error_set_returns_status_and_keeps_text),
        cmocka_unit_test(message_is_per_thread),
        cmocka_unit_test(version_matches_header),
    };
    return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
