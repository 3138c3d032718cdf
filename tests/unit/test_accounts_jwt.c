/* The HS256 JWS and base64url code on its own: round trips, strict decoding, RFC 7515 A.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/errors.h"

#include "domain/accounts/b64url.h"
#include "domain/accounts/jwt.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";

static fantasy__claims sample(void) {
    fantasy__claims c;
    memset(&c, 0, sizeof c);
    (void)snprintf(c.sub, sizeof c.sub, "01HZZZZZZZZZZZZZZZZZZZZZZZ");
    (void)snprintf(c.role, sizeof c.role, "MANAGER");
    (void)snprintf(c.typ, sizeof c.typ, "refresh");
    (void)snprintf(c.jti, sizeof c.jti, "01J0000000000000000000000A");
    (void)snprintf(c.sid, sizeof c.sid, "01J0000000000000000000000B");
    c.ver = 7;
    c.iat = 1700000000;
    c.exp = 1700000900;
    return c;
}

static void b64url_round_trips(void **state) {
    (void)state;
    unsigned char in[64], out[64];
    for (size_t i = 0; i < sizeof in; i++) {
        in[i] = (unsigned char)(i * 37 + 11);
    }
    for (size_t n = 0; n <= sizeof in; n++) {
        char text[128];
        size_t len = fantasy__b64url_encode(in, n, text, sizeof text);
        assert_int_equal(len, FANTASY__B64URL_LEN(n));
        assert_null(strpbrk(text, "+/="));
        size_t got = 0;
        assert_int_equal(fantasy__b64url_decode(text, len, out, sizeof out, &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(in, out, n);
    }
    char small[4];
    assert_int_equal(fantasy__b64url_encode(in, 3, small, sizeof small), 0);
    assert_string_equal(small, "");
}

static void b64url_decode_is_strict(void **state) {
    (void)state;
    unsigned char out[16];
    size_t n = 0;
    assert_int_equal(fantasy__b64url_decode("QQ", 2, out, sizeof out, &n), 0); /* "A" */
    assert_int_equal(n, 1);
    assert_int_equal(fantasy__b64url_decode("QR", 2, out, sizeof out, &n), -1); /* stray bits */
    assert_int_equal(fantasy__b64url_decode("QQ==", 4, out, sizeof out, &n), -1);
    assert_int_equal(fantasy__b64url_decode("Q", 1, out, sizeof out, &n), -1);
    assert_int_equal(fantasy__b64url_decode("a+b/", 4, out, sizeof out, &n), -1);
    assert_int_equal(fantasy__b64url_decode("ab c", 4, out, sizeof out, &n), -1);
    assert_int_equal(fantasy__b64url_decode("AAAAAAAA", 8, out, 5, &n), -1); /* no room */
}

static void sign_verify_round_trip(void **state) {
    (void)state;
    fantasy__claims c = sample(), back;
    char token[FANTASY__JWT_MAX];
    assert_int_equal(fantasy__jwt_sign(key, 32, &c, token), FANTASY_OK);
    assert_int_equal(fantasy__jwt_verify(key, 32, token, &back), FANTASY_OK);
    assert_string_equal(back.sub, c.sub);
    assert_string_equal(back.role, "MANAGER");
    assert_string_equal(back.typ, "refresh");
    assert_string_equal(back.jti, c.jti);
    assert_string_equal(back.sid, c.sid);
    assert_int_equal(back.ver, 7);
    assert_int_equal(back.iat, c.iat);
    assert_int_equal(back.exp, c.exp);
    /* Access tokens carry no sid. */
    c.sid[0] = '\0';
    assert_int_equal(fantasy__jwt_sign(key, 32, &c, token), FANTASY_OK);
    assert_int_equal(fantasy__jwt_verify(key, 32, token, &back), FANTASY_OK);
    assert_string_equal(back.sid, "");
}

static void wrong_key_refused(void **state) {
    (void)state;
    fantasy__claims c = sample(), back;
    char token[FANTASY__JWT_MAX];
    assert_int_equal(fantasy__jwt_sign(key, 32, &c, token), FANTASY_OK);
    static const unsigned char other[] = "0123456789abcdef0123456789abcdeF";
    assert_int_equal(fantasy__jwt_verify(other, 32, token, &back), FANTASY_EAUTH);
    assert_string_equal(fantasy_error_last(), "token signature does not verify");
    assert_string_equal(back.sub, ""); /* nothing leaks out of a refused token */
    assert_int_equal(fantasy__jwt_verify(key, 31, token, &back), FANTASY_EAUTH);
}

/* RFC 7515 appendix A.1: a genuine HS256 JWS passes the signature check and is then refused
 * only because its claims are not ours. */
static void rfc7515_a1_signature(void **state) {
    (void)state;
    static const char k64[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4"
                              "hcgUuTwjAzZr1Z9CAow";
    static const char jws[] =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
        "cnVlfQ."
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    unsigned char k[128];
    size_t kn = 0;
    assert_int_equal(fantasy__b64url_decode(k64, strlen(k64), k, sizeof k, &kn), 0);
    fantasy__claims back;
    assert_int_equal(fantasy__jwt_verify(k, kn, jws, &back), FANTASY_EAUTH);
    assert_string_equal(fantasy_error_last(), "malformed token claims");
    char bad[sizeof jws];
    memcpy(bad, jws, sizeof jws);
    bad[sizeof jws - 2] = 'l';
    assert_int_equal(fantasy__jwt_verify(k, kn, bad, &back), FANTASY_EAUTH);
    assert_string_equal(fantasy_error_last(), "token signature does not verify");
}

static void malformed_forms_refused(void **state) {
    (void)state;
    fantasy__claims c = sample(), back;
    char token[FANTASY__JWT_MAX], bad[FANTASY__JWT_MAX + 8];
    assert_int_equal(fantasy__jwt_sign(key, 32, &c, token), FANTASY_OK);
    const char *forms[] = { "", "abc", "a.b", "a.b.c.d", "..", "...", token + 1 };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        assert_int_equal(fantasy__jwt_verify(key, 32, forms[i], &back), FANTASY_EAUTH);
    }
    (void)snprintf(bad, sizeof bad, "%s.x", token);
    assert_int_equal(fantasy__jwt_verify(key, 32, bad, &back), FANTASY_EAUTH);
    /* The header check comes first and names the algorithm rule. */
    (void)snprintf(bad, sizeof bad, "eyJhbGciOiJub25lIn0%s", strchr(token, '.'));
    assert_int_equal(fantasy__jwt_verify(key, 32, bad, &back), FANTASY_EAUTH);
    assert_non_null(strstr(fantasy_error_last(), "HS256"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(b64url_round_trips),     cmocka_unit_test(b64url_decode_is_strict),
        cmocka_unit_test(sign_verify_round_trip), cmocka_unit_test(wrong_key_refused),
        cmocka_unit_test(rfc7515_a1_signature),   cmocka_unit_test(malformed_forms_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
