/* fantasy_conf: string keys checked at set time (librdkafka's rd_kafka_conf_set idea) and the
 * typed vtable setters. One table lists every key with its parser. */
#include "fantasy/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/conf_internal.h"
#include "core/error.h"
#include "core/vtables.h"

typedef fantasy_status (*key_parser)(fantasy__settings *s, const char *key, const char *v);

typedef struct conf_key {
    const char *name;
    key_parser parse;
    const char *default_text;
    int secret; /* conf_get shows "***" instead of the value */
} conf_key;

static fantasy_status parse_i64(const char *key, const char *v, int64_t min, int64_t max,
                                int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end != '\0' || (v[0] == ' ') || n < min || n > max) {
        return fantasy__fail(FANTASY_EINVAL, "conf: %s must be an integer in %lld..%lld, got '%s'",
                             key, (long long)min, (long long)max, v);
    }
    *out = n;
    return FANTASY_OK;
}

#define INT_KEY(fn, field, min, max)                                                 \
    static fantasy_status fn(fantasy__settings *s, const char *key, const char *v) { \
        return parse_i64(key, v, (min), (max), &s->field);                           \
    }

#define DAY_MS (86400000LL)
INT_KEY(parse_order_ttl, order_ttl_ms, 1000, 30 * DAY_MS)
INT_KEY(parse_call_timeout, queue_call_timeout_ms, 1000, DAY_MS)
INT_KEY(parse_bus_retries, bus_retries, 0, 100)
INT_KEY(parse_bus_backoff, bus_backoff_ms, 0, DAY_MS)
INT_KEY(parse_access_ttl, auth_access_ttl_ms, 1000, 30 * DAY_MS)
INT_KEY(parse_refresh_ttl, auth_refresh_ttl_ms, 1000, 365 * DAY_MS)
INT_KEY(parse_lease, saga_lease_ms, 1000, DAY_MS)
INT_KEY(parse_retention, outbox_retention_ms, 0, 3650 * DAY_MS)
INT_KEY(parse_utc_offset, park_utc_offset_min, -840, 840)
INT_KEY(parse_start_ms, clock_start_ms, 0, 253402300799999LL)

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static fantasy_status copy_spec(const char *key, const char *v, char *dst) {
    size_t n = strlen(v);
    if (n >= FANTASY__SPEC_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "conf: %s is too long (%zu bytes, max %d)", key, n,
                             FANTASY__SPEC_MAX - 1);
    }
    memcpy(dst, v, n + 1);
    return FANTASY_OK;
}

static fantasy_status check_supported(const char *key, const char *v, const char *kind) {
    if (!fantasy__store_kind_supported(v)) {
        return fantasy__fail(FANTASY_EINVAL,
                             "conf: %s=%s needs the %s backend, which this build "
                             "lacks",
                             key, v, kind);
    }
    return FANTASY_OK;
}

static fantasy_status parse_store(fantasy__settings *s, const char *key, const char *v) {
    if (strcmp(v, "memory:") == 0 || strcmp(v, "memory") == 0) {
        return copy_spec(key, "memory:", s->store);
    }
    const char *kind = starts_with(v, "sqlite:")     ? "SQLite"
                       : starts_with(v, "postgres:") ? "PostgreSQL"
                                                     : NULL;
    if (!kind) {
        return fantasy__fail(FANTASY_EINVAL,
                             "conf: store must be memory:, sqlite:PATH or "
                             "postgres:CONNINFO, got '%s'",
                             v);
    }
    if (strchr(v, ':')[1] == '\0') {
        return fantasy__fail(FANTASY_EINVAL, "conf: store '%s' needs a path or conninfo", v);
    }
    fantasy_status st = check_supported(key, v, kind);
    return st != FANTASY_OK ? st : copy_spec(key, v, s->store);
}

