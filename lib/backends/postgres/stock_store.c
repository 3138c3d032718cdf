/* The PostgreSQL stock store (PORTS.md, stock store).
 *
 * Counters live in fantasy_products, holds in fantasy_holds, each user's held + sold units of a
 * product in fantasy_usage. A reserve is one call of fantasy_reserve (schema.c): a conditional
 * UPDATE of the product row (WHERE available >= qty), a conditional upsert of the usage row
 * (WHERE used + qty <= limit) and the hold row, in the statement's own transaction — one round
 * trip, and the hot product row is locked only while the server works and commits. Moves of a
 * hold are one fantasy_hold_move call each; reserve_many runs its items in one transaction, each
 * item undoing its own partial steps when it is refused, so the items stay independent. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fantasy/backends/postgres.h"

#include "backends/postgres/pool.h"
#include "backends/postgres/store.h"
#include "core/alloc.h"
#include "core/error.h"

#define STORE_LIVE 0x70677373u /* "pgss" */

static const char who[] = "postgres stock store";

enum {
    ST_SET,
    ST_RESERVE,
    ST_EXTEND,
    ST_STATE,
    ST_MOVE,
    ST_EXPIRE,
    ST_COUNTS,
    ST_COUNTS_MANY,
    ST_USED,
    ST_HOLD
};

static const fantasy__pg_stmt stmts[] = {
    [ST_SET] = { "ss_set",
                 "INSERT INTO fantasy_products AS p (id, stock) VALUES ($1::bytea, $2::int8)"
                 " ON CONFLICT (id) DO UPDATE SET stock = EXCLUDED.stock"
                 " WHERE EXCLUDED.stock < 0 OR EXCLUDED.stock >= p.held + p.sold RETURNING p.held",
                 2 },
    [ST_RESERVE] = { "ss_reserve",
                     "SELECT code, detail FROM fantasy_reserve($1::bytea, $2::bytea, $3::bytea,"
                     " $4::int8, $5::int8, $6::int8)",
                     6 },
    [ST_EXTEND] = { "ss_extend",
                    "UPDATE fantasy_holds SET expires_at = $2::int8 WHERE id = $1::bytea AND"
                    " state = 1 RETURNING 1",
                    2 },
    [ST_STATE] = { "ss_state", "SELECT state FROM fantasy_holds WHERE id = $1::bytea", 1 },
    [ST_MOVE] = { "ss_move",
                  "SELECT code, cur FROM fantasy_hold_move($1::bytea, $2::int8, $3::int8)", 3 },
    [ST_EXPIRE] = { "ss_expire", "SELECT hold_id, hold_qty FROM fantasy_expire($1::int8, $2::int8)",
                    2 },
    [ST_COUNTS] = { "ss_counts",
                    "SELECT stock, held, sold FROM fantasy_products WHERE id = $1::bytea", 1 },
    [ST_COUNTS_MANY] = { "ss_counts_many",
                         "SELECT p.id IS NOT NULL, p.stock, p.held, p.sold FROM"
                         " unnest(string_to_array($1::text, ',')) WITH ORDINALITY AS t(h, ord)"
                         " LEFT JOIN fantasy_products p ON p.id = decode(t.h, 'hex')"
                         " ORDER BY t.ord",
                         1 },
    [ST_USED] = { "ss_used",
                  "SELECT EXISTS (SELECT 1 FROM fantasy_products WHERE id = $1::bytea),"
                  " (SELECT used FROM fantasy_usage WHERE product = $1::bytea AND"
                  " user_id = $2::bytea)",
                  2 },
    [ST_HOLD] = { "ss_hold",
                  "SELECT state, product, user_id, qty, expires_at FROM fantasy_holds"
                  " WHERE id = $1::bytea",
                  1 },
};

/* fantasy_reserve's codes. */
enum {
    RESERVE_OK = 0,
    RESERVE_NO_PRODUCT = 1,
    RESERVE_SOLD_OUT = 2,
    RESERVE_LIMIT = 3,
    RESERVE_CONFLICT = 4,
    RESERVE_STATE = 5,
    RESERVE_OVERFLOW = 6
};

/* fantasy_hold_move's kinds and codes. */
enum {
    MOVE_CONFIRM = 1,
    MOVE_RELEASE = 2,
    MOVE_GIVE_BACK = 3
};

