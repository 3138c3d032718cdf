/* fantasy_call with any method and arguments, anonymous and as the host. Input: the method name,
 * a newline, then the arguments. Promises checked: a result is always set, it is JSON, and an
 * error result names the returned status. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "fantasy/fantasy.h"

#include "fuzz/fuzz.h"

static fantasy_park *fuzz_park(void) {
    /* One park for the whole run (a fuzz target keeps state between inputs on purpose: later
     * inputs meet the accounts and products earlier ones created). */
    static fantasy_park *park;
    if (!park) {
        fantasy_conf *conf = fantasy_conf_new();
        FUZZ_REQUIRE(conf);
        FUZZ_REQUIRE(fantasy_conf_set(conf, "clock", "manual") == FANTASY_OK);
        FUZZ_REQUIRE(fantasy_conf_set(conf, "auth.kdf", "pbkdf2-sha256:i=1000") == FANTASY_OK);
        FUZZ_REQUIRE(fantasy_park_open(conf, &park) == FANTASY_OK);
        fantasy_conf_free(conf);
    }
    return park;
}

static void check_result(fantasy_status st, char *json) {
    FUZZ_REQUIRE(json != NULL);
    cJSON *j = cJSON_Parse(json);
    FUZZ_REQUIRE(j != NULL);
    if (st != FANTASY_OK) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        FUZZ_REQUIRE(cJSON_IsObject(err));
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(err, "status");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        FUZZ_REQUIRE(cJSON_IsNumber(status) && status->valueint == (int)st);
        FUZZ_REQUIRE(cJSON_IsString(code) &&
                     strcmp(code->valuestring, fantasy_status_code(st)) == 0);
    }
    cJSON_Delete(j);
    fantasy_free(json);
}

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes this name.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *args = NULL;
    if (nl) {
        *nl = '\0';
        args = nl + 1;
    }
    fantasy_park *park = fuzz_park();
    char *out = NULL;
    fantasy_status st = fantasy_call(park, text, args, NULL, &out);
    check_result(st, out);
    out = NULL;
    st = fantasy_call_system(park, text, args, &out);
    check_result(st, out);
    free(text);
    return 0;
}
