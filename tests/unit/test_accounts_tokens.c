/* Tokens through the JSON surface: claims, expiry on the manual clock, tampering, alg:none,
 * other parks' secrets, type confusion, refresh rotation and reuse, logout, sessions. */
#include <openssl/evp.h>

#include "accounts_fixture.h"
#include "domain/accounts/b64url.h"

static void expect_code(fantasy_park *park, const char *method, const char *args, const char *token,
                        fantasy_status want) {
    cJSON *r = NULL;
    fantasy_status st = fx_call(park, method, args, token, &r);
    if (st != want) {
        char *t = cJSON_PrintUnformatted(r);
        print_error("%s -> %s\n", method, t);
        cJSON_free(t);
    }
    cJSON_Delete(r);
    assert_int_equal(st, want);
}

static fantasy_status refresh(fantasy_park *park, const char *token, fx_user *out) {
    char args[FANTASY_TOKEN_MAX + 64];
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", token);
    cJSON *r = NULL;
    fantasy_status st = fx_call(park, "accounts.refresh", args, NULL, &r);
    if (st == FANTASY_OK && out) {
        fx_str(r, "access_token", out->access, sizeof out->access);
        fx_str(r, "refresh_token", out->refresh, sizeof out->refresh);
    }
    cJSON_Delete(r);
    return st;
}

/* The decoded payload of a token, parsed. */
static cJSON *payload_of(const char *token) {
    const char *dot1 = strchr(token, '.');
    const char *dot2 = strchr(dot1 + 1, '.');
    unsigned char buf[FANTASY_TOKEN_MAX];
    size_t n = 0;
    assert_int_equal(
        fantasy__b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf, sizeof buf - 1, &n), 0);
    buf[n] = '\0';
    cJSON *j = cJSON_Parse((const char *)buf);
    assert_non_null(j);
    return j;
}

/* header.payload.signature from raw JSON parts and a raw signature string. */
static void forge(const char *header, const char *payload, const char *sig, char *out, size_t cap) {
    char h[256], p[700];
    assert_true(fantasy__b64url_encode((const unsigned char *)header, strlen(header), h, sizeof h) >
                0);
    assert_true(
        fantasy__b64url_encode((const unsigned char *)payload, strlen(payload), p, sizeof p) > 0);
    int n = snprintf(out, cap, "%s.%s.%s", h, p, sig);
    assert_true(n > 0 && (size_t)n < cap);
}

static void claims_are_complete(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "olga", "USER", &u);
    cJSON *a = payload_of(u.access), *r = payload_of(u.refresh);
    char buf[64];
    assert_string_equal(fx_str(a, "sub", buf, sizeof buf), u.id);
    assert_string_equal(fx_str(a, "role", buf, sizeof buf), "USER");
    assert_string_equal(fx_str(a, "typ", buf, sizeof buf), "access");
    assert_string_equal(fx_str(r, "typ", buf, sizeof buf), "refresh");
    assert_int_equal(fx_int(a, "ver"), 0);
    assert_int_equal(fx_int(a, "iat"), FX_START_MS / 1000);
    assert_int_equal(fx_int(a, "exp"), FX_START_MS / 1000 + 900);
    assert_int_equal(fx_int(r, "exp"), FX_START_MS / 1000 + 1209600);
    char jti_a[64], jti_r[64];
    assert_string_not_equal(fx_str(a, "jti", jti_a, sizeof jti_a),
                            fx_str(r, "jti", jti_r, sizeof jti_r));
    cJSON_Delete(a);
    cJSON_Delete(r);
    const char *dot = strchr(u.access, '.');
    assert_memory_equal(u.access, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", (size_t)(dot - u.access));
    fantasy_park_close(park);
}

static void access_expires_on_park_clock(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "pete", "USER", &u);
    fx_advance(park, 900000 - 1);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    fx_advance(park, 1);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.me", NULL, u.access, &r), FANTASY_EEXPIRED);
    assert_string_equal(fx_message(r), "access token expired");
    cJSON_Delete(r);
    /* Public methods verify a given token too. */
    expect_code(park, "accounts.login", "{\"username\":\"pete\",\"password\":\"" FX_PASSWORD "\"}",
                u.access, FANTASY_EEXPIRED);
    /* Refreshing needs only the refresh token, however long the access token has been dead. */
    fx_user next;
    assert_int_equal(refresh(park, u.refresh, &next), FANTASY_OK);
    expect_code(park, "accounts.me", NULL, next.access, FANTASY_OK);
    fantasy_park_close(park);
}

static void refresh_expires(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "quin", "USER", &u);
    fx_advance(park, 1209600000LL - 1);
    fx_user next;
    assert_int_equal(refresh(park, u.refresh, &next), FANTASY_OK);
    fx_advance(park, 1209600000LL);
    assert_int_equal(refresh(park, next.refresh, NULL), FANTASY_EEXPIRED);
    fantasy_park_close(park);
}

