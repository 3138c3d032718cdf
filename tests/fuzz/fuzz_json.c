/* The strict JSON readers every method's arguments go through. Promises checked: a parse either
 * fails with EINVAL or yields an object, and each reader either fails with EINVAL or returns a
 * value within the bounds it was asked to enforce. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "fuzz/fuzz.h"

static void read_fields(const cJSON *obj) {
    const char *s = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str(obj, "name", 0, &s, &present);
    FUZZ_REQUIRE(st == FANTASY_EINVAL || (st == FANTASY_OK && (!present || s != NULL)));
    int64_t v = 0;
    st = fantasy__json_int(obj, "qty", 0, 1, 1000, &v, &present);
    FUZZ_REQUIRE(st == FANTASY_EINVAL || (st == FANTASY_OK && (!present || (v >= 1 && v <= 1000))));
    fantasy_money m;
    memset(&m, 0, sizeof m);
    st = fantasy__json_money(obj, "price", 0, &m, &present);
    FUZZ_REQUIRE(st == FANTASY_EINVAL || (st == FANTASY_OK && (!present || m.amount_minor >= 0)));
    const cJSON *tags = NULL;
    st = fantasy__json_str_array(obj, "tags", 0, 10, &tags, &present);
    FUZZ_REQUIRE(st == FANTASY_EINVAL ||
                 (st == FANTASY_OK && (!present || cJSON_GetArraySize(tags) <= 10)));
    int64_t limit = 0;
    const char *cursor = NULL;
    st = fantasy__json_page(obj, &limit, &cursor);
    FUZZ_REQUIRE(st != FANTASY_OK || (limit >= 1 && limit <= 100));
}

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes this name.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    cJSON *obj = NULL;
    fantasy_status st = fantasy__json_parse_object(text, &obj);
    FUZZ_REQUIRE(st == FANTASY_OK || st == FANTASY_EINVAL);
    if (st == FANTASY_OK) {
        FUZZ_REQUIRE(cJSON_IsObject(obj));
        read_fields(obj);
        cJSON_Delete(obj);
    }
    free(text);
    return 0;
}