enum {
    MOVED_OK = 0,
    MOVED_NO_HOLD = 1,
    MOVED_STATE = 5,
    MOVED_EXPIRED = 7
};

static const fantasy__pg_store_kind store_kind = { "fantasy_postgres_stock_store_open", who,
                                                   STORE_LIVE, stmts,
                                                   sizeof stmts / sizeof stmts[0] };

typedef fantasy__pg_store store;

static fantasy_status check_store(const store *s) {
    return fantasy__pg_store_check(s, &store_kind);
}

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__pg_bad_id(who, what, id);
}

/* Store check plus one id. */
static fantasy_status check_id(const store *s, const char *what, const char *id) {
    return fantasy__pg_store_check_id(s, &store_kind, what, id);
}

/* ---- set_stock --------------------------------------------------------------------------- */

static fantasy_status take_set(PGresult *r, fantasy__pg_one *x) {
    if (PQntuples(r) == 1) {
        return FANTASY_OK;
    }
    return fantasy__fail(FANTASY_EINVAL, "%s: stock %" PRId64 " of '%s' is below held + sold", who,
                         x->num, x->id);
}

static fantasy_status set_stock(void *self, const char *product_id, int64_t stock) {
    store *s = self;
    fantasy_status st = check_id(s, "product id", product_id);
    if (st != FANTASY_OK) {
        return st;
    }
    if (stock < FANTASY_STOCK_UNLIMITED) {
        return fantasy__fail(FANTASY_EINVAL, "%s: stock %" PRId64 " of '%s' below -1", who, stock,
                             product_id);
    }
    fantasy__pg_one x = { .stmt = ST_SET, .take = take_set, .id = product_id, .num = stock };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, product_id);
    fantasy__pg_param_i64(&x.p, stock);
    return fantasy__pg_one_run(s, &x);
}

/* ---- reserve ----------------------------------------------------------------------------- */

static fantasy_status check_hold(const fantasy_hold *h) {
    if (!h) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL hold", who);
    }
    if (!fantasy__pg_id_ok(h->hold_id)) {
        return bad_id("hold id", h->hold_id);
    }
    if (!fantasy__pg_id_ok(h->product_id)) {
        return bad_id("product id", h->product_id);
    }
    if (!fantasy__pg_id_ok(h->user_id)) {
        return bad_id("user id", h->user_id);
    }
    if (h->qty <= 0 || h->per_user_limit < 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "%s: hold '%s': qty %" PRId64 ", per-user limit %" PRId64, who,
                             h->hold_id, h->qty, h->per_user_limit);
    }
    return FANTASY_OK;
}

static fantasy_status reserve_refused(const fantasy_hold *h, int64_t code, int64_t detail) {
    switch (code) {
    case RESERVE_OK:
        return FANTASY_OK;
    case RESERVE_NO_PRODUCT:
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no product '%s'", who, h->product_id);
    case RESERVE_SOLD_OUT:
        return fantasy__fail(FANTASY_ESOLDOUT, "%s: '%s' has %" PRId64 " left, %" PRId64 " asked",
                             who, h->product_id, detail, h->qty);
    case RESERVE_LIMIT:
        return fantasy__fail(FANTASY_ELIMIT,
                             "%s: user '%s' has %" PRId64 " of '%s', limit %" PRId64, who,
                             h->user_id, detail, h->product_id, h->per_user_limit);
    case RESERVE_CONFLICT:
        return fantasy__fail(FANTASY_ECONFLICT, "%s: hold '%s' exists with other arguments", who,
                             h->hold_id);
    case RESERVE_STATE:
        return fantasy__fail(FANTASY_ESTATE, "%s: hold '%s' is over", who, h->hold_id);
    case RESERVE_OVERFLOW:
        return fantasy__fail(FANTASY_EINVAL, "%s: qty %" PRId64 " overflows '%s'", who, h->qty,
                             h->product_id);
    default:
        return fantasy__fail(FANTASY_EBACKEND, "%s: fantasy_reserve answered %" PRId64, who, code);
    }
}

/* One item through fantasy_reserve on `c`; *item gets its verdict, the return value says
 * whether the call itself ran. */
