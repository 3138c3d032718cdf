/* Strict JSON argument readers and result builders over cJSON (API.md's fine points: wrong
 * types, floats for integers and integers beyond 2^53 are INVALID_ARGUMENT). */
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

/* 1 when a JSON string in `text` holds the escape \u0000: cJSON would cut the string there, so
 * "pass\u0000word" would silently read as "pass". Walks escapes so "\\u0000" is not a match. */
static int has_escaped_nul(const char *text) {
    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            continue;
        }
        if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0) {
            return 1;
        }
        if (p[1] != '\0') {
            p++; /* skip the escaped character, so an escaped backslash is not read twice */
        }
    }
    return 0;
}

/* cJSON keeps 2.0 and 1e3 as the same double as 2 and 1000, but API.md calls a float where an
 * integer is due INVALID_ARGUMENT, and a client that writes 2.0 computes in floating point. So
 * the argument text is walked once more beside the tree cJSON made of it (same order of items)
 * and each number written with a fraction or an exponent gets this flag in its type, above the
 * bits cJSON reads; fantasy__json_int refuses flagged numbers. */
#define FLOAT_TEXT (1 << 12)

/* As cJSON skips: every byte from 1 to 32. */
static const char *skip_ws(const char *p) {
    while (*p && (unsigned char)*p <= 32) {
        p++;
    }
    return p;
}

/* Past the string starting at `p` (its opening quote). */
static const char *skip_string(const char *p) {
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) {
            p++;
        }
    }
    return *p ? p + 1 : p;
}

/* Past the scalar at `p`, the text of `item`, flagging a number written as a float. */
static const char *mark_scalar(cJSON *item, const char *p) {
    if (cJSON_IsString(item)) {
        return skip_string(p);
    }
    const char *start = p;
    while (*p && strchr("+-0123456789.eE", *p)) {
        p++;
    }
    if (cJSON_IsNumber(item) && strcspn(start, ".eE") < (size_t)(p - start)) {
        item->type |= FLOAT_TEXT;
    }
    while (*p >= 'a' && *p <= 'z') { /* true, false, null */
        p++;
    }
    return p;
}

/* Past the byte at `p` unless it is the end. */
static const char *step(const char *p) {
    return *p ? p + 1 : p;
}

/* From a member's start to its value: past the key and the colon inside an object. */
static const char *to_value(const cJSON *parent, const char *p) {
    if (!cJSON_IsObject(parent)) {
        return p;
    }
    p = skip_ws(skip_string(skip_ws(p)));
    return *p == ':' ? p + 1 : p;
}

/* Walk `root`'s text in document order beside its items, with a stack of the open containers
 * (cJSON refuses deeper nesting than CJSON_NESTING_LIMIT, so it cannot overflow). */
static void mark_floats(cJSON *root, const char *p) {
    cJSON *open[CJSON_NESTING_LIMIT + 1];
    size_t depth = 0;
    cJSON *item = root;
    for (;;) {
        p = skip_ws(p);
        int container = cJSON_IsObject(item) || cJSON_IsArray(item);
        if (container && item->child) {
            if (depth == CJSON_NESTING_LIMIT) {
                return;
            }
            open[depth++] = item;
            item = item->child;
            p = to_value(open[depth - 1], step(p));
            continue;
        }
        p = container ? step(skip_ws(step(p))) : mark_scalar(item, p);
        /* The value is done: close the containers it ended, then on to the next member. */
        while (depth > 0 && !item->next) {
            p = step(skip_ws(p));
            item = open[--depth];
        }
        if (depth == 0) {
            return;
        }
        p = skip_ws(p);
        item = item->next;
        p = to_value(open[depth - 1], *p == ',' ? p + 1 : p);
    }
}

fantasy_status fantasy__json_parse_object(const char *text, cJSON **out) {
    *out = NULL;
    if (!text || text[0] == '\0') {
        text = "{}";
    }
    if (has_escaped_nul(text)) {
        return fantasy__fail(FANTASY_EINVAL, "strings must not contain \\u0000");
    }
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithOpts(text, &end, 1);
    if (!j) {
        size_t at = end ? (size_t)(end - text) : 0;
        return fantasy__fail(FANTASY_EINVAL, "malformed JSON arguments near byte %zu", at);
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return fantasy__fail(FANTASY_EINVAL, "arguments must be a JSON object");
    }
    if (strpbrk(text, ".eE")) { /* else no number can be written as a float */
        mark_floats(j, text);
    }
    *out = j;
    return FANTASY_OK;
}

