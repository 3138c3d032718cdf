/* Compact JSON printing of cJSON trees into memory from the park's allocator.
 *
 * Byte for byte what cJSON_PrintUnformatted prints, except that integral numbers up to 9.2e18
 * print as plain integers (cJSON would write 1e+15 style exponents from 1e15 on). Our own printer
 * because orders, events and results are printed on every call: cJSON prints every number with
 * sprintf and reads it back with sscanf, and copies the text once more into our allocator, which
 * together were a fifth of an orders.create. */
#include "core/json_print.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"

/* Most documents fit here; only bigger ones grow into the heap. */
#define STACK_CAP 1024
/* |v| up to this prints as an integer when integral (beyond it, as cJSON does). */
#define MAX_PLAIN_INT 9.2e18

/* Text is built on the stack and copied once, at its final size, into the result; growing
 * past the stack moves it to the heap. */
typedef struct pbuf {
    const fantasy_allocator *a;
    char *p; /* `stack` or a heap block */
    size_t len, cap;
    int failed;
    char stack[STACK_CAP];
} pbuf;

static void pbuf_init(pbuf *b, const fantasy_allocator *a) {
    b->a = a;
    b->p = b->stack;
    b->len = 0;
    b->cap = sizeof b->stack;
    b->failed = 0;
}

static void pbuf_release(pbuf *b) {
    if (b->p != b->stack) {
        fantasy__free(b->a, b->p);
    }
    b->p = b->stack;
}

