/* Compact JWS with HS256 (RFC 7515/7519), written over OpenSSL HMAC: the only algorithm we sign
 * or accept. The header is always {"alg":"HS256","typ":"JWT"}; claims are ours (API.md). */
#ifndef FANTASY_DOMAIN_ACCOUNTS_JWT_H
#define FANTASY_DOMAIN_ACCOUNTS_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "fantasy/common.h"
#include "fantasy/errors.h"

/* Longest token we make or read, with its NUL. */
#define FANTASY__JWT_MAX 1024

typedef struct fantasy__claims {
    char sub[FANTASY_ID_MAX]; /* user id */
    char role[16];            /* USER · MANAGER · MASTER */
    char typ[16];             /* access · refresh */
    char jti[FANTASY_ID_MAX];
    char sid[FANTASY_ID_MAX]; /* refresh tokens: the session they belong to; "" otherwise */
    int64_t ver;              /* the account's token epoch */
    int64_t iat;              /* seconds */
    int64_t exp;              /* seconds */
} fantasy__claims;

/* Sign `c` with `key`. FANTASY_EBACKEND when HMAC fails or the token would not fit. */
fantasy_status fantasy__jwt_sign(const unsigned char *key, size_t key_len, const fantasy__claims *c,
                                 char out[FANTASY__JWT_MAX]);

/* Check form, algorithm and signature, then read the claims. Anything wrong is FANTASY_EAUTH
 * with a message naming what; typ, exp and ver are the caller's to judge. */
fantasy_status fantasy__jwt_verify(const unsigned char *key, size_t key_len, const char *token,
                                   fantasy__claims *out);

#endif
