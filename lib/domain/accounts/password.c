/* KDF hashing and verification of passwords (scrypt or PBKDF2-HMAC-SHA256, OpenSSL). */
#include "domain/accounts/password.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/error.h"
#include "domain/accounts/b64url.h"
#include "domain/accounts/validate.h"

#define SALT_LEN 16
#define KEY_LEN  32
#define SALT_MAX 64
/* OpenSSL's default scrypt cap (32 MiB) is below what N=32768,r=8 needs (PLATFORM.md §6). */
#define SCRYPT_MIN_MAXMEM (64ull << 20)

typedef struct kdf_params {
    fantasy__kdf_alg alg;
    uint64_t n, r, p; /* scrypt */
    uint64_t iter;    /* pbkdf2 */
} kdf_params;

static kdf_params from_settings(const fantasy__settings *s) {
    kdf_params k = {
        .alg = s->kdf_alg, .n = s->kdf_n, .r = s->kdf_r, .p = s->kdf_p, .iter = s->kdf_iter
    };
    return k;
}

static size_t password_len(const char *pw) {
    return strnlen(pw, FANTASY__PASSWORD_MAX + 1);
}

static int run_kdf(const kdf_params *k, const char *pw, const unsigned char *salt, size_t salt_len,
                   unsigned char out[KEY_LEN]) {
    size_t len = password_len(pw);
    if (k->alg == FANTASY__KDF_PBKDF2_SHA256) {
        return PKCS5_PBKDF2_HMAC(pw, (int)len, salt, (int)salt_len, (int)k->iter, EVP_sha256(),
                                 KEY_LEN, out) == 1;
    }
    uint64_t maxmem = 128u * k->r * (k->n + 2u) + 128u * k->r * k->p + (1u << 20);
    if (maxmem < SCRYPT_MIN_MAXMEM) {
        maxmem = SCRYPT_MIN_MAXMEM;
    }
    return EVP_PBE_scrypt(pw, len, salt, salt_len, k->n, k->r, k->p, maxmem, out, KEY_LEN) == 1;
}

/* "$scrypt$N=..,r=..,p=.." or "$pbkdf2-sha256$i=..": everything before the salt. */
static void params_text(const kdf_params *k, char *out, size_t cap) {
    if (k->alg == FANTASY__KDF_PBKDF2_SHA256) {
        (void)snprintf(out, cap, "$pbkdf2-sha256$i=%llu", (unsigned long long)k->iter);
    } else {
        (void)snprintf(out, cap, "$scrypt$N=%llu,r=%llu,p=%llu", (unsigned long long)k->n,
                       (unsigned long long)k->r, (unsigned long long)k->p);
    }
}

fantasy_status fantasy__password_hash(const fantasy__settings *s, const char *pw,
                                      char out[FANTASY__HASH_MAX]) {
    out[0] = '\0';
    kdf_params k = from_settings(s);
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    if (RAND_bytes(salt, SALT_LEN) != 1) {
        return fantasy__fail(FANTASY_EBACKEND, "password: RAND_bytes failed");
    }
    if (!run_kdf(&k, pw, salt, SALT_LEN, key)) {
        return fantasy__fail(FANTASY_EBACKEND, "password: key derivation failed");
    }
    char head[64], salt_txt[FANTASY__B64URL_LEN(SALT_LEN) + 1],
        key_txt[FANTASY__B64URL_LEN(KEY_LEN) + 1];
    params_text(&k, head, sizeof head);
    (void)fantasy__b64url_encode(salt, SALT_LEN, salt_txt, sizeof salt_txt);
    (void)fantasy__b64url_encode(key, KEY_LEN, key_txt, sizeof key_txt);
    OPENSSL_cleanse(key, sizeof key);
    (void)snprintf(out, FANTASY__HASH_MAX, "%s$%s$%s", head, salt_txt, key_txt);
    OPENSSL_cleanse(key_txt, sizeof key_txt);
    return FANTASY_OK;
}

