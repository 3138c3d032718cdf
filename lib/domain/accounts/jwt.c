/* HS256 compact JWS: sign and verify. Nothing here trusts the token before its signature checked
 * out, except reading the header to refuse other algorithms with a clear message. */
#include "domain/accounts/jwt.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "domain/accounts/b64url.h"
#include "domain/accounts/validate.h"

#define MAC_LEN     32
#define SIG_TXT_LEN FANTASY__B64URL_LEN(MAC_LEN)

/* base64url of {"alg":"HS256","typ":"JWT"} */
static const char header_b64[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static int hmac_b64(const unsigned char *key, size_t key_len, const char *data, size_t len,
                    char out[SIG_TXT_LEN + 1]) {
    unsigned char mac[MAC_LEN];
    size_t mac_len = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, (const unsigned char *)data,
                   len, mac, sizeof mac, &mac_len) ||
        mac_len != MAC_LEN) {
        return 0;
    }
    return fantasy__b64url_encode(mac, MAC_LEN, out, SIG_TXT_LEN + 1) == SIG_TXT_LEN;
}

fantasy_status fantasy__jwt_sign(const unsigned char *key, size_t key_len, const fantasy__claims *c,
                                 char out[FANTASY__JWT_MAX]) {
    out[0] = '\0';
    char payload[512];
    char sid[FANTASY_ID_MAX + 16] = "";
    if (c->sid[0]) {
        (void)snprintf(sid, sizeof sid, ",\"sid\":\"%s\"", c->sid);
    }
    /* Every value is an id, a role or a number: nothing needs JSON escaping. */
    int n = snprintf(payload, sizeof payload,
                     "{\"sub\":\"%s\",\"role\":\"%s\",\"typ\":\"%s\",\"ver\":%lld,\"iat\":%lld,"
                     "\"exp\":%lld,\"jti\":\"%s\"%s}",
                     c->sub, c->role, c->typ, (long long)c->ver, (long long)c->iat,
                     (long long)c->exp, c->jti, sid);
    if (n < 0 || (size_t)n >= sizeof payload) {
        return fantasy__fail(FANTASY_EBACKEND, "jwt: claims too long");
    }
    size_t h = sizeof header_b64 - 1;
    memcpy(out, header_b64, h);
    out[h] = '.';
    size_t p = fantasy__b64url_encode((const unsigned char *)payload, (size_t)n, out + h + 1,
                                      FANTASY__JWT_MAX - h - 1);
    size_t signed_len = h + 1 + p;
    if (p == 0 || signed_len + 1 + SIG_TXT_LEN + 1 > FANTASY__JWT_MAX) {
        out[0] = '\0';
        return fantasy__fail(FANTASY_EBACKEND, "jwt: token too long");
    }
    out[signed_len] = '.';
    if (!hmac_b64(key, key_len, out, signed_len, out + signed_len + 1)) {
        out[0] = '\0';
        return fantasy__fail(FANTASY_EBACKEND, "jwt: HMAC-SHA256 failed");
    }
    return FANTASY_OK;
}

/* Decode one segment into a NUL-terminated JSON object. */
static cJSON *segment_json(const char *seg, size_t len) {
    unsigned char buf[FANTASY__JWT_MAX];
    size_t n = 0;
    if (fantasy__b64url_decode(seg, len, buf, sizeof buf - 1, &n) != 0) {
        return NULL;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        return NULL;
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts((const char *)buf, &end, 1);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

static fantasy_status check_header(const char *seg, size_t len) {
    cJSON *h = segment_json(seg, len);
    if (!h) {
        return fantasy__fail(FANTASY_EAUTH, "malformed token header");
    }
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
    const cJSON *typ = cJSON_GetObjectItemCaseSensitive(h, "typ");
    fantasy_status st = FANTASY_OK;
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0) {
        st = fantasy__fail(FANTASY_EAUTH, "token algorithm not accepted: only HS256");
    } else if (typ && (!cJSON_IsString(typ) || strcmp(typ->valuestring, "JWT") != 0)) {
        st = fantasy__fail(FANTASY_EAUTH, "token header typ must be JWT");
    } else if (cJSON_GetObjectItemCaseSensitive(h, "crit")) {
        st = fantasy__fail(FANTASY_EAUTH, "token header has critical extensions we do not know");
    }
    cJSON_Delete(h);
    return st;
}

static int copy_str(const cJSON *obj, const char *name, char *out, size_t cap, int required) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!f) {
        return !required;
    }
    if (!cJSON_IsString(f) || strlen(f->valuestring) >= cap) {
        return 0;
    }
    memcpy(out, f->valuestring, strlen(f->valuestring) + 1);
    return 1;
}

static int read_claims(const cJSON *p, fantasy__claims *c) {
    fantasy_role role;
    if (!copy_str(p, "sub", c->sub, sizeof c->sub, 1) ||
        !copy_str(p, "role", c->role, sizeof c->role, 1) ||
        !copy_str(p, "typ", c->typ, sizeof c->typ, 1) ||
        !copy_str(p, "jti", c->jti, sizeof c->jti, 1) ||
        !copy_str(p, "sid", c->sid, sizeof c->sid, 0)) {
        return 0;
    }
    if (fantasy__json_int(p, "ver", 1, 0, FANTASY__JSON_MAX_INT, &c->ver, NULL) != FANTASY_OK ||
        fantasy__json_int(p, "iat", 1, 0, FANTASY__JSON_MAX_INT, &c->iat, NULL) != FANTASY_OK ||
        fantasy__json_int(p, "exp", 1, 0, FANTASY__JSON_MAX_INT, &c->exp, NULL) != FANTASY_OK) {
        return 0;
    }
    return fantasy__id_valid(c->sub) && fantasy__id_valid(c->jti) &&
           (c->sid[0] == '\0' || fantasy__id_valid(c->sid)) &&
           fantasy__role_parse("role", c->role, &role) == FANTASY_OK;
}

fantasy_status fantasy__jwt_verify(const unsigned char *key, size_t key_len, const char *token,
                                   fantasy__claims *out) {
    memset(out, 0, sizeof *out);
    size_t len = strnlen(token, FANTASY__JWT_MAX);
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (len >= FANTASY__JWT_MAX || !dot1 || !dot2 ||
        memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) {
        return fantasy__fail(FANTASY_EAUTH, "malformed token: expected header.payload.signature");
    }
    fantasy_status st = check_header(token, (size_t)(dot1 - token));
    if (st != FANTASY_OK) {
        return st;
    }
    char want[SIG_TXT_LEN + 1];
    const char *sig = dot2 + 1;
    size_t sig_len = len - (size_t)(sig - token);
    if (!hmac_b64(key, key_len, token, (size_t)(dot2 - token), want)) {
        return fantasy__fail(FANTASY_EBACKEND, "jwt: HMAC-SHA256 failed");
    }
    /* The canonical encoding is compared, so a signature spelled differently is refused too. */
    if (sig_len != SIG_TXT_LEN || CRYPTO_memcmp(sig, want, SIG_TXT_LEN) != 0) {
        return fantasy__fail(FANTASY_EAUTH, "token signature does not verify");
    }
    cJSON *payload = segment_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    int ok = payload && read_claims(payload, out);
    cJSON_Delete(payload);
    if (!ok) {
        memset(out, 0, sizeof *out);
        return fantasy__fail(FANTASY_EAUTH, "malformed token claims");
    }
    return FANTASY_OK;
}