static fantasy_status reserve_on(fantasy__pg_conn *c, const fantasy_hold *h, fantasy_status *item) {
    fantasy__pg_params p;
    fantasy__pg_params_init(&p);
    fantasy__pg_param_str(&p, h->hold_id);
    fantasy__pg_param_str(&p, h->product_id);
    fantasy__pg_param_str(&p, h->user_id);
    fantasy__pg_param_i64(&p, h->qty);
    fantasy__pg_param_i64(&p, h->per_user_limit);
    fantasy__pg_param_i64(&p, h->expires_at_ms);
    PGresult *r = NULL;
    fantasy_status st = fantasy__pg_exec(c, ST_RESERVE, &p, &r);
    if (st != FANTASY_OK) {
        return st;
    }
    *item = reserve_refused(h, fantasy__pg_int(r, 0, 0), fantasy__pg_int(r, 0, 1));
    PQclear(r);
    return FANTASY_OK;
}

typedef struct reserve_ctx {
    const fantasy_hold *holds;
    size_t n;
    fantasy_status *results;
} reserve_ctx;

static fantasy_status reserve_work(fantasy__pg_conn *c, void *ctx) {
    reserve_ctx *x = ctx;
    for (size_t i = 0; i < x->n; i++) {
        x->results[i] = check_hold(&x->holds[i]);
        if (x->results[i] != FANTASY_OK) {
            continue;
        }
        fantasy_status st = reserve_on(c, &x->holds[i], &x->results[i]);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    return FANTASY_OK;
}

static fantasy_status reserve(void *self, const fantasy_hold *h) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st == FANTASY_OK) {
        st = check_hold(h);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy_status item = FANTASY_OK;
    reserve_ctx x = { .holds = h, .n = 1, .results = &item };
    /* One statement: its own transaction, one round trip. */
    st = fantasy__pg_run(s->pool, 0, reserve_work, &x);
    return st == FANTASY_OK ? item : st;
}

static fantasy_status reserve_many(void *self, const fantasy_hold *holds, size_t n,
                                   fantasy_status *results) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st != FANTASY_OK) {
        return st;
    }
    if (n > 0 && (!holds || !results)) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: reserve_many: NULL array", who);
    }
    if (n == 0) {
        return FANTASY_OK;
    }
    reserve_ctx x = { .holds = holds, .n = n, .results = results };
    /* One transaction, so the batch costs one commit; each refused item undid its own steps. */
    st = fantasy__pg_run(s->pool, 1, reserve_work, &x);
    if (st != FANTASY_OK) {
        for (size_t i = 0; i < n; i++) {
            results[i] = st;
        }
    }
    return st;
}

/* ---- moves of a known hold --------------------------------------------------------------- */

static fantasy_status take_extend(PGresult *r, fantasy__pg_one *x) {
    x->num = PQntuples(r);
    return FANTASY_OK;
}

static fantasy_status take_state(PGresult *r, fantasy__pg_one *x) {
    x->num = PQntuples(r) == 1 ? fantasy__pg_int(r, 0, 0) : -1;
    return FANTASY_OK;
}

static fantasy_status extend(void *self, const char *hold_id, int64_t expires_at_ms) {
    store *s = self;
    fantasy_status st = check_id(s, "hold id", hold_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_EXTEND, .take = take_extend };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, hold_id);
    fantasy__pg_param_i64(&x.p, expires_at_ms);
    st = fantasy__pg_one_run(s, &x);
    if (st != FANTASY_OK || x.num == 1) {
        return st;
    }
    fantasy__pg_one y = { .stmt = ST_STATE, .take = take_state };
    fantasy__pg_params_init(&y.p);
    fantasy__pg_param_str(&y.p, hold_id);
    st = fantasy__pg_one_run(s, &y);
    if (st != FANTASY_OK) {
        return st;
    }
    if (y.num < 0) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no hold '%s'", who, hold_id);
    }
    return fantasy__fail(FANTASY_ESTATE, "%s: cannot extend hold '%s' in state %" PRId64, who,
                         hold_id, y.num);
}

static const char *move_name(int64_t kind) {
    return kind == MOVE_CONFIRM ? "confirm" : kind == MOVE_RELEASE ? "release" : "give back";
}

