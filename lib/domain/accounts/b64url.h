/* Base64url without padding (RFC 4648 §5), as JWS and our password hash strings use it. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_B64URL_H
#define FANTASY_DOMAIN_ACCOUNTS_B64URL_H

#include <stddef.h>

/* Characters needed to encode n bytes, without the NUL. */
#define FANTASY__B64URL_LEN(n) ((((n) / 3) * 4) + (((n) % 3) ? ((n) % 3) + 1 : 0))

/* Encode `n` bytes into `out` (room for FANTASY__B64URL_LEN(n) + 1) and NUL-terminate it.
 * Returns the length, or 0 with out[0] = '\0' when `cap` is too small. */
size_t fantasy__b64url_encode(const unsigned char *in, size_t n, char *out, size_t cap);

/* Decode exactly `n` characters strictly: only the base64url alphabet, no padding, no length
 * that leaves 6 stray bits, unused trailing bits zero (so each byte string has one encoding).
 * Returns 0 and the byte count in *out_len, or -1 (malformed or `cap` too small). */
int fantasy__b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap,
                           size_t *out_len);

#endif