/* "store" or "redis:HOST:PORT" (stock and queues). */
static fantasy_status parse_hot_store(const char *key, const char *v, char *dst) {
    if (strcmp(v, "store") == 0) {
        return copy_spec(key, v, dst);
    }
    if (!starts_with(v, "redis:")) {
        return fantasy__fail(FANTASY_EINVAL,
                             "conf: %s must be 'store' or redis:HOST:PORT, got "
                             "'%s'",
                             key, v);
    }
    const char *port = strrchr(v + 6, ':');
    int64_t p = 0;
    if (!port || port == v + 6 || parse_i64(key, port + 1, 1, 65535, &p) != FANTASY_OK) {
        return fantasy__fail(FANTASY_EINVAL, "conf: %s must be redis:HOST:PORT, got '%s'", key, v);
    }
    fantasy_status st = check_supported(key, v, "Redis (hiredis)");
    return st != FANTASY_OK ? st : copy_spec(key, v, dst);
}

static fantasy_status parse_stock(fantasy__settings *s, const char *key, const char *v) {
    return parse_hot_store(key, v, s->stock);
}

static fantasy_status parse_queues(fantasy__settings *s, const char *key, const char *v) {
    return parse_hot_store(key, v, s->queues);
}

static fantasy_status parse_bus(fantasy__settings *s, const char *key, const char *v) {
    if (strcmp(v, "inproc:") == 0 || strcmp(v, "inproc") == 0) {
        return copy_spec(key, "inproc:", s->bus);
    }
    if (!starts_with(v, "kafka:") || v[6] == '\0') {
        return fantasy__fail(FANTASY_EINVAL, "conf: bus must be inproc: or kafka:BROKERS, got '%s'",
                             v);
    }
    fantasy_status st = check_supported(key, v, "Kafka (librdkafka)");
    return st != FANTASY_OK ? st : copy_spec(key, v, s->bus);
}

static fantasy_status parse_payments(fantasy__settings *s, const char *key, const char *v) {
    if (strcmp(v, "sandbox:") == 0 || strcmp(v, "sandbox") == 0) {
        return copy_spec(key, "sandbox:", s->payments);
    }
    if (strcmp(v, "toss:") == 0 || strcmp(v, "toss") == 0) {
        fantasy_status st = check_supported(key, "toss:", "Toss Payments");
        return st != FANTASY_OK ? st : copy_spec(key, "toss:", s->payments);
    }
    return fantasy__fail(FANTASY_EINVAL, "conf: payments must be sandbox: or toss:, got '%s'", v);
}

static fantasy_status parse_secret_key(fantasy__settings *s, const char *key, const char *v) {
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof s->payments_secret_key) {
        return fantasy__fail(FANTASY_EINVAL, "conf: %s must be 1..%zu bytes", key,
                             sizeof s->payments_secret_key - 1);
    }
    memcpy(s->payments_secret_key, v, n + 1);
    return FANTASY_OK;
}

static fantasy_status parse_clock(fantasy__settings *s, const char *key, const char *v) {
    (void)key;
    if (strcmp(v, "system") == 0) {
        s->clock_manual = 0;
        return FANTASY_OK;
    }
    if (strcmp(v, "manual") == 0) {
        s->clock_manual = 1;
        return FANTASY_OK;
    }
    return fantasy__fail(FANTASY_EINVAL, "conf: clock must be system or manual, got '%s'", v);
}

static fantasy_status parse_auth_secret(fantasy__settings *s, const char *key, const char *v) {
    size_t n = strlen(v);
    if (n < 32 || n > sizeof s->auth_secret) {
        return fantasy__fail(FANTASY_EINVAL, "conf: %s must be 32..%zu bytes, got %zu", key,
                             sizeof s->auth_secret, n);
    }
    memcpy(s->auth_secret, v, n);
    s->auth_secret_len = n;
    return FANTASY_OK;
}

/* "name=value" inside a KDF spec. */
static fantasy_status kdf_param(const char *spec, const char *name, uint64_t min, uint64_t max,
                                uint64_t *out) {
    char pat[8];
    (void)snprintf(pat, sizeof pat, "%s=", name);
    const char *p = strstr(spec, pat);
    if (!p) {
        return fantasy__fail(FANTASY_EINVAL, "conf: auth.kdf '%s' lacks %s", spec, pat);
    }
    p += strlen(pat);
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(p, &end, 10);
    if (errno || end == p || (*end != '\0' && *end != ',') || n < min || n > max) {
        return fantasy__fail(FANTASY_EINVAL, "conf: auth.kdf %s must be in %llu..%llu", name,
                             (unsigned long long)min, (unsigned long long)max);
    }
    *out = n;
    return FANTASY_OK;
}

