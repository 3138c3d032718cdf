/* Outbox events written to the memory store are printed without building cJSON copies: from a
 * payload object (fantasy__event_make) or straight from fields (fantasy__event_make_fields).
 * Both must give exactly the document that printing the object with the event fields appended
 * gives, and the event fields always win over payload members of the same name. Short documents
 * live in the event, long ones in a block of their own. */
#include <cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

#include "core/outbox.h"
#include "core/park_internal.h"

#define AT_MS 1732500000123LL

static fantasy_park *open_park(void) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static const char *const expected_doc =
    "{\"order_id\":\"o-1\",\"user_id\":\"u \\\"q\\\"\\n\",\"quantity\":3,"
    "\"event_id\":\"%s\",\"type\":\"orders.created\",\"occurred_at\":1732500000123}";

static void assert_doc(const fantasy__event *ev) {
    char want[512];
    (void)snprintf(want, sizeof want, expected_doc, ev->id);
    assert_int_equal(ev->doc_len, strlen(want));
    assert_memory_equal(ev->doc, want, ev->doc_len);
    assert_string_equal(ev->op.collection, FANTASY__OUTBOX);
    assert_string_equal(ev->op.id, ev->id);
}

static void test_object_and_fields_print_alike(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    /* A payload carrying a stale "type" of its own: the event's type replaces it. */
    cJSON *payload = cJSON_CreateObject();
    assert_non_null(payload);
    assert_non_null(cJSON_AddStringToObject(payload, "order_id", "o-1"));
    assert_non_null(cJSON_AddStringToObject(payload, "type", "stale"));
    assert_non_null(cJSON_AddStringToObject(payload, "user_id", "u \"q\"\n"));
    assert_non_null(cJSON_AddNumberToObject(payload, "quantity", 3));
    fantasy__event a, b;
    assert_int_equal(fantasy__event_make(park, "orders.created", payload, "subject-1", AT_MS, &a),
                     FANTASY_OK);
    const fantasy__json_field fields[] = {
        { .name = "order_id", .str = "o-1" },
        { .name = "type", .str = "stale" },
        { .name = "user_id", .str = "u \"q\"\n" },
        { .name = "quantity", .num = 3 },
    };
    assert_int_equal(
        fantasy__event_make_fields(park, "orders.created", fields, 4, "subject-1", AT_MS, &b),
        FANTASY_OK);
    /* A derived id depends only on (time, subject, type): both events are the same event. */
    assert_string_equal(a.id, b.id);
    assert_doc(&a);
    assert_doc(&b);
    assert_int_equal(a.op.n_keys, b.op.n_keys);
    for (size_t k = 0; k < a.op.n_keys; k++) {
        assert_string_equal(a.op.keys[k].key, b.op.keys[k].key);
    }
    fantasy__event_clear(&a);
    fantasy__event_clear(&b);
    cJSON_Delete(payload);
    fantasy_park_close(park);
}

static void test_fields_are_checked(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    fantasy__json_field many[FANTASY__EVENT_MAX_FIELDS + 1];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++) {
        many[i] = (fantasy__json_field){ .name = "f", .num = (int64_t)i };
    }
    fantasy__event ev;
    assert_int_equal(fantasy__event_make_fields(park, "t", many, FANTASY__EVENT_MAX_FIELDS + 1,
                                                NULL, AT_MS, &ev),
                     FANTASY_EINVAL);
    assert_null(ev.doc);
    const fantasy__json_field unnamed[] = { { .name = NULL, .str = "x" } };
    assert_int_equal(fantasy__event_make_fields(park, "t", unnamed, 1, NULL, AT_MS, &ev),
                     FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "no name"));
    assert_null(ev.doc);
    /* No payload at all: just the event fields. */
    assert_int_equal(fantasy__event_make_fields(park, "t", NULL, 0, "s", AT_MS, &ev), FANTASY_OK);
    char want[256];
    (void)snprintf(want, sizeof want,
                   "{\"event_id\":\"%s\",\"type\":\"t\",\"occurred_at\":1732500000123}", ev.id);
    assert_string_equal(ev.doc, want);
    fantasy__event_clear(&ev);
    fantasy_park_close(park);
}

/* Documents that fit are printed into the event itself, longer ones into a block of their own:
 * the same text either way, on both sides of the limit, and clear frees only the block. */
static void test_inline_and_heap_docs(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char big[2 * FANTASY__EVENT_DOC_INLINE];
    fantasy__event ev;
    assert_int_equal(fantasy__event_make_fields(park, "t", NULL, 0, "s", AT_MS, &ev), FANTASY_OK);
    size_t bare = ev.doc_len; /* {"event_id":…} alone; a field "p":"…" adds 7 + its length */
    fantasy__event_clear(&ev);
    const size_t lens[] = { 0, FANTASY__EVENT_DOC_INLINE - bare - 9,
                            FANTASY__EVENT_DOC_INLINE - bare - 8,
                            FANTASY__EVENT_DOC_INLINE - bare - 7, sizeof big - 1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(big, 'x', lens[i]);
        big[lens[i]] = '\0';
        const fantasy__json_field f[] = { { .name = "p", .str = big } };
        assert_int_equal(fantasy__event_make_fields(park, "t", f, 1, "s", AT_MS, &ev), FANTASY_OK);
        char *want = NULL;
        assert_int_equal(asprintf(&want,
                                  "{\"p\":\"%s\",\"event_id\":\"%s\",\"type\":\"t\","
                                  "\"occurred_at\":1732500000123}",
                                  big, ev.id) > 0,
                         1);
        assert_int_equal(ev.doc_len, strlen(want));
        assert_string_equal(ev.doc, want);
        assert_ptr_equal(ev.op.doc, ev.doc);
        /* Inline exactly when the text and its NUL fit. */
        assert_int_equal(ev.doc == ev.doc_buf, ev.doc_len < FANTASY__EVENT_DOC_INLINE);
        free(want);
        fantasy__event_clear(&ev);
        assert_null(ev.doc);
    }
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_and_fields_print_alike),
        cmocka_unit_test(test_fields_are_checked),
        cmocka_unit_test(test_inline_and_heap_docs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
