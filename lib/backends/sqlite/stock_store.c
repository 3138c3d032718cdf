/* The SQLite stock store (PORTS.md, stock store).
 *
 * `stock` holds, keyed (product, user), each product's counters (the row with user '') and each
 * user's held + sold units of it (the rows after it, so a reserve's changes usually land on one
 * page); `holds` every hold with its state. Every write runs in a short BEGIN IMMEDIATE
 * transaction, so it holds the file's write lock from its first read: no other thread or process
 * can change what it read before it commits. A reserve is the hold's INSERT (ON CONFLICT DO
 * NOTHING: a known id is a replay), then ONE conditional UPDATE of the product that takes the units
 * only when enough are left and the user's usage stays within the limit, then the usage upsert.
 * When the UPDATE takes nothing, the product row is read (still under the lock) only to say why,
 * and the hold row just inserted is deleted again: a refusal writes nothing.
 * The vtable's reserve and reserve_many batch such reserves into shared transactions:
 * stock_reserve.c. */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "fantasy/backends/sqlite.h"

#include "backends/sqlite/db.h"
#include "backends/sqlite/stock_internal.h"
#include "core/error.h"

#define STORE_LIVE 0x73716c73u /* "sqls" */

#define SWEEP_CHUNK 32 /* due holds read per query by expire */

static const char *const stock_sql[S_N] = {
    [S_SET] = "INSERT INTO stock(product, user, stock, held, sold, used) VALUES(?1, '', ?2, 0, 0, "
              "0) ON CONFLICT(product, user) DO UPDATE SET stock = excluded.stock WHERE "
              "excluded.stock < 0 OR excluded.stock >= held + sold",
    [S_PRODUCT] = "SELECT stock, held, sold FROM stock WHERE product = ?1 AND user = ''",
    [S_HOLD_ADD] =
        "INSERT INTO holds(id, product, user, qty, state, expires_at) VALUES(?1, ?2, ?3, "
        "?4, 1, ?5) ON CONFLICT(id) DO NOTHING",
    /* ?1 product, ?2 qty, ?3 user, ?4 per-user limit (0: none). Unlimited stock only guards
     * the counters against overflow. */
    [S_TAKE] = "UPDATE stock SET held = held + ?2 WHERE product = ?1 AND user = '' AND CASE WHEN "
               "stock >= 0 THEN stock - held - sold >= ?2 ELSE held + sold <= "
               "9223372036854775807 - ?2 END AND (?4 = 0 OR ?2 <= ?4 - COALESCE((SELECT used FROM "
               "stock WHERE product = ?1 AND user = ?3), 0))",
    [S_USAGE_ADD] =
        "INSERT INTO stock(product, user, stock, held, sold, used) VALUES(?1, ?2, 0, 0, "
        "0, ?3) ON CONFLICT(product, user) DO UPDATE SET used = used + excluded.used",
    [S_USAGE_GET] = "SELECT used FROM stock WHERE product = ?1 AND user = ?2",
    [S_HOLD_GET] = "SELECT product, user, qty, state, expires_at FROM holds WHERE id = ?1",
    [S_HOLD_SET] = "UPDATE holds SET state = ?2, expires_at = ?3 WHERE id = ?1",
    [S_COUNTERS] = "UPDATE stock SET held = held + ?2, sold = sold + ?3 WHERE product = ?1 AND "
                   "user = ''",
    [S_USAGE_SUB] = "UPDATE stock SET used = used - ?3 WHERE product = ?1 AND user = ?2",
    [S_DUE] = "SELECT id, product, user, qty, expires_at FROM holds WHERE state = 1 AND "
              "expires_at <= ?1 "
              "ORDER BY expires_at LIMIT ?2",
    [S_USED] = "SELECT COALESCE((SELECT used FROM stock WHERE product = ?1 AND user = ?2), 0) "
               "FROM stock WHERE product = ?1 AND user = ''",
    [S_HOLD_DEL] = "DELETE FROM holds WHERE id = ?1",
};

typedef fantasy__sqlite_stock store;

/* A hold as read from its row. */
typedef struct hold_row {
    char product[FANTASY_ID_MAX];
    char user[FANTASY_ID_MAX];
    int64_t qty;
    int64_t expires_at;
    fantasy_hold_state state;
} hold_row;

/* The reserve queue's lock, ready before the file opens (each waiter brings its own condition:
 * stock_reserve.c). */
