/* Hashtag normalization: one rule on write and on query, so "#Roller", "roller" and " ROLLER "
 * are the same index key. */
#include <stddef.h>
#include <string.h>

#include "core/error.h"
#include "domain/attractions/attraction.h"

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the UTF-8 sequence at s (0 when invalid: bad lead, truncated, overlong, surrogate,
 * beyond U+10FFFF), with its code point in *cp. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp) {
    unsigned c = s[0];
    size_t n = 0;
    unsigned min = 0;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return n;
}

/* Unicode white space and controls a tag must not contain (the ASCII ones are checked too). */
static int is_unicode_space(unsigned cp) {
    return cp < 0x20 || cp == 0x7F || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == ' ';
}

fantasy_status fantasy__tag_normalize(const char *in, const char *what,
                                      char out[FANTASY__TAG_MAX_BYTES]) {
    const unsigned char *s = (const unsigned char *)in;
    size_t len = strlen(in);
    while (len > 0 && is_space(*s)) {
        s++, len--;
    }
    while (len > 0 && is_space(s[len - 1])) {
        len--;
    }
    if (len > 0 && *s == '#') {
        s++, len--;
    }
    size_t chars = 0, o = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp = 0;
        size_t n = utf8_seq(s + i, &cp);
        if (n == 0 || i + n > len) {
            return fantasy__fail(FANTASY_EINVAL, "%s: invalid UTF-8", what);
        }
        if (is_unicode_space(cp)) {
            return fantasy__fail(FANTASY_EINVAL, "%s: white space or control inside a tag", what);
        }
        if (++chars > FANTASY__TAG_MAX_CHARS) {
            return fantasy__fail(FANTASY_EINVAL, "%s: longer than %d characters", what,
                                 FANTASY__TAG_MAX_CHARS);
        }
        for (size_t k = 0; k < n; k++) {
            unsigned char c = s[i + k];
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        i += n;
    }
    out[o] = '\0';
    if (chars == 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s: empty tag", what);
    }
    return FANTASY_OK;
}