fantasy_status fantasy__json_parse_doc(const char *data, size_t len, cJSON **out) {
    *out = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(data, len, NULL, 0);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return fantasy__fail(FANTASY_EBACKEND, "stored document is not a JSON object");
    }
    *out = j;
    return FANTASY_OK;
}

cJSON *fantasy__json_get(const cJSON *obj, const char *name) {
    if (!obj || !name) {
        return NULL;
    }
    for (cJSON *c = obj->child; c && c->string; c = c->next) {
        if (c->string[0] == name[0] && strcmp(c->string, name) == 0) {
            return c;
        }
    }
    return NULL;
}

const char *fantasy__json_get_str(const cJSON *obj, const char *name) {
    const cJSON *f = fantasy__json_get(obj, name);
    return cJSON_IsString(f) ? f->valuestring : "";
}

int64_t fantasy__json_get_int(const cJSON *obj, const char *name) {
    const cJSON *f = fantasy__json_get(obj, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : 0;
}

/* The field, NULL when absent or JSON null; `missing` set when required and absent. */
static const cJSON *field(const cJSON *obj, const char *name, int required, int *present,
                          fantasy_status *st) {
    const cJSON *f = fantasy__json_get(obj, name);
    if (f && cJSON_IsNull(f)) {
        f = NULL;
    }
    if (present) {
        *present = f != NULL;
    }
    *st = (!f && required) ? fantasy__fail(FANTASY_EINVAL, "missing field '%s'", name) : FANTASY_OK;
    return f;
}

fantasy_status fantasy__json_str(const cJSON *obj, const char *name, int required, const char **out,
                                 int *present) {
    fantasy_status st;
    const cJSON *f = field(obj, name, required, present, &st);
    if (!f) {
        return st;
    }
    if (!cJSON_IsString(f)) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be a string", name);
    }
    *out = f->valuestring;
    return FANTASY_OK;
}

fantasy_status fantasy__json_int(const cJSON *obj, const char *name, int required, int64_t min,
                                 int64_t max, int64_t *out, int *present) {
    fantasy_status st;
    const cJSON *f = field(obj, name, required, present, &st);
    if (!f) {
        return st;
    }
    double d = f->valuedouble;
    if (!cJSON_IsNumber(f) || (f->type & FLOAT_TEXT) || !isfinite(d) || floor(d) != d) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be an integer", name);
    }
    if (fabs(d) > (double)FANTASY__JSON_MAX_INT) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' is beyond +-(2^53-1)", name);
    }
    int64_t v = (int64_t)d;
    if (v < min || v > max) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be in %lld..%lld, got %lld", name,
                             (long long)min, (long long)max, (long long)v);
    }
    *out = v;
    return FANTASY_OK;
}

fantasy_status fantasy__json_bool(const cJSON *obj, const char *name, int required, int *out,
                                  int *present) {
    fantasy_status st;
    const cJSON *f = field(obj, name, required, present, &st);
    if (!f) {
        return st;
    }
    if (!cJSON_IsBool(f)) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be true or false", name);
    }
    *out = cJSON_IsTrue(f);
    return FANTASY_OK;
}

static int valid_currency(const char *c) {
    if (strlen(c) != 3) {
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (c[i] < 'A' || c[i] > 'Z') {
            return 0;
        }
    }
    return 1;
}

fantasy_status fantasy__json_money(const cJSON *obj, const char *name, int required,
                                   fantasy_money *out, int *present) {
    fantasy_status st;
    const cJSON *f = field(obj, name, required, present, &st);
    if (!f) {
        return st;
    }
    if (!cJSON_IsObject(f)) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be {\"amount\":..,\"currency\":..}",
                             name);
    }
    int64_t amount = 0;
    const char *cur = NULL;
    st = fantasy__json_int(f, "amount", 1, 0, FANTASY__JSON_MAX_INT, &amount, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(f, "currency", 1, &cur, NULL);
    }
    if (st != FANTASY_OK) {
        return fantasy__error_wrap(st, name);
    }
    if (!cur || !valid_currency(cur)) {
        return fantasy__fail(FANTASY_EINVAL, "%s: currency must be an ISO 4217 code like KRW",
                             name);
    }
    out->amount_minor = amount;
    memcpy(out->currency, cur, 4);
    return FANTASY_OK;
}