static fantasy_status init_queue(fantasy__sqlite_store *base) {
    store *s = (store *)base;
    if (pthread_mutex_init(&s->q_lock, NULL) != 0) {
        return fantasy__fail(FANTASY_ENOMEM, "fantasy_sqlite_stock_store_open: no mutex");
    }
    return FANTASY_OK;
}

static void fini_queue(fantasy__sqlite_store *base) {
    store *s = (store *)base;
    pthread_mutex_destroy(&s->q_lock);
}

static const fantasy__sqlite_store_kind store_kind = {
    .open_fn = "fantasy_sqlite_stock_store_open",
    .who = "sqlite stock store",
    .magic = STORE_LIVE,
    .sql = stock_sql,
    .n_sql = S_N,
    .size = sizeof(store),
    .init = init_queue,
    .fini = fini_queue,
};

fantasy_status fantasy__sqlite_stock_check(const store *s, const char *fn) {
    return fantasy__sqlite_store_check((const fantasy__sqlite_store *)s, &store_kind, fn);
}

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__sqlite_bad_id(store_kind.who, what, id);
}

/* Run a statement bound to (?1 text, ?2 text or int, ?3 int) that returns no rows. */
static fantasy_status exec3(fantasy__sqlite_conn *c, size_t i, const char *a1, int64_t a2,
                            int64_t a3, const char *op) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, i, a1, op, &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, a2, op);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 3, a3, op);
    return st ? st : fantasy__sqlite_exec_stmt(c, s, op);
}

/* ---- reads under any transaction --------------------------------------------------------- */

static fantasy_status read_product(fantasy__sqlite_conn *c, const char *id, const char *op,
                                   fantasy_stock_counts *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    memset(out, 0, sizeof *out);
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_PRODUCT, id, op, &s);
    st = st ? st : fantasy__sqlite_step(c, s, op, &row);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!row) {
        return fantasy__fail(FANTASY_ENOTFOUND, "sqlite stock store: no product '%s'", id);
    }
    out->stock = sqlite3_column_int64(s, 0);
    out->held = sqlite3_column_int64(s, 1);
    out->sold = sqlite3_column_int64(s, 2);
    out->available = out->stock >= 0 ? out->stock - out->held - out->sold : FANTASY_STOCK_UNLIMITED;
    return FANTASY_OK;
}

static fantasy_status read_hold(fantasy__sqlite_conn *c, const char *id, const char *op,
                                hold_row *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    memset(out, 0, sizeof *out);
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_HOLD_GET, id, op, &s);
    st = st ? st : fantasy__sqlite_step(c, s, op, &row);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!row) {
        return fantasy__fail(FANTASY_ENOTFOUND, "sqlite stock store: no hold '%s'", id);
    }
    fantasy__sqlite_column_copy(s, 0, out->product, sizeof out->product);
    fantasy__sqlite_column_copy(s, 1, out->user, sizeof out->user);
    out->qty = sqlite3_column_int64(s, 2);
    out->state = (fantasy_hold_state)sqlite3_column_int(s, 3);
    out->expires_at = sqlite3_column_int64(s, 4);
    return FANTASY_OK;
}

static fantasy_status read_usage(fantasy__sqlite_conn *c, const char *product, const char *user,
                                 int64_t *used) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_USAGE_GET, product, "reserve", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, user, "reserve");
    st = st ? st : fantasy__sqlite_step(c, s, "reserve: read usage", &row);
    *used = st == FANTASY_OK && row ? sqlite3_column_int64(s, 0) : 0;
    return st;
}

/* ---- set_stock --------------------------------------------------------------------------- */

static fantasy_status set_in(fantasy__sqlite_conn *c, const char *product_id, int64_t stock) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_SET, product_id, "set_stock", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, stock, "set_stock");
    st = st ? st : fantasy__sqlite_exec_stmt(c, s, "set_stock");
    if (st != FANTASY_OK || sqlite3_changes(c->db) == 1) {
        return st;
    }
    /* The upsert refused: read why (one autocommit statement ago, so report what it saw). */
    fantasy_stock_counts now;
    st = read_product(c, product_id, "set_stock", &now);
    return st ? st
              : fantasy__fail(FANTASY_EINVAL,
                              "sqlite stock store: stock %" PRId64 " of '%s' below held %" PRId64
                              " + sold %" PRId64,
                              stock, product_id, now.held, now.sold);
}

