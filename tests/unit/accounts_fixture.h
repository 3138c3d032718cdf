/* Shared helpers of the test_accounts_* suites: a cheap-KDF manual-clock park, JSON calls that
 * return parsed results, and the usual accounts. Header-only (static inline) so each suite stays
 * one executable. */
#ifndef FANTASY_TESTS_ACCOUNTS_FIXTURE_H
#define FANTASY_TESTS_ACCOUNTS_FIXTURE_H

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

#define FX_START_MS 1700000000000LL
#define FX_PASSWORD "correct horse battery"

/* A park with a manual clock and a KDF cheap enough for tests; `kdf` NULL → scrypt N=1024. */
static inline fantasy_park *fx_open_with(const char *kdf, const char *secret) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", kdf ? kdf : "scrypt:N=1024,r=8,p=1"),
                     FANTASY_OK);
    if (secret) {
        assert_int_equal(fantasy_conf_set(conf, "auth.secret", secret), FANTASY_OK);
    }
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static inline fantasy_park *fx_open(void) {
    return fx_open_with(NULL, NULL);
}

/* Run a call; *out gets the parsed result (or error object), which the caller deletes. */
static inline fantasy_status fx_call(fantasy_park *park, const char *method, const char *args,
                                     const char *token, cJSON **out) {
    char *json = NULL;
    fantasy_status st = fantasy_call(park, method, args, token, &json);
    assert_non_null(json);
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    if (st != FANTASY_OK) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
        assert_non_null(err);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(err, "code")->valuestring,
                            fantasy_status_code(st));
    }
    fantasy_free(json);
    if (out) {
        *out = j;
    } else {
        cJSON_Delete(j);
    }
    return st;
}

static inline fantasy_status fx_sys(fantasy_park *park, const char *method, const char *args,
                                    cJSON **out) {
    char *json = NULL;
    fantasy_status st = fantasy_call_system(park, method, args, &json);
    assert_non_null(json);
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    fantasy_free(json);
    if (out) {
        *out = j;
    } else {
        cJSON_Delete(j);
    }
    return st;
}

/* A string member (asserted present) copied into `buf`. */
static inline const char *fx_str(const cJSON *o, const char *name, char *buf, size_t cap) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsString(f));
    (void)snprintf(buf, cap, "%s", f->valuestring);
    return buf;
}

static inline int64_t fx_int(const cJSON *o, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsNumber(f));
    return (int64_t)f->valuedouble;
}

/* The error message of an error result. */
static inline const char *fx_message(const cJSON *j) {
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
    assert_non_null(err);
    return cJSON_GetObjectItemCaseSensitive(err, "message")->valuestring;
}

typedef struct fx_user {
    char id[FANTASY_ID_MAX];
    char access[FANTASY_TOKEN_MAX];
    char refresh[FANTASY_TOKEN_MAX];
} fx_user;

/* Log `username` in with `password`, filling tokens (and the id). */
static inline void fx_login(fantasy_park *park, const char *username, const char *password,
                            fx_user *u) {
    char args[512];
    (void)snprintf(args, sizeof args, "{\"username\":\"%s\",\"password\":\"%s\"}", username,
                   password);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.login", args, NULL, &r), FANTASY_OK);
    fx_str(r, "access_token", u->access, sizeof u->access);
    fx_str(r, "refresh_token", u->refresh, sizeof u->refresh);
    fx_str(cJSON_GetObjectItemCaseSensitive(r, "user"), "user_id", u->id, sizeof u->id);
    cJSON_Delete(r);
}

/* Sign up a USER (or create one with `role` through the host) and log in. */
static inline void fx_user_with_role(fantasy_park *park, const char *username, const char *role,
                                     fx_user *u) {
    char args[512];
    cJSON *r = NULL;
    if (strcmp(role, "USER") == 0) {
        (void)snprintf(args, sizeof args, "{\"username\":\"%s\",\"password\":\"%s\"}", username,
                       FX_PASSWORD);
        assert_int_equal(fx_call(park, "accounts.signup", args, NULL, &r), FANTASY_OK);
    } else {
        (void)snprintf(args, sizeof args,
                       "{\"username\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}", username,
                       FX_PASSWORD, role);
        assert_int_equal(fx_sys(park, "accounts.create", args, &r), FANTASY_OK);
    }
    cJSON_Delete(r);
    fx_login(park, username, FX_PASSWORD, u);
}

static inline void fx_advance(fantasy_park *park, int64_t ms) {
    assert_int_equal(fantasy_park_advance_clock(park, ms, NULL), FANTASY_OK);
}

#endif