static fantasy_status take_move(PGresult *r, fantasy__pg_one *x) {
    int64_t code = fantasy__pg_int(r, 0, 0);
    int64_t cur = fantasy__pg_int(r, 0, 1);
    switch (code) {
    case MOVED_OK:
        return FANTASY_OK;
    case MOVED_NO_HOLD:
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no hold '%s'", who, x->id);
    case MOVED_EXPIRED:
        return fantasy__fail(FANTASY_EEXPIRED, "%s: hold '%s' expired at %" PRId64, who, x->id,
                             cur);
    case MOVED_STATE:
        return fantasy__fail(FANTASY_ESTATE, "%s: cannot %s hold '%s' in state %" PRId64, who,
                             move_name(x->num), x->id, cur);
    default:
        return fantasy__fail(FANTASY_EBACKEND, "%s: fantasy_hold_move answered %" PRId64, who,
                             code);
    }
}

static fantasy_status move(void *self, const char *hold_id, int64_t kind, int64_t now_ms) {
    store *s = self;
    fantasy_status st = check_id(s, "hold id", hold_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_MOVE, .take = take_move, .id = hold_id, .num = kind };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, hold_id);
    fantasy__pg_param_i64(&x.p, kind);
    fantasy__pg_param_i64(&x.p, now_ms);
    return fantasy__pg_one_run(s, &x);
}

static fantasy_status confirm(void *self, const char *hold_id, int64_t now_ms) {
    return move(self, hold_id, MOVE_CONFIRM, now_ms);
}

static fantasy_status release(void *self, const char *hold_id) {
    return move(self, hold_id, MOVE_RELEASE, 0);
}

static fantasy_status give_back(void *self, const char *hold_id) {
    return move(self, hold_id, MOVE_GIVE_BACK, 0);
}

/* ---- expiry sweep ------------------------------------------------------------------------ */

static fantasy_status expire(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: expire: NULL list", who);
    }
    if (max == 0) {
        return FANTASY_OK;
    }
    /* Ids are listed only from a sweep that committed (the statement's result comes after
     * its commit), so `out` names exactly the holds expired. */
    fantasy__pg_one x = { .stmt = ST_EXPIRE, .take = fantasy__pg_take_list, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_i64(&x.p, now_ms);
    fantasy__pg_param_i64(&x.p, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    return fantasy__pg_one_run(s, &x);
}

/* ---- reads ------------------------------------------------------------------------------- */

static void counts_from(const PGresult *r, int row, int col, fantasy_stock_counts *c) {
    c->stock = fantasy__pg_int(r, row, col);
    c->held = fantasy__pg_int(r, row, col + 1);
    c->sold = fantasy__pg_int(r, row, col + 2);
    c->available = c->stock >= 0 ? c->stock - c->held - c->sold : FANTASY_STOCK_UNLIMITED;
}

static fantasy_status take_counts(PGresult *r, fantasy__pg_one *x) {
    if (PQntuples(r) != 1) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no product '%s'", who, x->id);
    }
    counts_from(r, 0, 0, x->out);
    return FANTASY_OK;
}

static fantasy_status counts(void *self, const char *product_id, fantasy_stock_counts *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: counts: NULL out", who);
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_id(s, "product id", product_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_COUNTS, .take = take_counts, .out = out, .id = product_id };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, product_id);
    return fantasy__pg_one_read(s, &x, sizeof *out);
}

typedef struct many_ctx {
    const char *const *ids;
    size_t n;
    fantasy_stock_counts *out;
} many_ctx;

static fantasy_status take_many(PGresult *r, fantasy__pg_one *x) {
    const many_ctx *m = x->out;
    if ((size_t)PQntuples(r) != m->n) {
        return fantasy__fail(FANTASY_EBACKEND, "%s: counts_many: %d rows for %zu ids", who,
                             PQntuples(r), m->n);
    }
    for (size_t i = 0; i < m->n; i++) {
        if (!fantasy__pg_int(r, (int)i, 0)) {
            return fantasy__fail(FANTASY_ENOTFOUND, "%s: no product '%s'", who, m->ids[i]);
        }
        counts_from(r, (int)i, 1, &m->out[i]);
    }
    return FANTASY_OK;
}

