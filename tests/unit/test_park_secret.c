/* The token key of a park opened without auth.secret: kept in its record store, so parks on one
 * store accept each other's tokens and parks on different stores do not. */
#include <cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

static fantasy_park *open_on(const fantasy_record_store *rs, const char *secret) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", "scrypt:N=1024,r=8,p=1"), FANTASY_OK);
    if (secret) {
        assert_int_equal(fantasy_conf_set(conf, "auth.secret", secret), FANTASY_OK);
    }
    if (rs) {
        assert_int_equal(fantasy_conf_set_record_store(conf, rs), FANTASY_OK);
    }
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    fantasy_conf_free(conf);
    return st == FANTASY_OK ? park : NULL;
}

/* Sign up "ana" on `park` and return her access token (caller frees). */
static char *signup_and_login(fantasy_park *park) {
    const char *creds = "{\"username\":\"ana\",\"password\":\"correct horse battery\"}";
    char *out = NULL;
    assert_int_equal(fantasy_call(park, "accounts.signup", creds, NULL, &out), FANTASY_OK);
    fantasy_free(out);
    assert_int_equal(fantasy_call(park, "accounts.login", creds, NULL, &out), FANTASY_OK);
    cJSON *j = cJSON_Parse(out);
    fantasy_free(out);
    assert_non_null(j);
    char *token = strdup(cJSON_GetObjectItem(j, "access_token")->valuestring);
    cJSON_Delete(j);
    assert_non_null(token);
    return token;
}

static fantasy_status me(fantasy_park *park, const char *token) {
    char *out = NULL;
    fantasy_status st = fantasy_call(park, "accounts.me", NULL, token, &out);
    assert_non_null(out);
    fantasy_free(out);
    return st;
}

static void parks_on_one_store_share_the_key(void **state) {
    (void)state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    fantasy_park *a = open_on(&rs, NULL);
    fantasy_park *b = open_on(&rs, NULL);
    assert_non_null(a);
    assert_non_null(b);
    char *token = signup_and_login(a);
    assert_int_equal(me(b, token), FANTASY_OK);
    fantasy_park_close(a);
    fantasy_park_close(b);

    /* A park reopened later on the same store still accepts the token. */
    fantasy_park *c = open_on(&rs, NULL);
    assert_non_null(c);
    assert_int_equal(me(c, token), FANTASY_OK);
    fantasy_park_close(c);
    free(token);
    rs.destroy(rs.self);
}

static void parks_on_other_stores_reject_the_token(void **state) {
    (void)state;
    fantasy_park *a = open_on(NULL, NULL);
    fantasy_park *b = open_on(NULL, NULL);
    assert_non_null(a);
    assert_non_null(b);
    char *token = signup_and_login(a);
    assert_int_equal(me(b, token), FANTASY_EAUTH);
    free(token);
    fantasy_park_close(a);
    fantasy_park_close(b);
}

static void a_configured_secret_is_not_stored(void **state) {
    (void)state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    fantasy_park *p = open_on(&rs, "0123456789abcdef0123456789abcdef-host-key");
    assert_non_null(p);
    fantasy_buf *doc = NULL;
    int64_t version = 0;
    assert_int_equal(fantasy_buf_new(NULL, &doc), FANTASY_OK);
    assert_int_equal(rs.get(rs.self, "park_meta", "auth_secret", doc, &version), FANTASY_ENOTFOUND);
    fantasy_buf_free(doc);
    fantasy_park_close(p);
    rs.destroy(rs.self);
}

static void a_damaged_stored_key_refuses_to_open(void **state) {
    (void)state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    const char *bad = "{\"secret_hex\":\"not hex\"}";
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "park_meta",
                                   .id = "auth_secret",
                                   .doc = bad,
                                   .doc_len = strlen(bad) };
    assert_int_equal(rs.apply(rs.self, &op, 1, NULL), FANTASY_OK);
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    assert_int_equal(fantasy_conf_set_record_store(conf, &rs), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_EBACKEND);
    assert_null(park);
    fantasy_conf_free(conf);
    assert_non_null(strstr(fantasy_error_last(), "auth secret"));
    rs.destroy(rs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parks_on_one_store_share_the_key),
        cmocka_unit_test(parks_on_other_stores_reject_the_token),
        cmocka_unit_test(a_configured_secret_is_not_stored),
        cmocka_unit_test(a_damaged_stored_key_refuses_to_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
