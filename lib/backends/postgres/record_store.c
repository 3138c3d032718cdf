/* The PostgreSQL record store (PORTS.md, record store).
 *
 * A document is a row of fantasy_docs: its exact bytes (what get returns, so any bytes
 * round-trip, JSON or not) and, from schema version 4, their JSONB reading in `body` (NULL when
 * the bytes are not JSON). Index keys are rows of fantasy_keys; find, find_keys and count are
 * range scans of its primary key (coll, key, id). apply runs every op through fantasy_put /
 * fantasy_del in one transaction: each op sees the earlier ones, and the first refusal rolls
 * the whole batch back. */
#include <inttypes.h>
#include <string.h>

#include "fantasy/backends/postgres.h"

#include "backends/postgres/pool.h"
#include "backends/postgres/store.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/record_check.h"

#define STORE_LIVE 0x70677273u /* "pgrs" */

static const char who[] = "postgres record store";

enum {
    ST_PUT,
    ST_DEL,
    ST_GET,
    ST_FIND,
    ST_KEYS_BOUNDED,
    ST_KEYS_OPEN,
    ST_COUNT
};

static const fantasy__pg_stmt stmts[] = {
    [ST_PUT] = { "rs_put",
                 "SELECT code, new_version, detail FROM fantasy_put($1::bytea, $2::bytea,"
                 " $3::int8, $4::int8, $5::bytea, $6::bytea)",
                 6 },
    [ST_DEL] = { "rs_del",
                 "SELECT code, cur FROM fantasy_del($1::bytea, $2::bytea, $3::int8, $4::int8)", 4 },
    [ST_GET] = { "rs_get",
                 "SELECT doc, version FROM fantasy_docs WHERE coll = $1::bytea AND id = $2::bytea",
                 2 },
    [ST_FIND] = { "rs_find",
                  "SELECT k.id, d.version FROM fantasy_keys k JOIN fantasy_docs d"
                  " ON d.coll = k.coll AND d.id = k.id WHERE k.coll = $1::bytea AND"
                  " k.key = $2::bytea AND k.id >= $3::bytea ORDER BY k.id LIMIT $4::int8",
                  4 },
    [ST_KEYS_BOUNDED] = { "rs_keys_bounded",
                          "SELECT key, count(*) FROM fantasy_keys WHERE coll = $1::bytea AND"
                          " key >= $2::bytea AND key < $3::bytea GROUP BY key ORDER BY key"
                          " LIMIT $4::int8",
                          4 },
    [ST_KEYS_OPEN] = { "rs_keys_open",
                       "SELECT key, count(*) FROM fantasy_keys WHERE coll = $1::bytea AND"
                       " key >= $2::bytea GROUP BY key ORDER BY key LIMIT $3::int8",
                       3 },
    [ST_COUNT] = { "rs_count",
                   "SELECT count(*) FROM fantasy_keys WHERE coll = $1::bytea AND key = $2::bytea",
                   2 },
};

static const fantasy__pg_store_kind store_kind = { "fantasy_postgres_record_store_open", who,
                                                   STORE_LIVE, stmts,
                                                   sizeof stmts / sizeof stmts[0] };

typedef fantasy__pg_store store;

static fantasy_status check_store(const store *s, const char *fn) {
    if (!s || s->magic != STORE_LIVE) {
        return fantasy__fail(FANTASY_EMISUSE, "%s %s: NULL or destroyed store", who, fn);
    }
    return FANTASY_OK;
}

/* ---- validation (before anything is sent) ------------------------------------------------ */

static fantasy_status validate_op(const fantasy_record_op *op, size_t i) {
    fantasy_status st = fantasy__rec_check_op(who, op, i);
    if (st == FANTASY_OK && op->kind == FANTASY_OP_PUT && op->doc_len > (size_t)0x3fffffff) {
        /* PostgreSQL's bytea tops out at 1 GiB. */
        return fantasy__fail(FANTASY_EINVAL, "%s apply: op %zu: doc_len %zu over 1 GiB", who, i,
                             op->doc_len);
    }
    return st;
}