fantasy_status fantasy__json_str_array(const cJSON *obj, const char *name, int required, size_t max,
                                       const cJSON **out, int *present) {
    fantasy_status st;
    const cJSON *f = field(obj, name, required, present, &st);
    if (!f) {
        return st;
    }
    if (!cJSON_IsArray(f)) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' must be an array of strings", name);
    }
    size_t n = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, f) {
        if (!cJSON_IsString(it)) {
            return fantasy__fail(FANTASY_EINVAL, "field '%s' must be an array of strings", name);
        }
        n++;
    }
    if (n > max) {
        return fantasy__fail(FANTASY_EINVAL, "field '%s' has %zu items, at most %zu", name, n, max);
    }
    *out = f;
    return FANTASY_OK;
}

fantasy_status fantasy__json_page(const cJSON *obj, int64_t *limit, const char **cursor) {
    *limit = 20;
    *cursor = NULL;
    fantasy_status st = fantasy__json_int(obj, "limit", 0, 1, 100, limit, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(obj, "cursor", 0, cursor, NULL);
    }
    if (st == FANTASY_OK && *cursor && (*cursor)[0] == '\0') {
        *cursor = NULL;
    }
    return st;
}

fantasy_status fantasy__json_only(const cJSON *obj, const char *const *allowed) {
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, obj) {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++) {
            ok = strcmp(allowed[i], it->string) == 0;
        }
        if (!ok) {
            return fantasy__fail(FANTASY_EINVAL, "unknown field '%s'", it->string);
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__json_put(cJSON *obj, const char *name, cJSON *item) {
    if (!item || !cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return fantasy__oom();
    }
    return FANTASY_OK;
}

fantasy_status fantasy__json_put_str(cJSON *obj, const char *name, const char *s) {
    return fantasy__json_put(obj, name, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

fantasy_status fantasy__json_put_int(cJSON *obj, const char *name, int64_t v) {
    return fantasy__json_put(obj, name, cJSON_CreateNumber((double)v));
}

fantasy_status fantasy__json_put_bool(cJSON *obj, const char *name, int v) {
    return fantasy__json_put(obj, name, cJSON_CreateBool(v));
}

fantasy_status fantasy__json_put_null(cJSON *obj, const char *name) {
    return fantasy__json_put(obj, name, cJSON_CreateNull());
}

fantasy_status fantasy__json_put_money(cJSON *obj, const char *name, const fantasy_money *m) {
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return fantasy__oom();
    }
    fantasy_status st = fantasy__json_put_int(o, "amount", m->amount_minor);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "currency", m->currency);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    return fantasy__json_put(obj, name, o);
}

fantasy_status fantasy__json_page_result(cJSON *items, const char *next_cursor, cJSON **out) {
    *out = NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(items);
        return fantasy__oom();
    }
    fantasy_status st = fantasy__json_put(o, "items", items);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "next_cursor", next_cursor);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

/* JSON string escaping for the error message, without cJSON (it may be what ran out). */
static size_t escape_into(char *dst, size_t cap, const char *s) {
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            dst[n++] = '\\';
            dst[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(dst + n, cap - n, "\\u%04x", c);
        } else if (c >= 0x80) {
            dst[n++] = '?'; /* the message may quote caller bytes that are not valid UTF-8 */
        } else {
            dst[n++] = (char)c;
        }
    }
    dst[n] = '\0';
    return n;
}

char *fantasy__json_error_out(const fantasy_allocator *a, fantasy_status st) {
    char msg[1200];
    const char *last = fantasy_error_last();
    (void)escape_into(msg, sizeof msg, last[0] ? last : fantasy_strerror(st));
    char text[1400];
    int n = snprintf(text, sizeof text,
                     "{\"error\":{\"code\":\"%s\",\"status\":%d,\"message\":\"%s\"}}",
                     fantasy_status_code(st), (int)st, msg);
    if (n < 0) {
        return NULL;
    }
    return fantasy__out_strndup(a, text, strlen(text));
}