static fantasy_status set_stock(void *self, const char *product_id, int64_t stock) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "set_stock");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!fantasy__sqlite_id_ok(product_id)) {
        return bad_id("product id", product_id);
    }
    if (stock < FANTASY_STOCK_UNLIMITED) {
        return fantasy__fail(FANTASY_EINVAL,
                             "sqlite stock store: stock %" PRId64 " of '%s' below -1", stock,
                             product_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "set_stock", &c);
    st = st ? st : set_in(c, product_id, stock);
    fantasy__sqlite_release(s->base.db, c);
    return st;
}

/* ---- reserve ----------------------------------------------------------------------------- */

fantasy_status fantasy__sqlite_stock_check_hold(const fantasy_hold *h) {
    if (!h) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: NULL hold");
    }
    if (!fantasy__sqlite_id_ok(h->hold_id)) {
        return bad_id("hold id", h->hold_id);
    }
    if (!fantasy__sqlite_id_ok(h->product_id)) {
        return bad_id("product id", h->product_id);
    }
    if (!fantasy__sqlite_id_ok(h->user_id)) {
        return bad_id("user id", h->user_id);
    }
    if (h->qty <= 0 || h->per_user_limit < 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "sqlite stock store: hold '%s': qty %" PRId64
                             ", per-user limit %" PRId64,
                             h->hold_id, h->qty, h->per_user_limit);
    }
    return FANTASY_OK;
}

/* A reserve of a known hold id: same product, user and qty replays, anything else conflicts.
 * An unknown product is reported first, as for a new hold. */
static fantasy_status replay(fantasy__sqlite_conn *c, const fantasy_hold *h) {
    fantasy_stock_counts p;
    hold_row old;
    fantasy_status st = read_product(c, h->product_id, "reserve", &p);
    st = st ? st : read_hold(c, h->hold_id, "reserve", &old);
    if (st != FANTASY_OK) {
        return st;
    }
    if (strcmp(old.product, h->product_id) != 0 || strcmp(old.user, h->user_id) != 0 ||
        old.qty != h->qty) {
        return fantasy__fail(FANTASY_ECONFLICT,
                             "sqlite stock store: hold '%s' exists with other arguments",
                             h->hold_id);
    }
    if (old.state != FANTASY_HOLD_HELD && old.state != FANTASY_HOLD_SOLD) {
        return fantasy__fail(FANTASY_ESTATE, "sqlite stock store: hold '%s' is over (state %d)",
                             h->hold_id, (int)old.state);
    }
    return FANTASY_OK;
}

/* The conditional UPDATE took nothing: say why, in the PORTS.md order (sold out first). */
static fantasy_status refused(fantasy__sqlite_conn *c, const fantasy_hold *h) {
    fantasy_stock_counts p;
    int64_t used = 0;
    fantasy_status st = read_product(c, h->product_id, "reserve", &p);
    st = st ? st : read_usage(c, h->product_id, h->user_id, &used);
    if (st != FANTASY_OK) {
        return st;
    }
    if (p.stock >= 0 && p.available < h->qty) {
        return fantasy__fail(FANTASY_ESOLDOUT,
                             "sqlite stock store: '%s' has %" PRId64 " left, %" PRId64 " asked",
                             h->product_id, p.available, h->qty);
    }
    if (p.stock < 0 && h->qty > INT64_MAX - p.held - p.sold) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite stock store: qty %" PRId64 " overflows '%s'",
                             h->qty, h->product_id);
    }
    return fantasy__fail(FANTASY_ELIMIT,
                         "sqlite stock store: user '%s' has %" PRId64 " of '%s', limit %" PRId64,
                         h->user_id, used, h->product_id, h->per_user_limit);
}

/* Take back the hold row of a refused reserve; `why` is the refusal, kept unless the DELETE
 * itself fails (then the store failed, and the caller rolls the transaction back). */
static fantasy_status undo_hold(fantasy__sqlite_conn *c, const fantasy_hold *h,
                                fantasy_status why) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_HOLD_DEL, h->hold_id, "reserve", &s);
    st = st ? st : fantasy__sqlite_exec_stmt(c, s, "reserve: undo hold");
    return st ? st : why;
}