static void tampered_and_truncated_tokens(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "rosa", "USER", &u);
    size_t n = strlen(u.access);
    char bad[FANTASY_TOKEN_MAX + 8]; /* room for a token plus the bytes the test appends */
    const char *dot = strchr(u.access, '.');
    size_t in_payload = (size_t)(dot - u.access) + 5;
    /* Each flipped position: header, payload, signature, last character. */
    size_t spots[] = { 3, in_payload, n - 10, n - 1 };
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        (void)snprintf(bad, sizeof bad, "%s", u.access);
        bad[spots[i]] = bad[spots[i]] == 'A' ? 'B' : 'A';
        expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
    }
    for (size_t cut = 1; cut < n; cut += 7) {
        (void)snprintf(bad, sizeof bad, "%.*s", (int)(n - cut), u.access);
        expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
    }
    (void)snprintf(bad, sizeof bad, "%s.", u.access);
    expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
    (void)snprintf(bad, sizeof bad, "%s=", u.access);
    expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
    const char *junk[] = { "", ".", "..", "a.b.c", "not a token", "\xff\xfe.\x01.x" };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        expect_code(park, "accounts.me", NULL, junk[i], FANTASY_EAUTH);
    }
    char *huge = malloc(100000);
    assert_non_null(huge);
    memset(huge, 'A', 99999);
    huge[99999] = '\0';
    huge[10] = '.';
    huge[20] = '.';
    expect_code(park, "accounts.me", NULL, huge, FANTASY_EAUTH);
    free(huge);
    /* A payload claiming MASTER under the old signature. */
    cJSON *p = payload_of(u.access);
    cJSON_ReplaceItemInObject(p, "role", cJSON_CreateString("MASTER"));
    char *text = cJSON_PrintUnformatted(p);
    forge("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", text, strrchr(u.access, '.') + 1, bad, sizeof bad);
    cJSON_free(text);
    cJSON_Delete(p);
    expect_code(park, "accounts.list", "{}", bad, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    fantasy_park_close(park);
}

static void other_algorithms_refused(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "sam", "USER", &u);
    cJSON *p = payload_of(u.access);
    char *payload = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    const char *sig = strrchr(u.access, '.') + 1;
    const char *headers[] = { "{\"alg\":\"none\",\"typ\":\"JWT\"}",
                              "{\"alg\":\"none\"}",
                              "{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
                              "{\"alg\":\"hs256\"}",
                              "{\"typ\":\"JWT\"}",
                              "{\"alg\":\"RS256\"}",
                              "[]",
                              "{" };
    char bad[FANTASY_TOKEN_MAX];
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        forge(headers[i], payload, "", bad, sizeof bad);
        expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
        forge(headers[i], payload, sig, bad, sizeof bad);
        expect_code(park, "accounts.me", NULL, bad, FANTASY_EAUTH);
    }
    forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "", bad, sizeof bad);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.me", NULL, bad, &r), FANTASY_EAUTH);
    assert_non_null(strstr(fx_message(r), "HS256"));
    cJSON_Delete(r);
    cJSON_free(payload);
    fantasy_park_close(park);
}

static void another_parks_secret(void **state) {
    (void)state;
    fantasy_park *a = fx_open(), *b = fx_open();
    fx_user ua, ub;
    fx_user_with_role(a, "tess", "USER", &ua);
    fx_user_with_role(b, "tess", "USER", &ub);
    expect_code(b, "accounts.me", NULL, ua.access, FANTASY_EAUTH);
    expect_code(a, "accounts.me", NULL, ub.access, FANTASY_EAUTH);
    assert_int_equal(refresh(b, ua.refresh, NULL), FANTASY_EAUTH);
    fantasy_park_close(a);
    fantasy_park_close(b);
    /* A shared secret makes the signature good, but the user is unknown to the other park. */
    const char *secret = "0123456789abcdef0123456789abcdef-shared";
    a = fx_open_with(NULL, secret);
    b = fx_open_with(NULL, secret);
    fx_user_with_role(a, "uma", "USER", &ua);
    expect_code(b, "accounts.me", NULL, ua.access, FANTASY_EAUTH);
    fantasy_park_close(a);
    fantasy_park_close(b);
}

static void token_types_do_not_mix(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "vera", "USER", &u);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.me", NULL, u.refresh, &r), FANTASY_EAUTH);
    assert_non_null(strstr(fx_message(r), "token type"));
    cJSON_Delete(r);
    assert_int_equal(refresh(park, u.access, NULL), FANTASY_EAUTH);
    /* Neither attempt spent or revoked anything. */
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    assert_int_equal(refresh(park, u.refresh, NULL), FANTASY_OK);
    expect_code(park, "accounts.refresh", "{}", NULL, FANTASY_EINVAL);
    expect_code(park, "accounts.refresh", "{\"refresh_token\":7}", NULL, FANTASY_EINVAL);
    expect_code(park, "accounts.refresh", "{\"refresh_token\":\"x.y.z\"}", NULL, FANTASY_EAUTH);
    fantasy_park_close(park);
}

