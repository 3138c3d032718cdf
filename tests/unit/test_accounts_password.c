/* Password hashing: the self-describing strings, both KDFs, stale parameters, corrupt hashes,
 * the default scrypt cost (needs maxmem), and rehash on login. */
#include "accounts_fixture.h"
#include "core/park_internal.h"
#include "core/settings.h"
#include "domain/accounts/password.h"
#include "domain/collections.h"

static fantasy__settings scrypt_settings(uint64_t n) {
    fantasy__settings s;
    memset(&s, 0, sizeof s);
    s.kdf_alg = FANTASY__KDF_SCRYPT;
    s.kdf_n = n;
    s.kdf_r = 8;
    s.kdf_p = 1;
    return s;
}

static fantasy__settings pbkdf2_settings(uint64_t iter) {
    fantasy__settings s;
    memset(&s, 0, sizeof s);
    s.kdf_alg = FANTASY__KDF_PBKDF2_SHA256;
    s.kdf_iter = iter;
    return s;
}

static void scrypt_hash_and_verify(void **state) {
    (void)state;
    fantasy__settings s = scrypt_settings(1024);
    char h1[FANTASY__HASH_MAX], h2[FANTASY__HASH_MAX];
    assert_int_equal(fantasy__password_hash(&s, "hunter2hunter2", h1), FANTASY_OK);
    assert_int_equal(fantasy__password_hash(&s, "hunter2hunter2", h2), FANTASY_OK);
    assert_memory_equal(h1, "$scrypt$N=1024,r=8,p=1$", 23);
    assert_string_not_equal(h1, h2); /* per-account salt */
    assert_null(strstr(h1, "hunter2"));
    int ok = 0, stale = 1;
    assert_int_equal(fantasy__password_verify(&s, "hunter2hunter2", h1, &ok, &stale), FANTASY_OK);
    assert_true(ok);
    assert_false(stale);
    assert_int_equal(fantasy__password_verify(&s, "hunter2hunter3", h1, &ok, &stale), FANTASY_OK);
    assert_false(ok);
}

static void pbkdf2_hash_and_verify(void **state) {
    (void)state;
    fantasy__settings s = pbkdf2_settings(1000);
    char h[FANTASY__HASH_MAX];
    assert_int_equal(fantasy__password_hash(&s, "correct horse", h), FANTASY_OK);
    assert_memory_equal(h, "$pbkdf2-sha256$i=1000$", 22);
    int ok = 0, stale = 1;
    assert_int_equal(fantasy__password_verify(&s, "correct horse", h, &ok, &stale), FANTASY_OK);
    assert_true(ok);
    assert_false(stale);
}

static void old_parameters_still_verify(void **state) {
    (void)state;
    fantasy__settings old = pbkdf2_settings(1000), now = scrypt_settings(2048);
    char h[FANTASY__HASH_MAX];
    assert_int_equal(fantasy__password_hash(&old, "the old password", h), FANTASY_OK);
    int ok = 0, stale = 0;
    assert_int_equal(fantasy__password_verify(&now, "the old password", h, &ok, &stale),
                     FANTASY_OK);
    assert_true(ok);
    assert_true(stale);
    fantasy__settings raised = pbkdf2_settings(2000);
    assert_int_equal(fantasy__password_verify(&raised, "the old password", h, &ok, &stale),
                     FANTASY_OK);
    assert_true(ok);
    assert_true(stale);
}

static void corrupt_hashes_are_backend_errors(void **state) {
    (void)state;
    fantasy__settings s = scrypt_settings(1024);
    const char *bad[] = {
        "",
        "plaintext",
        "$scrypt$N=1000,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$N=1024,r=8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$N=1024,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$N=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
        "$scrypt$N=99999999999999999999,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
        "$bcrypt$10$abc",
        "$pbkdf2-sha256$i=0$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int ok = 1, stale = 1;
        assert_int_equal(fantasy__password_verify(&s, "whatever pw", bad[i], &ok, &stale),
                         FANTASY_EBACKEND);
        assert_false(ok);
    }
}

static void default_scrypt_cost_runs(void **state) {
    (void)state;
    /* N=32768, r=8 needs more than OpenSSL's default 32 MiB scrypt cap. */
    fantasy__settings s = scrypt_settings(32768);
    char h[FANTASY__HASH_MAX];
    assert_int_equal(fantasy__password_hash(&s, "default cost pw", h), FANTASY_OK);
    assert_memory_equal(h, "$scrypt$N=32768,r=8,p=1$", 24);
}

static void stored_hash(fantasy_park *park, const char *id, char *out, size_t cap) {
    fantasy_buf *doc = NULL;
    int64_t v = 0;
    assert_int_equal(fantasy_buf_new(NULL, &doc), FANTASY_OK);
    assert_int_equal(park->records.get(park->records.self, FANTASY__COL_ACCOUNTS, id, doc, &v),
                     FANTASY_OK);
    cJSON *j = cJSON_Parse(fantasy_buf_data(doc));
    fx_str(j, "password_hash", out, cap);
    cJSON_Delete(j);
    fantasy_buf_free(doc);
}

static void login_rehashes_stale_hashes(void **state) {
    (void)state;
    fantasy_park *park = fx_open_with("pbkdf2-sha256:i=1000", NULL);
    fx_user u;
    fx_user_with_role(park, "oldtimer", "USER", &u);
    char h[FANTASY__HASH_MAX];
    stored_hash(park, u.id, h, sizeof h);
    assert_memory_equal(h, "$pbkdf2-sha256$i=1000$", 22);
    /* The operator raises the parameters; the next login moves the hash over. */
    park->settings.kdf_alg = FANTASY__KDF_SCRYPT;
    park->settings.kdf_n = 1024;
    park->settings.kdf_r = 8;
    park->settings.kdf_p = 1;
    fx_user again;
    fx_login(park, "oldtimer", FX_PASSWORD, &again);
    stored_hash(park, u.id, h, sizeof h);
    assert_memory_equal(h, "$scrypt$N=1024,r=8,p=1$", 23);
    fx_login(park, "oldtimer", FX_PASSWORD, &again);
    /* Rehashing is not a password change: earlier tokens still work. */
    assert_int_equal(fx_call(park, "accounts.me", NULL, u.access, NULL), FANTASY_OK);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scrypt_hash_and_verify),
        cmocka_unit_test(pbkdf2_hash_and_verify),
        cmocka_unit_test(old_parameters_still_verify),
        cmocka_unit_test(corrupt_hashes_are_backend_errors),
        cmocka_unit_test(default_scrypt_cost_runs),
        cmocka_unit_test(login_rehashes_stale_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