/* "name=<digits>" at *p, advancing past it; 0 when absent or out of range. */
static int take_param(const char **p, const char *name, uint64_t min, uint64_t max, uint64_t *out) {
    size_t nl = strlen(name);
    if (strncmp(*p, name, nl) != 0 || (*p)[nl] != '=') {
        return 0;
    }
    const char *d = *p + nl + 1;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *d >= '0' && *d <= '9' && digits < 12; d++, digits++) {
        v = v * 10u + (uint64_t)(*d - '0');
    }
    if (digits == 0 || (*d >= '0' && *d <= '9') || v < min || v > max) {
        return 0;
    }
    *p = d;
    *out = v;
    return 1;
}

/* The parameters of a stored hash, leaving *rest at the '$' before the salt. */
static int parse_params(const char *hash, kdf_params *k, const char **rest) {
    const char *p = hash;
    memset(k, 0, sizeof *k);
    if (strncmp(p, "$scrypt$", 8) == 0) {
        p += 8;
        k->alg = FANTASY__KDF_SCRYPT;
        if (!take_param(&p, "N", 2, 1u << 20, &k->n) || (k->n & (k->n - 1)) != 0 || *p++ != ',' ||
            !take_param(&p, "r", 1, 32, &k->r) || *p++ != ',' ||
            !take_param(&p, "p", 1, 16, &k->p)) {
            return 0;
        }
    } else if (strncmp(p, "$pbkdf2-sha256$", 15) == 0) {
        p += 15;
        k->alg = FANTASY__KDF_PBKDF2_SHA256;
        if (!take_param(&p, "i", 1, 100000000, &k->iter)) {
            return 0;
        }
    } else {
        return 0;
    }
    *rest = p;
    return *p == '$';
}

/* "$<salt>$<key>" into bytes. */
static int parse_salt_key(const char *rest, unsigned char *salt, size_t *salt_len,
                          unsigned char key[KEY_LEN]) {
    const char *s = rest + 1;
    const char *dollar = strchr(s, '$');
    size_t key_len = 0;
    if (!dollar || fantasy__b64url_decode(s, (size_t)(dollar - s), salt, SALT_MAX, salt_len) != 0 ||
        *salt_len < 8 ||
        fantasy__b64url_decode(dollar + 1, strlen(dollar + 1), key, KEY_LEN, &key_len) != 0 ||
        key_len != KEY_LEN) {
        return 0;
    }
    return 1;
}

fantasy_status fantasy__password_verify(const fantasy__settings *s, const char *pw,
                                        const char *hash, int *ok, int *stale) {
    *ok = 0;
    *stale = 0;
    kdf_params k;
    const char *rest = NULL;
    unsigned char salt[SALT_MAX], want[KEY_LEN], got[KEY_LEN];
    size_t salt_len = 0;
    if (!parse_params(hash, &k, &rest) || !parse_salt_key(rest, salt, &salt_len, want)) {
        return fantasy__fail(FANTASY_EBACKEND, "password: stored hash is corrupt");
    }
    if (!run_kdf(&k, pw, salt, salt_len, got)) {
        return fantasy__fail(FANTASY_EBACKEND, "password: key derivation failed");
    }
    *ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
    OPENSSL_cleanse(got, sizeof got);
    kdf_params cur = from_settings(s);
    char mine[64], theirs[64];
    params_text(&cur, mine, sizeof mine);
    params_text(&k, theirs, sizeof theirs);
    *stale = strcmp(mine, theirs) != 0;
    return FANTASY_OK;
}

void fantasy__password_burn(const fantasy__settings *s, const char *pw) {
    static const unsigned char salt[SALT_LEN] = { 0 };
    unsigned char key[KEY_LEN];
    kdf_params k = from_settings(s);
    (void)run_kdf(&k, pw, salt, SALT_LEN, key);
    OPENSSL_cleanse(key, sizeof key);
}