/* ---- apply ------------------------------------------------------------------------------- */

typedef struct apply_ctx {
    store *s;
    const fantasy_record_op *ops;
    size_t n;
    int64_t *versions;
} apply_ctx;

/* The keys as fantasy_put reads them: per key a flag byte, the key, a NUL. */
static fantasy_status encode_keys(const store *s, const fantasy_record_op *op, char **out,
                                  size_t *len) {
    size_t total = 0;
    for (size_t k = 0; k < op->n_keys; k++) {
        total += strlen(op->keys[k].key) + 2;
    }
    *len = total;
    *out = fantasy__alloc(&s->a, total + 1);
    if (!*out) {
        return fantasy__oom();
    }
    char *p = *out;
    for (size_t k = 0; k < op->n_keys; k++) {
        size_t kl = strlen(op->keys[k].key);
        *p++ = op->keys[k].unique ? 'u' : 'p';
        memcpy(p, op->keys[k].key, kl + 1);
        p += kl + 1;
    }
    return FANTASY_OK;
}

static fantasy_status put_refused(const fantasy_record_op *op, size_t i, int64_t code,
                                  int64_t version, const PGresult *r) {
    switch (code) {
    case 1:
        return fantasy__fail(FANTASY_EEXISTS, "%s apply: op %zu: %s/%s already exists", who, i,
                             op->collection, op->id);
    case 2:
        return fantasy__fail(FANTASY_ECONFLICT,
                             "%s apply: op %zu: %s/%s is at version %" PRId64 ", expected %" PRId64,
                             who, i, op->collection, op->id, version, op->expected_version);
    case 3:
        return fantasy__fail(FANTASY_ENOTFOUND,
                             "%s apply: op %zu: %s/%s not found (expected version %" PRId64 ")",
                             who, i, op->collection, op->id, op->expected_version);
    default: {
        char held[1024];
        fantasy__pg_copy(r, 0, 2, held, sizeof held);
        return fantasy__fail(FANTASY_EEXISTS,
                             "%s apply: op %zu: unique key in %s is taken (key=holder: %s)", who, i,
                             op->collection, held);
    }
    }
}

static fantasy_status apply_put(fantasy__pg_conn *c, apply_ctx *x, size_t i) {
    const fantasy_record_op *op = &x->ops[i];
    char *keys = NULL;
    size_t keys_len = 0;
    fantasy_status st = encode_keys(x->s, op, &keys, &keys_len);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_params p;
    fantasy__pg_params_init(&p);
    fantasy__pg_param_str(&p, op->collection);
    fantasy__pg_param_str(&p, op->id);
    fantasy__pg_param_i64(&p, (int64_t)op->mode);
    fantasy__pg_param_i64(&p, op->expected_version);
    fantasy__pg_param_bytes(&p, op->doc, op->doc_len);
    fantasy__pg_param_bytes(&p, keys, keys_len);
    PGresult *r = NULL;
    st = fantasy__pg_exec(c, ST_PUT, &p, &r);
    fantasy__free(&x->s->a, keys);
    if (st != FANTASY_OK) {
        return st;
    }
    int64_t code = fantasy__pg_int(r, 0, 0);
    int64_t version = fantasy__pg_int(r, 0, 1);
    st = code == 0 ? FANTASY_OK : put_refused(op, i, code, version, r);
    x->versions[i] = version;
    PQclear(r);
    return st;
}