/* The ids hex-encoded and comma-separated, which the statement splits and decodes: one round
 * trip and one snapshot for the lot. */
static char *hex_list(const store *s, const char *const *ids, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char *buf = fantasy__alloc(&s->a, n * (2 * FANTASY_ID_MAX + 1) + 1);
    if (!buf) {
        return NULL;
    }
    char *p = buf;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            *p++ = ',';
        }
        for (const unsigned char *c = (const unsigned char *)ids[i]; *c; c++) {
            *p++ = digits[*c >> 4];
            *p++ = digits[*c & 15u];
        }
    }
    *p = '\0';
    return buf;
}

static fantasy_status counts_many(void *self, const char *const *product_ids, size_t n,
                                  fantasy_stock_counts *out) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!product_ids || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: counts_many: NULL array", who);
    }
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (!fantasy__pg_id_ok(product_ids[i])) {
            return bad_id("product id", product_ids[i]);
        }
    }
    char *list = hex_list(s, product_ids, n);
    if (!list) {
        return fantasy__oom();
    }
    many_ctx m = { .ids = product_ids, .n = n, .out = out };
    fantasy__pg_one x = { .stmt = ST_COUNTS_MANY, .take = take_many, .out = &m };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, list);
    st = fantasy__pg_one_run(s, &x);
    fantasy__free(&s->a, list);
    if (st != FANTASY_OK) {
        memset(out, 0, n * sizeof *out);
    }
    return st;
}

static fantasy_status take_used(PGresult *r, fantasy__pg_one *x) {
    if (!fantasy__pg_int(r, 0, 0)) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no product '%s'", who, x->id);
    }
    *(int64_t *)x->out = fantasy__pg_int(r, 0, 1);
    return FANTASY_OK;
}

static fantasy_status used(void *self, const char *product_id, const char *user_id, int64_t *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: used: NULL out", who);
    }
    *out = 0;
    fantasy_status st = check_id(s, "product id", product_id);
    if (st == FANTASY_OK && !fantasy__pg_id_ok(user_id)) {
        st = bad_id("user id", user_id);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_USED, .take = take_used, .out = out, .id = product_id };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, product_id);
    fantasy__pg_param_str(&x.p, user_id);
    return fantasy__pg_one_read(s, &x, sizeof *out);
}

static fantasy_status take_hold(PGresult *r, fantasy__pg_one *x) {
    if (PQntuples(r) != 1) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no hold '%s'", who, x->id);
    }
    fantasy_hold_info *h = x->out;
    h->state = (fantasy_hold_state)fantasy__pg_int(r, 0, 0);
    fantasy__pg_copy(r, 0, 1, h->product_id, sizeof h->product_id);
    fantasy__pg_copy(r, 0, 2, h->user_id, sizeof h->user_id);
    h->qty = fantasy__pg_int(r, 0, 3);
    h->expires_at_ms = fantasy__pg_int(r, 0, 4);
    return FANTASY_OK;
}

static fantasy_status hold_info(void *self, const char *hold_id, fantasy_hold_info *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: hold: NULL out", who);
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_id(s, "hold id", hold_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_HOLD, .take = take_hold, .out = out, .id = hold_id };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, hold_id);
    return fantasy__pg_one_read(s, &x, sizeof *out);
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void destroy(void *self) {
    fantasy__pg_store_destroy(self, STORE_LIVE);
}

FANTASY_API fantasy_status fantasy_postgres_stock_store_open(const char *conninfo,
                                                             const fantasy_allocator *alloc,
                                                             fantasy_stock_store *out) {
    store *s = NULL;
    fantasy_status st = fantasy__pg_store_open(&store_kind, conninfo, alloc, out, sizeof *out, &s);
    if (st != FANTASY_OK) {
        return st;
    }
    out->version = FANTASY_STOCK_STORE_VERSION;
    out->self = s;
    out->set_stock = set_stock;
    out->reserve = reserve;
    out->extend = extend;
    out->confirm = confirm;
    out->release = release;
    out->give_back = give_back;
    out->expire = expire;
    out->counts = counts;
    out->used = used;
    out->hold = hold_info;
    out->reserve_many = reserve_many;
    out->counts_many = counts_many;
    out->destroy = destroy;
    return FANTASY_OK;
}
