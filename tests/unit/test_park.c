/* The park handle and the JSON command surface: misuse, error JSON, park.* methods. */
#include <cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

static fantasy_park *open_manual(int64_t start_ms) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", (long long)start_ms);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf); /* the park copied it */
    return park;
}

/* Parse a result and check it is the error object of API.md for `st`. */
static void assert_error_json(const char *json, fantasy_status st) {
    assert_non_null(json);
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    const cJSON *e = cJSON_GetObjectItem(j, "error");
    assert_non_null(e);
    assert_string_equal(cJSON_GetObjectItem(e, "code")->valuestring, fantasy_status_code(st));
    assert_int_equal(cJSON_GetObjectItem(e, "status")->valueint, (int)st);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(e, "message")));
    assert_true(strlen(cJSON_GetObjectItem(e, "message")->valuestring) > 0);
    cJSON_Delete(j);
}

static void expect_call_error(fantasy_park *park, const char *method, const char *args,
                              fantasy_status st) {
    char *out = NULL;
    assert_int_equal(fantasy_call_system(park, method, args, &out), st);
    assert_error_json(out, st);
    fantasy_free(out);
}

static void open_defaults_and_close(void **state) {
    (void)state;
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(NULL, &park), FANTASY_OK);
    assert_non_null(park);
    assert_true(fantasy_park_now(park) > 1600000000000LL);
    fantasy_park_close(park);
    fantasy_park_close(NULL);
}

static void open_misuse(void **state) {
    (void)state;
    assert_int_equal(fantasy_park_open(NULL, NULL), FANTASY_EMISUSE);
    assert_true(strlen(fantasy_error_last()) > 0);
}