static fantasy_status take_units(fantasy__sqlite_conn *c, const fantasy_hold *h) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_TAKE, h->product_id, "reserve", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, h->qty, "reserve");
    st = st ? st : fantasy__sqlite_bind_text(c, s, 3, h->user_id, "reserve");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, h->per_user_limit, "reserve");
    st = st ? st : fantasy__sqlite_exec_stmt(c, s, "reserve: take units");
    if (st != FANTASY_OK) {
        return st;
    }
    if (sqlite3_changes(c->db) != 1) {
        return undo_hold(c, h, refused(c, h));
    }
    sqlite3_stmt *u = NULL;
    st = fantasy__sqlite_stmt_key(c, S_USAGE_ADD, h->product_id, "reserve", &u);
    st = st ? st : fantasy__sqlite_bind_text(c, u, 2, h->user_id, "reserve");
    st = st ? st : fantasy__sqlite_bind_int(c, u, 3, h->qty, "reserve");
    return st ? st : fantasy__sqlite_exec_stmt(c, u, "reserve: add usage");
}

fantasy_status fantasy__sqlite_stock_reserve_in(fantasy__sqlite_conn *c, const fantasy_hold *h) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_HOLD_ADD, h->hold_id, "reserve", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, h->product_id, "reserve");
    st = st ? st : fantasy__sqlite_bind_text(c, s, 3, h->user_id, "reserve");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, h->qty, "reserve");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 5, h->expires_at_ms, "reserve");
    st = st ? st : fantasy__sqlite_exec_stmt(c, s, "reserve: add hold");
    if (st != FANTASY_OK) {
        return st;
    }
    return sqlite3_changes(c->db) == 1 ? take_units(c, h) : replay(c, h);
}

/* ---- moves of a known hold --------------------------------------------------------------- */

typedef enum move_kind {
    MOVE_EXTEND,
    MOVE_CONFIRM,
    MOVE_RELEASE,
    MOVE_GIVE_BACK
} move_kind;

static const char *const move_names[] = { "extend", "confirm", "release", "give back" };

static fantasy_status bad_move(const char *id, const hold_row *h, move_kind kind) {
    return fantasy__fail(FANTASY_ESTATE, "sqlite stock store: cannot %s hold '%s' in state %d",
                         move_names[kind], id, (int)h->state);
}

/* Write the hold's new state and move its units between the counters and the usage. */
static fantasy_status write_move(fantasy__sqlite_conn *c, const char *id, const hold_row *h,
                                 fantasy_hold_state to, int64_t held_delta, int64_t sold_delta) {
    const char *op = "stock move";
    fantasy_status st = exec3(c, S_HOLD_SET, id, (int64_t)to, h->expires_at, op);
    st = st ? st : exec3(c, S_COUNTERS, h->product, held_delta, sold_delta, op);
    if (st == FANTASY_OK && to != FANTASY_HOLD_SOLD) {
        sqlite3_stmt *s = NULL;
        st = fantasy__sqlite_stmt_key(c, S_USAGE_SUB, h->product, op, &s);
        st = st ? st : fantasy__sqlite_bind_text(c, s, 2, h->user, op);
        st = st ? st : fantasy__sqlite_bind_int(c, s, 3, h->qty, op);
        st = st ? st : fantasy__sqlite_exec_stmt(c, s, op);
    }
    return st;
}

static fantasy_status extend_in(fantasy__sqlite_conn *c, const char *id, hold_row *h,
                                int64_t expires_at_ms) {
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(id, h, MOVE_EXTEND);
    }
    if (h->expires_at == expires_at_ms) {
        return FANTASY_OK;
    }
    return exec3(c, S_HOLD_SET, id, FANTASY_HOLD_HELD, expires_at_ms, "extend");
}

static fantasy_status confirm_in(fantasy__sqlite_conn *c, const char *id, const hold_row *h,
                                 int64_t now_ms) {
    if (h->state == FANTASY_HOLD_SOLD) {
        return FANTASY_OK;
    }
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(id, h, MOVE_CONFIRM);
    }
    if (h->expires_at <= now_ms) {
        return fantasy__fail(FANTASY_EEXPIRED, "sqlite stock store: hold '%s' expired at %" PRId64,
                             id, h->expires_at);
    }
    return write_move(c, id, h, FANTASY_HOLD_SOLD, -h->qty, h->qty);
}

static fantasy_status release_in(fantasy__sqlite_conn *c, const char *id, const hold_row *h) {
    if (h->state == FANTASY_HOLD_RELEASED || h->state == FANTASY_HOLD_EXPIRED) {
        return FANTASY_OK; /* an expired hold's units are already back */
    }
    if (h->state != FANTASY_HOLD_HELD) {
        return bad_move(id, h, MOVE_RELEASE);
    }
    return write_move(c, id, h, FANTASY_HOLD_RELEASED, -h->qty, 0);
}