static fantasy_status parse_scrypt(fantasy__settings *s, const char *params) {
    uint64_t n = 0, r = 0, p = 0;
    fantasy_status st = kdf_param(params, "N", 1024, 1u << 20, &n);
    if (st == FANTASY_OK) {
        st = kdf_param(params, "r", 1, 32, &r);
    }
    if (st == FANTASY_OK) {
        st = kdf_param(params, "p", 1, 16, &p);
    }
    if (st == FANTASY_OK && (n & (n - 1)) != 0) {
        st = fantasy__fail(FANTASY_EINVAL, "conf: auth.kdf scrypt N must be a power of two");
    }
    if (st == FANTASY_OK) {
        s->kdf_alg = FANTASY__KDF_SCRYPT;
        s->kdf_n = n;
        s->kdf_r = (uint32_t)r;
        s->kdf_p = (uint32_t)p;
    }
    return st;
}

static fantasy_status parse_kdf(fantasy__settings *s, const char *key, const char *v) {
    (void)key;
    if (starts_with(v, "scrypt:")) {
        return parse_scrypt(s, v + 7);
    }
    if (starts_with(v, "pbkdf2-sha256:")) {
        uint64_t i = 0;
        fantasy_status st = kdf_param(v + 14, "i", 1000, 100000000, &i);
        if (st == FANTASY_OK) {
            s->kdf_alg = FANTASY__KDF_PBKDF2_SHA256;
            s->kdf_iter = i;
        }
        return st;
    }
    return fantasy__fail(FANTASY_EINVAL,
                         "conf: auth.kdf must be scrypt:N=..,r=..,p=.. or "
                         "pbkdf2-sha256:i=.., got '%s'",
                         v);
}

static const conf_key keys[FANTASY__CONF_KEYS] = {
    { "store", parse_store, "memory:", 0 },
    { "stock", parse_stock, "store", 0 },
    { "queues", parse_queues, "store", 0 },
    { "bus", parse_bus, "inproc:", 0 },
    { "payments", parse_payments, "sandbox:", 0 },
    { "payments.secret_key", parse_secret_key, "", 1 },
    { "clock", parse_clock, "system", 0 },
    { "clock.start_ms", parse_start_ms, "", 0 },
    { "auth.secret", parse_auth_secret, "", 1 },
    { "order.ttl_ms", parse_order_ttl, "600000", 0 },
    { "queue.call_timeout_ms", parse_call_timeout, "300000", 0 },
    { "bus.retries", parse_bus_retries, "3", 0 },
    { "bus.backoff_ms", parse_bus_backoff, "1000", 0 },
    { "auth.access_ttl_ms", parse_access_ttl, "900000", 0 },
    { "auth.refresh_ttl_ms", parse_refresh_ttl, "1209600000", 0 },
    { "saga.lease_ms", parse_lease, "60000", 0 },
    { "outbox.retention_ms", parse_retention, "604800000", 0 },
    { "auth.kdf", parse_kdf, "scrypt:N=32768,r=8,p=1", 0 },
    { "park.utc_offset_min", parse_utc_offset, "0", 0 },
    { NULL, NULL, NULL, 0 },
};