static void refresh_rotates_and_detects_reuse(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, other, next, later;
    fx_user_with_role(park, "walt", "USER", &u);
    fx_user_with_role(park, "xena", "USER", &other);
    assert_int_equal(refresh(park, u.refresh, &next), FANTASY_OK);
    expect_code(park, "accounts.me", NULL, next.access, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK); /* rotation is not revocation */
    assert_int_equal(refresh(park, next.refresh, &later), FANTASY_OK);
    /* The first refresh token again: reuse. Everything of walt dies, xena is untouched. */
    cJSON *r = NULL;
    char args[FANTASY_TOKEN_MAX + 64];
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", u.refresh);
    assert_int_equal(fx_call(park, "accounts.refresh", args, NULL, &r), FANTASY_EAUTH);
    assert_non_null(strstr(fx_message(r), "already used"));
    cJSON_Delete(r);
    expect_code(park, "accounts.me", NULL, later.access, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    assert_int_equal(refresh(park, later.refresh, NULL), FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, other.access, FANTASY_OK);
    fx_user again;
    fx_login(park, "walt", FX_PASSWORD, &again);
    expect_code(park, "accounts.me", NULL, again.access, FANTASY_OK);
    fantasy_park_close(park);
}

static void sessions_are_independent(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user phone, laptop, p2, l2;
    fx_user_with_role(park, "yuri", "USER", &phone);
    fx_login(park, "yuri", FX_PASSWORD, &laptop);
    assert_int_equal(refresh(park, phone.refresh, &p2), FANTASY_OK);
    assert_int_equal(refresh(park, laptop.refresh, &l2), FANTASY_OK);
    expect_code(park, "accounts.me", NULL, p2.access, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, l2.access, FANTASY_OK);
    /* Far more logins than sessions kept: the newest still refresh. */
    fx_user last;
    for (int i = 0; i < 20; i++) {
        fx_login(park, "yuri", FX_PASSWORD, &last);
    }
    assert_int_equal(refresh(park, last.refresh, NULL), FANTASY_OK);
    /* The oldest session was dropped: refused, but without revoking the rest. */
    assert_int_equal(refresh(park, p2.refresh, NULL), FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, last.access, FANTASY_OK);
    fantasy_park_close(park);
}

static void logout_revokes_exactly(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, second;
    fx_user_with_role(park, "zoe", "USER", &u);
    fx_login(park, "zoe", FX_PASSWORD, &second);
    expect_code(park, "accounts.logout", "{}", NULL, FANTASY_EAUTH);
    expect_code(park, "accounts.logout", "{\"everything\":true}", u.access, FANTASY_EINVAL);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.logout", NULL, u.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(r), 0);
    cJSON_Delete(r);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, second.access, FANTASY_EAUTH);
    assert_int_equal(refresh(park, u.refresh, NULL), FANTASY_EAUTH);
    assert_int_equal(refresh(park, second.refresh, NULL), FANTASY_EAUTH);
    /* Same clock millisecond as the logout: a new login works (no timestamp comparison). */
    fx_user fresh;
    fx_login(park, "zoe", FX_PASSWORD, &fresh);
    expect_code(park, "accounts.me", NULL, fresh.access, FANTASY_OK);
    cJSON *p = payload_of(fresh.access);
    assert_int_equal(fx_int(p, "ver"), 1);
    assert_int_equal(fx_int(p, "iat"), FX_START_MS / 1000);
    cJSON_Delete(p);
    assert_int_equal(refresh(park, fresh.refresh, NULL), FANTASY_OK);
    fantasy_park_close(park);
}

static void pbkdf2_parks_work(void **state) {
    (void)state;
    fantasy_park *park = fx_open_with("pbkdf2-sha256:i=1000", NULL);
    fx_user u;
    fx_user_with_role(park, "percy", "USER", &u);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    expect_code(park, "accounts.login", "{\"username\":\"percy\",\"password\":\"nope nope\"}", NULL,
                FANTASY_EAUTH);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(claims_are_complete),
        cmocka_unit_test(access_expires_on_park_clock),
        cmocka_unit_test(refresh_expires),
        cmocka_unit_test(tampered_and_truncated_tokens),
        cmocka_unit_test(other_algorithms_refused),
        cmocka_unit_test(another_parks_secret),
        cmocka_unit_test(token_types_do_not_mix),
        cmocka_unit_test(refresh_rotates_and_detects_reuse),
        cmocka_unit_test(sessions_are_independent),
        cmocka_unit_test(logout_revokes_exactly),
        cmocka_unit_test(pbkdf2_parks_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