static fantasy_status give_back_in(fantasy__sqlite_conn *c, const char *id, const hold_row *h) {
    if (h->state == FANTASY_HOLD_RETURNED) {
        return FANTASY_OK;
    }
    if (h->state != FANTASY_HOLD_SOLD) {
        return bad_move(id, h, MOVE_GIVE_BACK);
    }
    return write_move(c, id, h, FANTASY_HOLD_RETURNED, 0, -h->qty);
}

static fantasy_status move_in(fantasy__sqlite_conn *c, const char *id, move_kind kind,
                              int64_t arg) {
    hold_row h;
    fantasy_status st = read_hold(c, id, move_names[kind], &h);
    if (st != FANTASY_OK) {
        return st;
    }
    switch (kind) {
    case MOVE_EXTEND:
        return extend_in(c, id, &h, arg);
    case MOVE_CONFIRM:
        return confirm_in(c, id, &h, arg);
    case MOVE_RELEASE:
        return release_in(c, id, &h);
    default:
        return give_back_in(c, id, &h);
    }
}

static fantasy_status move(void *self, const char *hold_id, move_kind kind, int64_t arg) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, move_names[kind]);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!fantasy__sqlite_id_ok(hold_id)) {
        return bad_id("hold id", hold_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, move_names[kind], &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, move_names[kind]);
        st = st ? st : move_in(c, hold_id, kind, arg);
        st = fantasy__sqlite_end(c, st, move_names[kind]);
    }
    fantasy__sqlite_release(s->base.db, c);
    return st;
}

static fantasy_status extend(void *self, const char *hold_id, int64_t expires_at_ms) {
    return move(self, hold_id, MOVE_EXTEND, expires_at_ms);
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

typedef struct due_hold {
    char id[FANTASY_ID_MAX];
    hold_row h;
} due_hold;

/* Read up to `max` due holds into `out` (the query is done before any of them moves, since a
 * scan must not run over rows its own connection changes). */
static fantasy_status read_due(fantasy__sqlite_conn *c, int64_t now_ms, size_t max, due_hold *out,
                               size_t *n) {
    sqlite3_stmt *s = NULL;
    int row = 1;
    *n = 0;
    fantasy_status st = fantasy__sqlite_stmt(c, S_DUE, "expire", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 1, now_ms, "expire");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, (int64_t)max, "expire");
    while (st == FANTASY_OK && *n < max) {
        st = fantasy__sqlite_step(c, s, "expire: find due holds", &row);
        if (st != FANTASY_OK || !row) {
            break;
        }
        due_hold *d = &out[(*n)++];
        fantasy__sqlite_column_copy(s, 0, d->id, sizeof d->id);
        fantasy__sqlite_column_copy(s, 1, d->h.product, sizeof d->h.product);
        fantasy__sqlite_column_copy(s, 2, d->h.user, sizeof d->h.user);
        d->h.qty = sqlite3_column_int64(s, 3);
        d->h.expires_at = sqlite3_column_int64(s, 4);
        d->h.state = FANTASY_HOLD_HELD;
    }
    (void)sqlite3_reset(s);
    return st;
}

static fantasy_status expire_in(fantasy__sqlite_conn *c, int64_t now_ms, size_t max,
                                fantasy_list *out) {
    due_hold due[SWEEP_CHUNK];
    size_t left = max;
    fantasy_status st = FANTASY_OK;
    while (st == FANTASY_OK && left > 0) {
        size_t n = 0;
        st = read_due(c, now_ms, left < SWEEP_CHUNK ? left : SWEEP_CHUNK, due, &n);
        for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
            st = fantasy_list_add(out, due[i].id, due[i].h.qty);
            st = st ? st
                    : write_move(c, due[i].id, &due[i].h, FANTASY_HOLD_EXPIRED, -due[i].h.qty, 0);
        }
        left -= n;
        if (n < SWEEP_CHUNK) {
            break;
        }
    }
    return st;
}