static int key_index(const char *name) {
    for (int i = 0; keys[i].name; i++) {
        if (strcmp(keys[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

#define CHECK_CONF(c)                                                                  \
    do {                                                                               \
        if (!(c) || (c)->magic != FANTASY__CONF_LIVE) {                                \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL or freed conf", __func__); \
        }                                                                              \
    } while (0)

FANTASY_API fantasy_conf *fantasy_conf_new(void) {
    fantasy__error_clear();
    fantasy_conf *c = fantasy__calloc(fantasy__libc_allocator(), 1, sizeof *c);
    if (!c) {
        (void)fantasy__oom();
        return NULL;
    }
    c->magic = FANTASY__CONF_LIVE;
    for (int i = 0; keys[i].name; i++) {
        if (keys[i].default_text[0] != '\0') {
            fantasy_status st = keys[i].parse(&c->s, keys[i].name, keys[i].default_text);
            (void)st; /* the defaults are valid by construction */
            (void)snprintf(c->raw[i], sizeof c->raw[i], "%s", keys[i].default_text);
        }
    }
    c->s.clock_start_ms = -1; /* "now", resolved when the park opens */
    return c;
}

FANTASY_API void fantasy_conf_free(fantasy_conf *conf) {
    if (conf && conf->magic == FANTASY__CONF_LIVE) {
        memset(conf, 0, sizeof *conf);
        conf->magic = 0;
        fantasy__free(fantasy__libc_allocator(), conf);
    }
}

FANTASY_API fantasy_status fantasy_conf_dup(const fantasy_conf *conf, fantasy_conf **out) {
    fantasy__error_clear();
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_conf_dup: NULL out");
    }
    *out = NULL;
    CHECK_CONF(conf);
    fantasy_conf *c = fantasy__alloc(fantasy__libc_allocator(), sizeof *c);
    if (!c) {
        return fantasy__oom();
    }
    memcpy(c, conf, sizeof *c);
    *out = c;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_conf_set(fantasy_conf *conf, const char *key,
                                            const char *value) {
    fantasy__error_clear();
    CHECK_CONF(conf);
    if (!key || !value) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_conf_set: NULL key or value");
    }
    int i = key_index(key);
    if (i < 0) {
        return fantasy__fail(FANTASY_EINVAL, "conf: unknown key '%s'", key);
    }
    if (strlen(value) >= FANTASY__SPEC_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "conf: value of %s is too long", key);
    }
    fantasy__settings s = conf->s; /* parse into a copy: a bad value leaves conf unchanged */
    fantasy_status st = keys[i].parse(&s, key, value);
    if (st != FANTASY_OK) {
        return st;
    }
    conf->s = s;
    (void)snprintf(conf->raw[i], sizeof conf->raw[i], "%s", value);
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_conf_get(const fantasy_conf *conf, const char *key, char *buf,
                                            size_t size) {
    fantasy__error_clear();
    CHECK_CONF(conf);
    if (!key || !buf || size == 0) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_conf_get: NULL key or buffer");
    }
    int i = key_index(key);
    if (i < 0) {
        return fantasy__fail(FANTASY_EINVAL, "conf: unknown key '%s'", key);
    }
    const char *v = conf->raw[i];
    if (keys[i].secret && v[0] != '\0') {
        v = "***";
    }
    (void)snprintf(buf, size, "%s", v);
    return FANTASY_OK;
}

#define VT_SETTER(fn, type, field, check)                               \
    FANTASY_API fantasy_status fn(fantasy_conf *conf, const type *vt) { \
        fantasy__error_clear();                                         \
        CHECK_CONF(conf);                                               \
        if (!vt) {                                                      \
            memset(&conf->field, 0, sizeof conf->field);                \
            return FANTASY_OK;                                          \
        }                                                               \
        fantasy_status st = check(vt);                                  \
        if (st == FANTASY_OK) {                                         \
            memset(&conf->field, 0, sizeof conf->field);                \
            memcpy(&conf->field, vt, sizeof conf->field);               \
        }                                                               \
        return st;                                                      \
    }

VT_SETTER(fantasy_conf_set_record_store, fantasy_record_store, records, fantasy__check_record_store)
VT_SETTER(fantasy_conf_set_stock_store, fantasy_stock_store, stock, fantasy__check_stock_store)
VT_SETTER(fantasy_conf_set_queue_store, fantasy_queue_store, queues, fantasy__check_queue_store)
VT_SETTER(fantasy_conf_set_bus, fantasy_bus, bus, fantasy__check_bus)
VT_SETTER(fantasy_conf_set_payment_provider, fantasy_payment_provider, payments,
          fantasy__check_payment_provider)
VT_SETTER(fantasy_conf_set_clock, fantasy_clock, clock, fantasy__check_clock)
VT_SETTER(fantasy_conf_set_http_transport, fantasy_http_transport, http,
          fantasy__check_http_transport)

FANTASY_API fantasy_status fantasy_conf_set_allocator(fantasy_conf *conf,
                                                      const fantasy_allocator *vt) {
    fantasy__error_clear();
    CHECK_CONF(conf);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(vt, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    conf->alloc = a;
    return FANTASY_OK;
}
