/* Input rules for account fields. Lengths are measured before anything else so a 10 MB value is
 * refused after one bounded scan. */
#include "domain/accounts/validate.h"

#include <string.h>

#include "core/error.h"
#include "core/ids.h"

/* Length of `s`, scanning at most `max` + 1 bytes. */
static size_t bounded_len(const char *s, size_t max) {
    return strnlen(s, max + 1);
}

/* Bytes of the UTF-8 sequence starting at s[0] (1–4), or 0 when malformed. */
static size_t utf8_seq(const unsigned char *s, size_t left) {
    unsigned c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (len == 0 || c > 0xf4 || len > left) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    /* Overlong 3- and 4-byte forms, UTF-16 surrogates and code points past U+10FFFF. */
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] >= 0x90)) {
        return 0;
    }
    return len;
}

int fantasy__utf8_valid(const char *s, size_t n, size_t *chars) {
    const unsigned char *u = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(u + i, n - i);
        if (len == 0) {
            return 0;
        }
        i += len;
        count++;
    }
    if (chars) {
        *chars = count;
    }
    return 1;
}

static int username_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

fantasy_status fantasy__check_username(const char *s) {
    size_t n = bounded_len(s, FANTASY__USERNAME_MAX);
    if (n < FANTASY__USERNAME_MIN || n > FANTASY__USERNAME_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "username must be %d-%d characters",
                             FANTASY__USERNAME_MIN, FANTASY__USERNAME_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (!username_char(s[i])) {
            return fantasy__fail(FANTASY_EINVAL, "username may only use letters, digits, '_', "
                                                 "'.' and '-'");
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__check_password(const char *field, const char *s) {
    size_t n = bounded_len(s, FANTASY__PASSWORD_MAX);
    if (n < FANTASY__PASSWORD_MIN || n > FANTASY__PASSWORD_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "%s must be %d-%d bytes", field, FANTASY__PASSWORD_MIN,
                             FANTASY__PASSWORD_MAX);
    }
    if (!fantasy__utf8_valid(s, n, NULL)) {
        return fantasy__fail(FANTASY_EINVAL, "%s is not valid UTF-8", field);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__check_name(const char *s) {
    /* 4 bytes per character at most, so this bound never cuts a valid name. */
    size_t n = bounded_len(s, FANTASY__NAME_MAX_CHARS * 4);
    size_t chars = 0;
    if (n > FANTASY__NAME_MAX_CHARS * 4 || !fantasy__utf8_valid(s, n, &chars)) {
        return fantasy__fail(FANTASY_EINVAL, "name must be valid UTF-8 of at most %zu characters",
                             FANTASY__NAME_MAX_CHARS);
    }
    if (chars == 0 || chars > FANTASY__NAME_MAX_CHARS) {
        return fantasy__fail(FANTASY_EINVAL, "name must be 1-%zu characters",
                             FANTASY__NAME_MAX_CHARS);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return fantasy__fail(FANTASY_EINVAL, "name must not contain control characters");
        }
    }
    return FANTASY_OK;
}

static int local_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL);
}

/* Dot-atom local part (RFC 5322 without quoting): no leading, trailing or double dots. */
static int local_ok(const char *s, size_t n) {
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!local_char(s[i]) || (s[i] == '.' && s[i + 1] == '.')) {
            return 0;
        }
    }
    return 1;
}

static int label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* At least two labels of 1–63 letters, digits and inner hyphens. */
static int domain_ok(const char *s, size_t n) {
    size_t labels = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') {
            if (!label_char(s[i])) {
                return 0;
            }
            continue;
        }
        size_t len = i - start;
        if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-') {
            return 0;
        }
        labels++;
        start = i + 1;
    }
    return labels >= 2;
}

fantasy_status fantasy__check_email(const char *s) {
    size_t n = bounded_len(s, FANTASY__EMAIL_MAX);
    const char *at = n <= FANTASY__EMAIL_MAX ? memchr(s, '@', n) : NULL;
    if (!at || !local_ok(s, (size_t)(at - s)) || !domain_ok(at + 1, n - (size_t)(at - s) - 1)) {
        return fantasy__fail(FANTASY_EINVAL,
                             "email must look like name@example.com (at most %d "
                             "ASCII characters)",
                             FANTASY__EMAIL_MAX);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__check_slack_id(const char *s) {
    if (!fantasy__id_valid(s)) {
        return fantasy__fail(FANTASY_EINVAL, "slack_id must be 1-%d letters, digits, '_' or '-'",
                             FANTASY_ID_MAX - 1);
    }
    return FANTASY_OK;
}

static const char *const role_names[] = { "", "USER", "MANAGER", "MASTER", "" };

fantasy_status fantasy__role_parse(const char *field, const char *s, fantasy_role *out) {
    for (int r = FANTASY_ROLE_USER; r <= FANTASY_ROLE_MASTER; r++) {
        if (strcmp(s, role_names[r]) == 0) {
            *out = (fantasy_role)r;
            return FANTASY_OK;
        }
    }
    return fantasy__fail(FANTASY_EINVAL, "%s must be USER, MANAGER or MASTER", field);
}

const char *fantasy__role_name(fantasy_role role) {
    if (role < FANTASY_ROLE_NONE || role > FANTASY_ROLE_SYSTEM) {
        return "";
    }
    return role_names[role];
}
