/* Integer arguments written as floats (API.md: "a float where an integer is due →
 * INVALID_ARGUMENT"): 2.0 and 1e3 are refused like 2.5, even though cJSON reads them as the
 * same doubles as 2 and 1000; integers beside them, in strings, keys, arrays and nested objects
 * are read as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/errors.h"
#include "fantasy/park.h"

#include "core/json.h"

/* Read integer `name` from the arguments `text`. */
static fantasy_status int_of(const char *text, const char *name, int64_t *v) {
    cJSON *j = NULL;
    fantasy_status st = fantasy__json_parse_object(text, &j);
    if (st == FANTASY_OK) {
        st = fantasy__json_int(j, name, 1, INT64_MIN, INT64_MAX, v, NULL);
    }
    cJSON_Delete(j);
    return st;
}

static void expect_int(const char *text, const char *name, int64_t want) {
    int64_t v = -12345;
    assert_int_equal(int_of(text, name, &v), FANTASY_OK);
    assert_int_equal(v, want);
}

static void expect_refused(const char *text, const char *name) {
    int64_t v = -12345;
    assert_int_equal(int_of(text, name, &v), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "must be an integer"));
    assert_int_equal(v, -12345);
}

static void test_float_spellings_refused(void **state) {
    (void)state;
    expect_refused("{\"n\":2.0}", "n");
    expect_refused("{\"n\":2.5}", "n");
    expect_refused("{\"n\":1e3}", "n");
    expect_refused("{\"n\":1E3}", "n");
    expect_refused("{\"n\":-4.00}", "n");
    expect_refused("{\"n\":5e+0}", "n");
    expect_refused("{ \"a\" : 1 ,\n\t\"n\" :\r\n 7.0 }", "n");
    expect_refused("{\f\"a\":1,\v\"n\":\f8.0}", "n"); /* cJSON takes any byte <= 32 as space */
}

static void test_integers_read_as_before(void **state) {
    (void)state;
    expect_int("{\"n\":2}", "n", 2);
    expect_int("{\"n\":-0}", "n", 0);
    expect_int("{\"n\":9007199254740991}", "n", 9007199254740991LL);
    expect_int("{ \"n\" :\n 5 }", "n", 5);
    /* Floats elsewhere do not rub off on the integer. */
    expect_int("{\"f\":1.5,\"n\":3}", "n", 3);
    expect_int("{\"s\":\"1.5e3\",\"n\":4}", "n", 4);
    expect_int("{\"k.e\\\"y\":2.5,\"n\":5}", "n", 5);
    expect_int("{\"arr\":[1.5,{\"x\":2e2},[3.0]],\"t\":true,\"z\":null,\"n\":6}", "n", 6);
    expect_int("{\"o\":{\"deep\":{\"f\":0.1}},\"n\":7,\"g\":false}", "n", 7);
    expect_refused("{\"o\":{\"deep\":{\"f\":0.1}},\"n\":7.0,\"g\":false}", "n");
}

static void test_nested_money_amount(void **state) {
    (void)state;
    cJSON *j = NULL;
    fantasy_money m;
    assert_int_equal(
        fantasy__json_parse_object("{\"price\":{\"amount\":5000.0,\"currency\":\"KRW\"}}", &j),
        FANTASY_OK);
    assert_int_equal(fantasy__json_money(j, "price", 1, &m, NULL), FANTASY_EINVAL);
    cJSON_Delete(j);
    assert_int_equal(
        fantasy__json_parse_object("{\"price\":{\"amount\":5000,\"currency\":\"KRW\"}}", &j),
        FANTASY_OK);
    assert_int_equal(fantasy__json_money(j, "price", 1, &m, NULL), FANTASY_OK);
    assert_int_equal(m.amount_minor, 5000);
    cJSON_Delete(j);
}

static void test_through_fantasy_call(void **state) {
    (void)state;
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(NULL, &park), FANTASY_OK);
    char *out = NULL;
    assert_int_equal(fantasy_call_system(park, "products.list", "{\"limit\":2.0}", &out),
                     FANTASY_EINVAL);
    assert_non_null(strstr(out, "INVALID_ARGUMENT"));
    fantasy_free(out);
    assert_int_equal(fantasy_call_system(park, "products.list", "{\"limit\":2}", &out), FANTASY_OK);
    fantasy_free(out);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_spellings_refused),
        cmocka_unit_test(test_integers_read_as_before),
        cmocka_unit_test(test_nested_money_amount),
        cmocka_unit_test(test_through_fantasy_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