static void calls_on_null_park_still_give_error_json(void **state) {
    (void)state;
    char *out = NULL;
    assert_int_equal(fantasy_call(NULL, "park.stats", "{}", NULL, &out), FANTASY_EMISUSE);
    assert_error_json(out, FANTASY_EMISUSE);
    fantasy_free(out);
    assert_int_equal(fantasy_call_system(NULL, "park.stats", NULL, NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_run_due(NULL, NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_advance_clock(NULL, 1, NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_poll(NULL, 0), (int)FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_now(NULL), 0);
}

static void bad_requests_are_errors_not_crashes(void **state) {
    (void)state;
    fantasy_park *park = open_manual(1000);
    expect_call_error(park, "no.such", "{}", FANTASY_ENOTFOUND);
    expect_call_error(park, "park.stats", "{", FANTASY_EINVAL);
    expect_call_error(park, "park.stats", "[1,2]", FANTASY_EINVAL);
    expect_call_error(park, "park.stats", "{} trailing", FANTASY_EINVAL);
    expect_call_error(park, "park.stats", "\"str\"", FANTASY_EINVAL);
    expect_call_error(park, "park.advance_clock", "{}", FANTASY_EINVAL);
    expect_call_error(park, "park.advance_clock", "{\"ms\":\"5\"}", FANTASY_EINVAL);
    expect_call_error(park, "park.advance_clock", "{\"ms\":1.5}", FANTASY_EINVAL);
    expect_call_error(park, "park.advance_clock", "{\"ms\":-1}", FANTASY_EINVAL);
    expect_call_error(park, "park.advance_clock", "{\"ms\":9007199254740992}", FANTASY_EINVAL);
    expect_call_error(park, "park.stats", "{\"as_user_id\":\"x\"}", FANTASY_EINVAL);
    /* An escaped NUL would silently cut a string short: refused. An escaped backslash followed
     * by "u0000" is ordinary text. */
    expect_call_error(park, "park.advance_clock", "{\"ms\":1,\"x\":\"a\\u0000b\"}", FANTASY_EINVAL);
    char *ok = NULL;
    assert_int_equal(
        fantasy_call_system(park, "park.advance_clock", "{\"ms\":1,\"x\":\"a\\\\u0000\"}", &ok),
        FANTASY_OK);
    fantasy_free(ok);
    char *out = NULL;
    assert_int_equal(fantasy_call_system(park, NULL, "{}", &out), FANTASY_EMISUSE);
    assert_error_json(out, FANTASY_EMISUSE);
    fantasy_free(out);
    /* Non-UTF-8 bytes and control characters in the method name are quoted safely. */
    assert_int_equal(fantasy_call_system(park, "bad\xff\x01\"name", "{}", &out), FANTASY_ENOTFOUND);
    assert_error_json(out, FANTASY_ENOTFOUND);
    fantasy_free(out);
    fantasy_park_close(park);
}

static void roles_are_enforced(void **state) {
    (void)state;
    fantasy_park *park = open_manual(1000);
    char *out = NULL;
    /* Anonymous → UNAUTHENTICATED; system-only methods refuse every token holder. */
    assert_int_equal(fantasy_call(park, "park.stats", "{}", NULL, &out), FANTASY_EAUTH);
    assert_error_json(out, FANTASY_EAUTH);
    fantasy_free(out);
    assert_int_equal(fantasy_call(park, "park.run_due", "{}", NULL, &out), FANTASY_EAUTH);
    fantasy_free(out);
    assert_int_equal(fantasy_call(park, "park.stats", "{}", "not-a-token", &out), FANTASY_EAUTH);
    fantasy_free(out);
    assert_int_equal(fantasy_call(park, "park.stats", "{}", "", &out), FANTASY_EAUTH);
    fantasy_free(out);
    fantasy_park_close(park);
}

static void advance_clock_needs_manual_clock(void **state) {
    (void)state;
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(NULL, &park), FANTASY_OK);
    expect_call_error(park, "park.advance_clock", "{\"ms\":5}", FANTASY_ESTATE);
    fantasy_park_close(park);

    park = open_manual(5000);
    char *out = NULL;
    assert_int_equal(fantasy_call_system(park, "park.advance_clock", "{\"ms\":250}", &out),
                     FANTASY_OK);
    assert_string_equal(out, "{\"now\":5250}");
    fantasy_free(out);
    assert_int_equal(fantasy_park_now(park), 5250);
    int64_t now = 0;
    assert_int_equal(fantasy_park_advance_clock(park, 0, &now), FANTASY_OK);
    assert_int_equal(now, 5250);
    /* Integers past 1e15 print exactly, without exponent, and keep their key. */
    assert_int_equal(
        fantasy_call_system(park, "park.advance_clock", "{\"ms\":9000000000000000}", &out),
        FANTASY_OK);
    assert_string_equal(out, "{\"now\":9000000000005250}");
    fantasy_free(out);
    fantasy_park_close(park);
}

static void stats_and_run_due_shapes(void **state) {
    (void)state;
    fantasy_park *park = open_manual(1700000000000LL);
    char *out = NULL;
    assert_int_equal(fantasy_call_system(park, "park.stats", NULL, &out), FANTASY_OK);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "products")));
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(j, "queues")));
    const cJSON *orders = cJSON_GetObjectItem(j, "orders");
    assert_true(cJSON_IsObject(orders));
    assert_int_equal(cJSON_GetObjectItem(orders, "PAID")->valueint, 0);
    const cJSON *bus = cJSON_GetObjectItem(j, "bus");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(bus, "published")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(bus, "dead_lettered")));
    cJSON_Delete(j);
    fantasy_free(out);

    assert_int_equal(fantasy_call_system(park, "park.run_due", "{}", &out), FANTASY_OK);
    j = cJSON_Parse(out);
    assert_non_null(j);
    const char *fields[] = { "holds_expired", "orders_expired", "no_shows", "payments_resolved",
                             "events_relayed" };
    for (size_t i = 0; i < 5; i++) {
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, fields[i])));
    }
    cJSON_Delete(j);
    fantasy_free(out);
    fantasy_park_close(park);
}

static void many_parks_in_one_process(void **state) {
    (void)state;
    fantasy_park *a = open_manual(1000), *b = open_manual(9000);
    assert_int_equal(fantasy_park_advance_clock(a, 5, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_now(a), 1005);
    assert_int_equal(fantasy_park_now(b), 9000);
    fantasy_park_close(a);
    fantasy_park_close(b);
}

static void result_pointer_may_be_null(void **state) {
    (void)state;
    fantasy_park *park = open_manual(1000);
    assert_int_equal(fantasy_call_system(park, "park.stats", "{}", NULL), FANTASY_OK);
    assert_int_equal(fantasy_call_system(park, "nope", "{}", NULL), FANTASY_ENOTFOUND);
    fantasy_free(NULL);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_defaults_and_close),
        cmocka_unit_test(open_misuse),
        cmocka_unit_test(calls_on_null_park_still_give_error_json),
        cmocka_unit_test(bad_requests_are_errors_not_crashes),
        cmocka_unit_test(roles_are_enforced),
        cmocka_unit_test(advance_clock_needs_manual_clock),
        cmocka_unit_test(stats_and_run_due_shapes),
        cmocka_unit_test(many_parks_in_one_process),
        cmocka_unit_test(result_pointer_may_be_null),
    };
    return cmocka_run_group_tests_name("park", tests, NULL, NULL);
}
