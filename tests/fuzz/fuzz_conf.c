/* fantasy_conf_set with any key and value. Input: "key=value". Promises checked: success or a
 * message naming the problem; a value accepted for a plain key reads back through conf_get. */
#include <stdlib.h>
#include <string.h>

#include "fantasy/fantasy.h"

#include "fuzz/fuzz.h"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes this name.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *eq = strchr(text, '=');
    const char *value = "";
    if (eq) {
        *eq = '\0';
        value = eq + 1;
    }
    fantasy_conf *conf = fantasy_conf_new();
    FUZZ_REQUIRE(conf != NULL);
    fantasy_status st = fantasy_conf_set(conf, text, value);
    if (st != FANTASY_OK) {
        FUZZ_REQUIRE(st == FANTASY_EINVAL || st == FANTASY_EMISUSE);
        FUZZ_REQUIRE(fantasy_error_last()[0] != '\0');
    } else {
        char buf[2048];
        FUZZ_REQUIRE(fantasy_conf_get(conf, text, buf, sizeof buf) == FANTASY_OK);
        /* Secrets read back masked; every other key reads back a non-empty setting. */
        FUZZ_REQUIRE(buf[0] != '\0' || value[0] == '\0');
    }
    fantasy_conf_free(conf);
    free(text);
    return 0;
}
