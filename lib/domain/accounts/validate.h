/* Input rules of the accounts domain (API.md): each check returns FANTASY_OK or FANTASY_EINVAL
 * with a message naming the field but never echoing a password. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_VALIDATE_H
#define FANTASY_DOMAIN_ACCOUNTS_VALIDATE_H

#include <stddef.h>

#include "fantasy/park.h"

#define FANTASY__USERNAME_MIN   3
#define FANTASY__USERNAME_MAX   50
#define FANTASY__PASSWORD_MIN   8
#define FANTASY__PASSWORD_MAX   1024
#define FANTASY__NAME_MAX_CHARS ((size_t)100)
#define FANTASY__EMAIL_MAX      254

/* 1 when the first `n` bytes of `s` are well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF); `*chars` gets the code point count. */
int fantasy__utf8_valid(const char *s, size_t n, size_t *chars);

/* 3–50 of letters, digits, '_', '.', '-'. */
fantasy_status fantasy__check_username(const char *s);
/* 8–1024 bytes of UTF-8. `field` names the argument in the message. */
fantasy_status fantasy__check_password(const char *field, const char *s);
/* 1–100 characters of UTF-8, no control characters. */
fantasy_status fantasy__check_name(const char *s);
/* local@domain with a dotted domain, at most 254 bytes of ASCII. */
fantasy_status fantasy__check_email(const char *s);
/* A Slack member or channel id: 1–63 of letters, digits, '_' and '-'. */
fantasy_status fantasy__check_slack_id(const char *s);

/* "USER", "MANAGER", "MASTER" ↔ the enum; anything else is FANTASY_EINVAL naming `field`. */
fantasy_status fantasy__role_parse(const char *field, const char *s, fantasy_role *out);
/* The name of a user role; "" for NONE and SYSTEM. */
const char *fantasy__role_name(fantasy_role role);

#endif