static fantasy_status apply_del(fantasy__pg_conn *c, apply_ctx *x, size_t i) {
    const fantasy_record_op *op = &x->ops[i];
    fantasy__pg_params p;
    fantasy__pg_params_init(&p);
    fantasy__pg_param_str(&p, op->collection);
    fantasy__pg_param_str(&p, op->id);
    fantasy__pg_param_i64(&p, (int64_t)op->mode);
    fantasy__pg_param_i64(&p, op->expected_version);
    PGresult *r = NULL;
    fantasy_status st = fantasy__pg_exec(c, ST_DEL, &p, &r);
    if (st != FANTASY_OK) {
        return st;
    }
    int64_t code = fantasy__pg_int(r, 0, 0);
    st = code == 0 ? FANTASY_OK : put_refused(op, i, code, fantasy__pg_int(r, 0, 1), r);
    x->versions[i] = 0;
    PQclear(r);
    return st;
}

static fantasy_status apply_work(fantasy__pg_conn *c, void *ctx) {
    apply_ctx *x = ctx;
    for (size_t i = 0; i < x->n; i++) {
        fantasy_status st =
            x->ops[i].kind == FANTASY_OP_PUT ? apply_put(c, x, i) : apply_del(c, x, i);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    return FANTASY_OK;
}

static fantasy_status rec_apply(void *self, const fantasy_record_op *ops, size_t n,
                                int64_t *versions_out) {
    store *s = self;
    fantasy_status st = check_store(s, "apply");
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!ops) {
        return fantasy__fail(FANTASY_EINVAL, "%s apply: NULL ops with n %zu", who, n);
    }
    for (size_t i = 0; i < n; i++) {
        st = validate_op(&ops[i], i);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    apply_ctx x = { .s = s, .ops = ops, .n = n };
    x.versions = fantasy__calloc(&s->a, n, sizeof *x.versions);
    if (!x.versions) {
        return fantasy__oom();
    }
    st = fantasy__pg_run(s->pool, 1, apply_work, &x);
    if (st == FANTASY_OK && versions_out) {
        memcpy(versions_out, x.versions, n * sizeof *x.versions);
    }
    fantasy__free(&s->a, x.versions);
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static fantasy_status check_read(const store *s, const char *fn, const char *collection,
                                 const char *what, const char *value, size_t max) {
    fantasy_status st = check_store(s, fn);
    return st != FANTASY_OK ? st : fantasy__rec_check_read(who, fn, collection, what, value, max);
}

/* Reads run as one statement through the stores' shared runner (store.c): a document's take
 * answers found in num2 and the version in num; a count's in num. */
static fantasy_status take_doc(PGresult *r, fantasy__pg_one *x) {
    x->num2 = PQntuples(r) == 1;
    if (!x->num2) {
        return FANTASY_OK;
    }
    x->num = fantasy__pg_int(r, 0, 1);
    return x->out ? fantasy_buf_set(x->out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
                  : FANTASY_OK;
}

static fantasy_status take_count(PGresult *r, fantasy__pg_one *x) {
    x->num = PQntuples(r) == 1 ? fantasy__pg_int(r, 0, 0) : 0;
    return FANTASY_OK;
}

static fantasy_status rec_get(void *self, const char *collection, const char *id, fantasy_buf *doc,
                              int64_t *version) {
    store *s = self;
    if (version) {
        *version = 0;
    }
    fantasy_status st = check_read(s, "get", collection, "id", id, FANTASY__REC_NAME_MAX);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_GET, .take = take_doc, .out = doc };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, collection);
    fantasy__pg_param_str(&x.p, id);
    st = fantasy__pg_one_run(s, &x);
    if (st == FANTASY_OK && !x.num2) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s get: %s/%s not found", who, collection, id);
    }
    if (st == FANTASY_OK && version) {
        *version = x.num;
    }
    return st;
}

