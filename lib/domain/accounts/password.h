/* Password hashing with a KDF from OpenSSL chosen by auth.kdf, stored as a self-describing string
 *   $scrypt$N=32768,r=8,p=1$<salt>$<key>      $pbkdf2-sha256$i=600000$<salt>$<key>
 * (salt 16 random bytes, key 32 bytes, both base64url), so old hashes keep verifying after the
 * parameters are raised. Plain-text passwords never leave these functions. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_PASSWORD_H
#define FANTASY_DOMAIN_ACCOUNTS_PASSWORD_H

#include <stddef.h>

#include "fantasy/errors.h"

#include "core/settings.h"

#define FANTASY__HASH_MAX 160

/* Hash `pw` with a fresh salt under the configured KDF. FANTASY_EBACKEND when the RNG or KDF
 * fails. */
fantasy_status fantasy__password_hash(const fantasy__settings *s, const char *pw,
                                      char out[FANTASY__HASH_MAX]);

/* Compare `pw` with `hash` in constant time: *ok = 1 on a match. *stale = 1 when the hash was
 * made with other parameters than the configured ones (rehash it). FANTASY_EBACKEND for a
 * corrupt hash string or a KDF failure. */
fantasy_status fantasy__password_verify(const fantasy__settings *s, const char *pw,
                                        const char *hash, int *ok, int *stale);

/* Spend the work of one verification and discard it, so a login for an unknown username takes
 * as long as one with a wrong password. */
void fantasy__password_burn(const fantasy__settings *s, const char *pw);

#endif