static fantasy_status expire(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "expire");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: expire: NULL list");
    }
    if (max == 0) {
        return FANTASY_OK;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "expire", &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, "expire: begin");
        st = st ? st : expire_in(c, now_ms, max, out);
        st = fantasy__sqlite_end(c, st, "expire: commit");
    }
    fantasy__sqlite_release(s->base.db, c);
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static fantasy_status counts(void *self, const char *product_id, fantasy_stock_counts *out) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "counts");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: counts: NULL out");
    }
    memset(out, 0, sizeof *out);
    if (!fantasy__sqlite_id_ok(product_id)) {
        return bad_id("product id", product_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "counts", &c);
    st = st ? st : read_product(c, product_id, "counts", out);
    fantasy__sqlite_release(s->base.db, c);
    return st;
}

static fantasy_status counts_each(fantasy__sqlite_conn *c, const char *const *ids, size_t n,
                                  fantasy_stock_counts *out) {
    fantasy_status st = fantasy__sqlite_begin_read(c, "counts_many: begin");
    for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
        st = fantasy__sqlite_id_ok(ids[i]) ? read_product(c, ids[i], "counts_many", &out[i])
                                           : bad_id("product id", ids[i]);
    }
    return fantasy__sqlite_end(c, st, "counts_many: end");
}

/* One read transaction: the n counts are of one instant. */
static fantasy_status counts_many(void *self, const char *const *product_ids, size_t n,
                                  fantasy_stock_counts *out) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "counts_many");
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!product_ids || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: counts_many: NULL array");
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "counts_many", &c);
    st = st ? st : counts_each(c, product_ids, n, out);
    fantasy__sqlite_release(s->base.db, c);
    if (st != FANTASY_OK) {
        memset(out, 0, n * sizeof *out);
    }
    return st;
}

static fantasy_status used_in(fantasy__sqlite_conn *c, const char *product_id, const char *user_id,
                              int64_t *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, S_USED, product_id, "used", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, user_id, "used");
    st = st ? st : fantasy__sqlite_step(c, s, "used", &row);
    if (st == FANTASY_OK && !row) {
        return fantasy__fail(FANTASY_ENOTFOUND, "sqlite stock store: no product '%s'", product_id);
    }
    *out = st == FANTASY_OK ? sqlite3_column_int64(s, 0) : 0;
    return st;
}

static fantasy_status used(void *self, const char *product_id, const char *user_id, int64_t *out) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "used");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: used: NULL out");
    }
    *out = 0;
    if (!fantasy__sqlite_id_ok(user_id)) {
        return bad_id("user id", user_id);
    }
    if (!fantasy__sqlite_id_ok(product_id)) {
        return bad_id("product id", product_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "used", &c);
    st = st ? st : used_in(c, product_id, user_id, out);
    fantasy__sqlite_release(s->base.db, c);
    return st;
}

static fantasy_status hold_info(void *self, const char *hold_id, fantasy_hold_info *out) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "hold");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: hold: NULL out");
    }
    memset(out, 0, sizeof *out);
    if (!fantasy__sqlite_id_ok(hold_id)) {
        return bad_id("hold id", hold_id);
    }
    fantasy__sqlite_conn *c = NULL;
    hold_row h;
    st = fantasy__sqlite_acquire(s->base.db, "hold", &c);
    st = st ? st : read_hold(c, hold_id, "hold", &h);
    fantasy__sqlite_release(s->base.db, c);
    if (st == FANTASY_OK) {
        memcpy(out->product_id, h.product, sizeof out->product_id);
        memcpy(out->user_id, h.user, sizeof out->user_id);
        out->qty = h.qty;
        out->state = h.state;
        out->expires_at_ms = h.expires_at;
    }
    return st;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void destroy(void *self) {
    fantasy__sqlite_store_destroy(self, &store_kind);
}

FANTASY_API fantasy_status fantasy_sqlite_stock_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_stock_store *out) {
    fantasy__sqlite_store *s = NULL;
    fantasy_status st = fantasy__sqlite_store_open(&store_kind, path, alloc, out, sizeof *out, &s);
    if (st != FANTASY_OK) {
        return st;
    }
    out->version = FANTASY_STOCK_STORE_VERSION;
    out->self = s;
    out->set_stock = set_stock;
    out->reserve = fantasy__sqlite_stock_reserve;
    out->extend = extend;
    out->confirm = confirm;
    out->release = release;
    out->give_back = give_back;
    out->expire = expire;
    out->counts = counts;
    out->used = used;
    out->hold = hold_info;
    out->reserve_many = fantasy__sqlite_stock_reserve_many;
    out->counts_many = counts_many;
    out->destroy = destroy;
    return FANTASY_OK;
}
