/* Our JSON printer (lib/core/json_print.c) prints strings byte for byte as
 * cJSON_PrintUnformatted does: every escape at every offset of strings short and long (the
 * printer checks eight bytes at a time, so offsets and lengths around multiples of eight
 * matter), bytes above 0x7f as they are, and fields added by fantasy__json_print_with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/json.h"

static void expect_same(const cJSON *obj) {
    fantasy_allocator a;
    assert_int_equal(fantasy__allocator_normalize(NULL, &a), FANTASY_OK);
    char *ours = NULL;
    size_t len = 0;
    assert_int_equal(fantasy__json_print(&a, obj, &ours, &len), FANTASY_OK);
    char *theirs = cJSON_PrintUnformatted(obj);
    assert_non_null(theirs);
    assert_string_equal(ours, theirs);
    assert_int_equal(len, strlen(theirs));
    cJSON_free(theirs);
    fantasy__free(&a, ours);
}

static void test_every_byte_at_every_offset(void **state) {
    (void)state;
    char s[40];
    for (size_t len = 1; len < sizeof s; len++) {
        for (size_t at = 0; at < len; at++) {
            for (int c = 1; c < 256; c++) {
                memset(s, 'a', len);
                s[len] = '\0';
                s[at] = (char)c;
                cJSON *o = cJSON_CreateObject();
                assert_non_null(cJSON_AddStringToObject(o, s, s));
                expect_same(o);
                cJSON_Delete(o);
            }
        }
    }
}

static void test_mixed_strings(void **state) {
    (void)state;
    static const char *const strings[] = {
        "",
        "plain ascii text longer than sixteen bytes",
        "\"\\\"\\\\quotes\" and \\ backslashes\\",
        "tab\there\nnewline\r\f\b and \x01\x1f controls",
        "\xc3\xa9t\xc3\xa9 \xe2\x82\xa9 \xf0\x9f\x8e\xa2 utf-8 \x7f del",
        "01KDVDNA000FZZ07K6TBPQTBN0",
    };
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        cJSON *arr = cJSON_CreateArray();
        assert_non_null(arr);
        cJSON_AddItemToArray(arr, cJSON_CreateString(strings[i]));
        cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)i * 1000.5));
        cJSON_AddItemToObject(o, strings[i], arr);
    }
    expect_same(o);
    cJSON_Delete(o);
}

/* Fields after an object's own members print as the same members added to it would. */
static void test_print_with_fields(void **state) {
    (void)state;
    fantasy_allocator a;
    assert_int_equal(fantasy__allocator_normalize(NULL, &a), FANTASY_OK);
    cJSON *base = cJSON_CreateObject();
    cJSON_AddStringToObject(base, "name", "a \"quoted\"\tname that runs past eight bytes");
    cJSON_AddStringToObject(base, "type", "replaced");
    const fantasy__json_field extra[] = {
        { .name = "type", .str = "x\\y\n" },
        { .name = "n", .num = -1234567890123LL },
    };
    char *ours = NULL;
    size_t len = 0;
    assert_int_equal(fantasy__json_print_with(&a, base, extra, 2, &ours, &len), FANTASY_OK);
    cJSON_DeleteItemFromObjectCaseSensitive(base, "type");
    cJSON_AddStringToObject(base, "type", "x\\y\n");
    cJSON_AddNumberToObject(base, "n", -1234567890123.0);
    char *theirs = cJSON_PrintUnformatted(base);
    assert_string_equal(ours, theirs);
    assert_int_equal(len, strlen(theirs));
    cJSON_free(theirs);
    fantasy__free(&a, ours);
    cJSON_Delete(base);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_at_every_offset),
        cmocka_unit_test(test_mixed_strings),
        cmocka_unit_test(test_print_with_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