static fantasy_status rec_find(void *self, const char *collection, const char *key,
                               const char *after_id, size_t limit, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_read(s, "find", collection, "key", key, FANTASY__REC_KEY_MAX);
    if (st == FANTASY_OK) {
        st = fantasy__rec_check_page(who, "find", limit, out);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_FIND, .take = fantasy__pg_take_list, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, collection);
    fantasy__pg_param_str(&x.p, key);
    /* Ids hold no NUL, so after_id + NUL is the least id strictly after after_id. */
    int from_start = !after_id || !*after_id;
    fantasy__pg_param_bytes(&x.p, from_start ? "" : after_id,
                            from_start ? 0 : strlen(after_id) + 1);
    fantasy__pg_param_i64(&x.p, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return fantasy__pg_one_run(s, &x);
}

/* The least byte string above every string starting with `pre` (`pre` with trailing 0xff
 * bytes cut and its last byte raised); 0 when there is none (empty or all 0xff). */
static size_t prefix_upper(const char *pre, size_t len, char *upper) {
    while (len > 0 && (unsigned char)pre[len - 1] == 0xffu) {
        len--;
    }
    if (len == 0) {
        return 0;
    }
    memcpy(upper, pre, len);
    upper[len - 1] = (char)((unsigned char)upper[len - 1] + 1u);
    return len;
}

static fantasy_status rec_find_keys(void *self, const char *collection, const char *prefix,
                                    const char *after_key, size_t limit, fantasy_list *out) {
    store *s = self;
    const char *pre = prefix ? prefix : "";
    fantasy_status st = check_read(s, "find_keys", collection, NULL, NULL, 0);
    if (st == FANTASY_OK) {
        st = fantasy__rec_check_page(who, "find_keys", limit, out);
    }
    if (st == FANTASY_OK && strnlen(pre, FANTASY__REC_KEY_MAX + 1) > FANTASY__REC_KEY_MAX) {
        st = fantasy__fail(FANTASY_EINVAL, "%s find_keys: prefix is too long", who);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    char upper[FANTASY__REC_KEY_MAX];
    size_t upper_len = prefix_upper(pre, strlen(pre), upper);
    int after = after_key && *after_key && strcmp(after_key, pre) >= 0;
    fantasy__pg_one x = { .stmt = upper_len ? ST_KEYS_BOUNDED : ST_KEYS_OPEN,
                          .take = fantasy__pg_take_list,
                          .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, collection);
    /* Keys hold no NUL either: after_key + NUL is the least key strictly after it. */
    fantasy__pg_param_bytes(&x.p, after ? after_key : pre,
                            after ? strlen(after_key) + 1 : strlen(pre));
    if (upper_len) {
        fantasy__pg_param_bytes(&x.p, upper, upper_len);
    }
    fantasy__pg_param_i64(&x.p, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return fantasy__pg_one_run(s, &x);
}

static fantasy_status rec_count(void *self, const char *collection, const char *key, int64_t *out) {
    store *s = self;
    fantasy_status st = check_read(s, "count", collection, "key", key, FANTASY__REC_KEY_MAX);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "%s count: NULL out", who);
    }
    *out = 0;
    fantasy__pg_one x = { .stmt = ST_COUNT, .take = take_count };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, collection);
    fantasy__pg_param_str(&x.p, key);
    st = fantasy__pg_one_run(s, &x);
    if (st == FANTASY_OK) {
        *out = x.num;
    }
    return st;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void rec_destroy(void *self) {
    fantasy__pg_store_destroy(self, STORE_LIVE);
}

FANTASY_API fantasy_status fantasy_postgres_record_store_open(const char *conninfo,
                                                              const fantasy_allocator *alloc,
                                                              fantasy_record_store *out) {
    store *s = NULL;
    fantasy_status st = fantasy__pg_store_open(&store_kind, conninfo, alloc, out, sizeof *out, &s);
    if (st != FANTASY_OK) {
        return st;
    }
    out->version = FANTASY_RECORD_STORE_VERSION;
    out->self = s;
    out->get = rec_get;
    out->apply = rec_apply;
    out->find = rec_find;
    out->find_keys = rec_find_keys;
    out->count = rec_count;
    out->destroy = rec_destroy;
    return FANTASY_OK;
}