/* room() past the buffer: grow it. 0 (and `failed` set) when out of memory. */
static int grow(pbuf *b, size_t extra) {
    size_t cap = b->cap;
    while (cap - b->len <= extra) {
        if (cap > SIZE_MAX / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    int heap = b->p != b->stack;
    char *p = heap ? fantasy__realloc(b->a, b->p, cap) : fantasy__alloc(b->a, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    if (!heap) {
        memcpy(p, b->stack, b->len);
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

/* Room for `extra` more bytes and a NUL; 0 (and `failed` set) when out of memory. Inline: it
 * runs for every character and string printed, and nearly always has room. */
static inline int room(pbuf *b, size_t extra) {
    if (b->failed) {
        return 0;
    }
    return extra < b->cap - b->len ? 1 : grow(b, extra);
}

static void put(pbuf *b, const char *s, size_t n) {
    if (room(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static void put_char(pbuf *b, char c) {
    if (room(b, 1)) {
        b->p[b->len++] = c;
    }
}

/* 1 when none of the eight bytes of `w` needs escaping: no control byte (< 0x20), no '"', no
 * '\\'. Each test is the exact "has a byte below n" bit trick, so a word passes only when all
 * eight bytes are plain. */
static int plain_word(uint64_t w) {
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    uint64_t ctl = (w - ones * 0x20U) & ~w & highs;
    uint64_t quote = w ^ (ones * (unsigned char)'"');
    quote = (quote - ones) & ~quote & highs;
    uint64_t bslash = w ^ (ones * (unsigned char)'\\');
    bslash = (bslash - ones) & ~bslash & highs;
    return (ctl | quote | bslash) == 0;
}

/* cJSON's escaping: the two-letter escapes, \u00xx (lower-case hex) for other control
 * characters, every other byte as it is. Plain runs are found eight bytes at a time and copied
 * whole. */
static void put_string(pbuf *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    put_char(b, '"');
    const char *run = s ? s : "";
    const char *end = run + strlen(run);
    const char *q = run;
    while (q < end) {
        if (end - q >= 8) {
            uint64_t w = 0;
            memcpy(&w, q, sizeof w);
            if (plain_word(w)) {
                q += 8;
                continue;
            }
        }
        unsigned char c = (unsigned char)*q;
        if (c >= 32 && c != '"' && c != '\\') {
            q++;
            continue;
        }
        put(b, run, (size_t)(q - run));
        run = ++q;
        char esc[6] = { '\\', 0, 0, 0, 0, 0 };
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15u];
            n = 6;
            break;
        }
        put(b, esc, n);
    }
    put(b, run, (size_t)(end - run));
    put_char(b, '"');
}

/* Digits of |v| (as unsigned), sign in front: no printf for the common case. */
static void put_int(pbuf *b, long long v) {
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        tmp[--i] = '-';
    }
    put(b, tmp + i, sizeof tmp - i);
}

/* cJSON's non-integer rule: 15 significant digits when they read back as the same double,
 * else 17. */
static void put_double(pbuf *b, double d) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%1.15g", d);
    double back = strtod(tmp, NULL);
    double larger = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
    if (fabs(back - d) > larger * DBL_EPSILON) {
        n = snprintf(tmp, sizeof tmp, "%1.17g", d);
    }
    /* A locale with a decimal comma would break JSON, as cJSON guards against too. */
    for (int i = 0; i < n; i++) {
        if (tmp[i] == ',') {
            tmp[i] = '.';
        }
    }
    put(b, tmp, n > 0 ? (size_t)n : 0);
}

static void put_number(pbuf *b, double d) {
    if (isnan(d) || isinf(d)) {
        put(b, "null", 4);
    } else if (d == 0 && signbit(d)) {
        put(b, "-0", 2); /* as %g prints it */
    } else if (floor(d) == d && fabs(d) <= MAX_PLAIN_INT) {
        put_int(b, (long long)d);
    } else {
        put_double(b, d);
    }
}

/* NOLINTNEXTLINE(misc-no-recursion): depth is bounded by cJSON's nesting limit (1000) */
static fantasy_status put_item(pbuf *b, const cJSON *it) {
    switch (it->type & 0xFF) {
    case cJSON_False:
        put(b, "false", 5);
        return FANTASY_OK;
    case cJSON_True:
        put(b, "true", 4);
        return FANTASY_OK;
    case cJSON_NULL:
        put(b, "null", 4);
        return FANTASY_OK;
    case cJSON_Number:
        put_number(b, it->valuedouble);
        return FANTASY_OK;
    case cJSON_String:
        put_string(b, it->valuestring);
        return FANTASY_OK;
    case cJSON_Raw:
        if (!it->valuestring) {
            break;
        }
        put(b, it->valuestring, strlen(it->valuestring));
        return FANTASY_OK;
    case cJSON_Array:
    case cJSON_Object: {
        int obj = (it->type & 0xFF) == cJSON_Object;
        put_char(b, obj ? '{' : '[');
        for (const cJSON *c = it->child; c; c = c->next) {
            if (c != it->child) {
                put_char(b, ',');
            }
            if (obj) {
                put_string(b, c->string);
                put_char(b, ':');
            }
            fantasy_status st = put_item(b, c);
            if (st != FANTASY_OK) {
                return st;
            }
        }
        put_char(b, obj ? '}' : ']');
        return FANTASY_OK;
    }
    default:
        break;
    }
    return fantasy__fail(FANTASY_EINVAL, "json: cannot print an item of type %d", it->type);
}

/* The text as a NUL-terminated block from the allocator in *out (its length in *len), made
 * with `copy` (fantasy__strndup or fantasy__out_strndup); releases the buffer either way. */
static fantasy_status take(pbuf *b, fantasy_status st,
                           char *(*copy)(const fantasy_allocator *, const char *, size_t),
                           char **out, size_t *len) {
    if (st == FANTASY_OK && b->failed) {
        st = fantasy__oom();
    }
    if (st == FANTASY_OK) {
        *out = copy(b->a, b->p, b->len);
        st = *out ? FANTASY_OK : fantasy__oom();
    }
    if (st == FANTASY_OK && len) {
        *len = b->len;
    }
    pbuf_release(b);
    return st;
}

static fantasy_status put_root(pbuf *b, const cJSON *obj) {
    return obj ? put_item(b, obj) : fantasy__fail(FANTASY_EINVAL, "json: NULL item");
}

fantasy_status fantasy__json_print(const fantasy_allocator *a, const cJSON *obj, char **out,
                                   size_t *len) {
    *out = NULL;
    pbuf b;
    pbuf_init(&b, a);
    return take(&b, put_root(&b, obj), fantasy__strndup, out, len);
}

/* 1 when one of the `n` fields is named `name`. */
static int is_extra(const fantasy__json_field *extra, size_t n, const char *name) {
    for (size_t i = 0; i < n && name; i++) {
        if (strcmp(extra[i].name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

/* NOLINTNEXTLINE(misc-no-recursion): put_item recurses, bounded as above */
static fantasy_status put_with(pbuf *b, const cJSON *base, const fantasy__json_field *extra,
                               size_t n) {
    int first = 1;
    put_char(b, '{');
    for (const cJSON *c = base ? base->child : NULL; c; c = c->next) {
        if (is_extra(extra, n, c->string)) {
            continue;
        }
        if (!first) {
            put_char(b, ',');
        }
        first = 0;
        put_string(b, c->string);
        put_char(b, ':');
        fantasy_status st = put_item(b, c);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!first) {
            put_char(b, ',');
        }
        first = 0;
        put_string(b, extra[i].name);
        put_char(b, ':');
        if (extra[i].str) {
            put_string(b, extra[i].str);
        } else {
            put_int(b, extra[i].num);
        }
    }
    put_char(b, '}');
    return FANTASY_OK;
}

fantasy_status fantasy__json_print_with(const fantasy_allocator *a, const cJSON *base,
                                        const fantasy__json_field *extra, size_t n_extra,
                                        char **out, size_t *len) {
    *out = NULL;
    if (base && !cJSON_IsObject(base)) {
        return fantasy__fail(FANTASY_EINVAL, "json: print_with needs an object");
    }
    pbuf b;
    pbuf_init(&b, a);
    return take(&b, put_with(&b, base, extra, n_extra), fantasy__strndup, out, len);
}

fantasy_status fantasy__json_print_with_buf(const fantasy_allocator *a, const cJSON *base,
                                            const fantasy__json_field *extra, size_t n_extra,
                                            char *buf, size_t cap, char **out, size_t *len) {
    *out = NULL;
    if (base && !cJSON_IsObject(base)) {
        return fantasy__fail(FANTASY_EINVAL, "json: print_with needs an object");
    }
    pbuf b;
    pbuf_init(&b, a);
    fantasy_status st = put_with(&b, base, extra, n_extra);
    if (st != FANTASY_OK || b.failed || b.len >= cap) {
        return take(&b, st, fantasy__strndup, out, len);
    }
    memcpy(buf, b.p, b.len);
    buf[b.len] = '\0';
    *out = buf;
    if (len) {
        *len = b.len;
    }
    pbuf_release(&b);
    return FANTASY_OK;
}

fantasy_status fantasy__json_print_out(const fantasy_allocator *a, const cJSON *obj, char **out) {
    *out = NULL;
    pbuf b;
    pbuf_init(&b, a);
    return take(&b, put_root(&b, obj), fantasy__out_strndup, out, NULL);
}
