/* The SQLite record store (PORTS.md, record store).
 *
 * Documents live in `docs` (coll, id) → version, body; index keys in `doc_keys` whose primary key
 * (coll, key, id) is the index every read walks: find is a range scan of one key in id order,
 * find_keys a range scan of the prefix grouped by key, count a scan of one key. A batch runs in
 * one BEGIN IMMEDIATE transaction, op after op against the state the earlier ops left (their
 * writes are visible inside it); the first failing condition rolls it all back. */
#include <inttypes.h>
#include <string.h>

#include "fantasy/backends/sqlite.h"

#include "backends/sqlite/db.h"
#include "backends/sqlite/store.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/record_check.h"

#define NAME_MAX_LEN FANTASY__REC_NAME_MAX
#define KEY_MAX_LEN  FANTASY__REC_KEY_MAX
#define STORE_LIVE   0x72716c73u /* "rqls" */
#define SMALL_BATCH  16

enum {
    R_GET,
    R_VERSION,
    R_PUT,
    R_DEL,
    R_KEYS_DROP,
    R_KEY_ADD,
    R_KEY_HOLDER,
    R_KEYS_OF,
    R_FIND,
    R_KEYS_GE_HI,
    R_KEYS_GT_HI,
    R_KEYS_GE,
    R_KEYS_GT,
    R_COUNT,
    R_N
};

static const char *const record_sql[R_N] = {
    [R_GET] = "SELECT version, body FROM docs WHERE coll = ?1 AND id = ?2",
    [R_VERSION] = "SELECT version FROM docs WHERE coll = ?1 AND id = ?2",
    [R_PUT] = "INSERT OR REPLACE INTO docs(coll, id, version, body) VALUES(?1, ?2, ?3, ?4)",
    [R_DEL] = "DELETE FROM docs WHERE coll = ?1 AND id = ?2",
    [R_KEYS_DROP] = "DELETE FROM doc_keys WHERE coll = ?1 AND id = ?2",
    [R_KEY_ADD] = "INSERT OR IGNORE INTO doc_keys(coll, key, id) VALUES(?1, ?2, ?3)",
    [R_KEYS_OF] = "SELECT key FROM doc_keys WHERE coll = ?1 AND id = ?2",
    [R_KEY_HOLDER] = "SELECT id FROM doc_keys WHERE coll = ?1 AND key = ?2 AND id <> ?3 LIMIT 1",
    [R_FIND] = "SELECT k.id, d.version FROM doc_keys k JOIN docs d ON d.coll = k.coll AND d.id = "
               "k.id WHERE k.coll = ?1 AND k.key = ?2 AND k.id > ?3 ORDER BY k.id LIMIT ?4",
    /* find_keys: from the prefix (>=) or from after_key (>), with or without the bound past
     * the prefix; one lower bound each, so the scan starts where the answer does. */
    [R_KEYS_GE_HI] = "SELECT key, COUNT(*) FROM doc_keys WHERE coll = ?1 AND key >= ?2 AND key < "
                     "?3 GROUP BY key ORDER BY key LIMIT ?4",
    [R_KEYS_GT_HI] = "SELECT key, COUNT(*) FROM doc_keys WHERE coll = ?1 AND key > ?2 AND key < "
                     "?3 GROUP BY key ORDER BY key LIMIT ?4",
    [R_KEYS_GE] = "SELECT key, COUNT(*) FROM doc_keys WHERE coll = ?1 AND key >= ?2 GROUP BY key "
                  "ORDER BY key LIMIT ?4",
    [R_KEYS_GT] = "SELECT key, COUNT(*) FROM doc_keys WHERE coll = ?1 AND key > ?2 GROUP BY key "
                  "ORDER BY key LIMIT ?4",
    [R_COUNT] = "SELECT COUNT(*) FROM doc_keys WHERE coll = ?1 AND key = ?2",
};

static const fantasy__sqlite_store_kind store_kind = {
    .open_fn = "fantasy_sqlite_record_store_open",
    .who = "sqlite record store",
    .magic = STORE_LIVE,
    .sql = record_sql,
    .n_sql = R_N,
    .size = sizeof(fantasy__sqlite_store),
};

typedef fantasy__sqlite_store store;

static fantasy_status check_store(const store *s, const char *fn) {
    return fantasy__sqlite_store_check(s, &store_kind, fn);
}

/* ---- one op of a batch (inside the write transaction) ------------------------------------ */

/* A statement bound to (collection, id) as ?1, ?2. */
static fantasy_status doc_stmt(fantasy__sqlite_conn *c, size_t which, const fantasy_record_op *op,
                               sqlite3_stmt **out) {
    fantasy_status st = fantasy__sqlite_stmt_key(c, which, op->collection, "record apply", out);
    return st ? st : fantasy__sqlite_bind_text(c, *out, 2, op->id, "record apply");
}

static fantasy_status current_version(fantasy__sqlite_conn *c, const fantasy_record_op *op,
                                      int64_t *have) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    *have = 0;
    fantasy_status st = doc_stmt(c, R_VERSION, op, &s);
    st = st ? st : fantasy__sqlite_step(c, s, "record apply: read version", &row);
    if (st == FANTASY_OK && row) {
        *have = sqlite3_column_int64(s, 0);
    }
    return st;
}

static fantasy_status check_condition(const fantasy_record_op *op, size_t i, int64_t have) {
    if (op->mode == FANTASY_WRITE_CREATE && have > 0) {
        return fantasy__fail(FANTASY_EEXISTS, "record apply: op %zu: %s/%s already exists", i,
                             op->collection, op->id);
    }
    if (op->mode != FANTASY_WRITE_IF_VERSION || have == op->expected_version) {
        return FANTASY_OK;
    }
    if (have == 0) {
        return fantasy__fail(FANTASY_ENOTFOUND,
                             "record apply: op %zu: %s/%s not found (expected version %" PRId64 ")",
                             i, op->collection, op->id, op->expected_version);
    }
    return fantasy__fail(FANTASY_ECONFLICT,
                         "record apply: op %zu: %s/%s is at version %" PRId64 ", expected %" PRId64,
                         i, op->collection, op->id, have, op->expected_version);
}

/* A unique key is taken when a document other than this one holds it, uniquely or not. */
static fantasy_status check_unique(fantasy__sqlite_conn *c, const fantasy_record_op *op, size_t i,
                                   const fantasy_index_key *k) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st =
        fantasy__sqlite_stmt_key(c, R_KEY_HOLDER, op->collection, "record apply", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, k->key, "record apply");
    st = st ? st : fantasy__sqlite_bind_text(c, s, 3, op->id, "record apply");
    st = st ? st : fantasy__sqlite_step(c, s, "record apply: check unique key", &row);
    if (st == FANTASY_OK && row) {
        st = fantasy__fail(FANTASY_EEXISTS,
                           "record apply: op %zu: unique key '%s' in %s is held by %s", i, k->key,
                           op->collection, (const char *)sqlite3_column_text(s, 0));
    }
    return st;
}

static fantasy_status drop_keys(fantasy__sqlite_conn *c, const fantasy_record_op *op) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = doc_stmt(c, R_KEYS_DROP, op, &s);
    return st ? st : fantasy__sqlite_exec_stmt(c, s, "record apply: drop keys");
}

static int has_key(const fantasy_record_op *op, const unsigned char *key, int len) {
    for (size_t k = 0; k < op->n_keys; k++) {
        const char *mine = op->keys[k].key;
        if (strncmp(mine, (const char *)key, (size_t)len) == 0 && mine[len] == '\0') {
            return 1;
        }
    }
    return 0;
}

/* *stale = 1 when the document holds a key the put no longer gives it. Most puts keep every key
 * (a status change moves one key at most), and each key row deleted and written again would be
 * one more page in the commit. */
static fantasy_status find_stale_keys(fantasy__sqlite_conn *c, const fantasy_record_op *op,
                                      int *stale) {
    sqlite3_stmt *s = NULL;
    int row = 1;
    *stale = 0;
    fantasy_status st = doc_stmt(c, R_KEYS_OF, op, &s);
    while (st == FANTASY_OK && row && !*stale) {
        st = fantasy__sqlite_step(c, s, "record apply: read keys", &row);
        if (st == FANTASY_OK && row) {
            const unsigned char *key = sqlite3_column_text(s, 0);
            *stale = !key || !has_key(op, key, sqlite3_column_bytes(s, 0));
        }
    }
    if (s) {
        (void)sqlite3_reset(s);
    }
    return st;
}

static fantasy_status write_doc(fantasy__sqlite_conn *c, const fantasy_record_op *op,
                                int64_t version) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = doc_stmt(c, R_PUT, op, &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 3, version, "record apply");
    if (st == FANTASY_OK) {
        /* A NULL pointer would bind SQL NULL: an empty document is an empty blob. */
        int rc = op->doc_len > 0 ? sqlite3_bind_blob64(s, 4, op->doc, op->doc_len, SQLITE_STATIC)
                                 : sqlite3_bind_zeroblob(s, 4, 0);
        st = rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(c->db, rc, "record apply");
    }
    return st ? st : fantasy__sqlite_exec_stmt(c, s, "record apply: write document");
}

static fantasy_status add_keys(fantasy__sqlite_conn *c, const fantasy_record_op *op) {
    fantasy_status st = FANTASY_OK;
    for (size_t k = 0; k < op->n_keys && st == FANTASY_OK; k++) {
        sqlite3_stmt *s = NULL;
        st = fantasy__sqlite_stmt_key(c, R_KEY_ADD, op->collection, "record apply", &s);
        st = st ? st : fantasy__sqlite_bind_text(c, s, 2, op->keys[k].key, "record apply");
        st = st ? st : fantasy__sqlite_bind_text(c, s, 3, op->id, "record apply");
        st = st ? st : fantasy__sqlite_exec_stmt(c, s, "record apply: add key");
    }
    return st;
}

static fantasy_status run_put(fantasy__sqlite_conn *c, const fantasy_record_op *op, size_t i,
                              int64_t have, int64_t *version) {
    fantasy_status st = FANTASY_OK;
    for (size_t k = 0; k < op->n_keys && st == FANTASY_OK; k++) {
        if (op->keys[k].unique) {
            st = check_unique(c, op, i, &op->keys[k]);
        }
    }
    /* Keys already held stay as they are: add_keys skips them. A new document holds none (a
     * delete drops its keys with it). */
    int stale = 0;
    if (have > 0) {
        st = st ? st : find_stale_keys(c, op, &stale);
    }
    if (st == FANTASY_OK && stale) {
        st = drop_keys(c, op);
    }
    st = st ? st : write_doc(c, op, have + 1);
    st = st ? st : add_keys(c, op);
    *version = have + 1;
    return st;
}

static fantasy_status run_del(fantasy__sqlite_conn *c, const fantasy_record_op *op, int64_t have,
                              int64_t *version) {
    *version = 0;
    if (have == 0) {
        return FANTASY_OK;
    }
    sqlite3_stmt *s = NULL;
    fantasy_status st = doc_stmt(c, R_DEL, op, &s);
    st = st ? st : fantasy__sqlite_exec_stmt(c, s, "record apply: delete document");
    return st ? st : drop_keys(c, op);
}

static fantasy_status run_op(fantasy__sqlite_conn *c, const fantasy_record_op *op, size_t i,
                             int64_t *version) {
    int64_t have = 0;
    fantasy_status st = current_version(c, op, &have);
    st = st ? st : check_condition(op, i, have);
    if (st != FANTASY_OK) {
        return st;
    }
    return op->kind == FANTASY_OP_PUT ? run_put(c, op, i, have, version)
                                      : run_del(c, op, have, version);
}

static fantasy_status run_batch(fantasy__sqlite_conn *c, const fantasy_record_op *ops, size_t n,
                                int64_t *versions) {
    fantasy_status st = fantasy__sqlite_begin_write(c, "record apply: begin");
    for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
        st = run_op(c, &ops[i], i, &versions[i]);
    }
    return st == FANTASY_OK ? fantasy__sqlite_end(c, st, "record apply: commit")
                            : fantasy__sqlite_end(c, st, "record apply");
}

static fantasy_status rec_apply(void *self, const fantasy_record_op *ops, size_t n,
                                int64_t *versions_out) {
    store *s = self;
    fantasy_status st = check_store(s, "apply");
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!ops) {
        return fantasy__fail(FANTASY_EINVAL, "record apply: NULL ops with n %zu", n);
    }
    for (size_t i = 0; i < n; i++) {
        st = fantasy__rec_check_op("record", &ops[i], i);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    int64_t small[SMALL_BATCH];
    int64_t *versions = n <= SMALL_BATCH ? small : fantasy__calloc(&s->a, n, sizeof *versions);
    if (!versions) {
        return fantasy__oom();
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "apply", &c);
    st = st ? st : run_batch(c, ops, n, versions);
    fantasy__sqlite_release(s->db, c);
    if (st == FANTASY_OK && versions_out) {
        memcpy(versions_out, versions, n * sizeof *versions);
    }
    if (versions != small) {
        fantasy__free(&s->a, versions);
    }
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static fantasy_status check_read(const store *s, const char *fn, const char *collection,
                                 const char *what, const char *value, size_t max) {
    fantasy_status st = check_store(s, fn);
    return st ? st : fantasy__rec_check_read("record", fn, collection, what, value, max);
}

static fantasy_status get_row(fantasy__sqlite_conn *c, const char *collection, const char *id,
                              fantasy_buf *out, int64_t *version) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, R_GET, collection, "record get", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, id, "record get");
    st = st ? st : fantasy__sqlite_step(c, s, "record get", &row);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!row) {
        return fantasy__fail(FANTASY_ENOTFOUND, "record get: %s/%s not found", collection, id);
    }
    if (out) {
        const void *body = sqlite3_column_blob(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        st = fantasy_buf_set(out, body ? body : "", body ? len : 0);
    }
    if (st == FANTASY_OK && version) {
        *version = sqlite3_column_int64(s, 0);
    }
    return st;
}

static fantasy_status rec_get(void *self, const char *collection, const char *id, fantasy_buf *out,
                              int64_t *version) {
    store *s = self;
    if (version) {
        *version = 0;
    }
    fantasy_status st = check_read(s, "get", collection, "id", id, NAME_MAX_LEN);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "get", &c);
    st = st ? st : get_row(c, collection, id, out, version);
    fantasy__sqlite_release(s->db, c);
    return st;
}

static fantasy_status find_rows(fantasy__sqlite_conn *c, const char *collection, const char *key,
                                const char *after_id, size_t limit, fantasy_list *out) {
    sqlite3_stmt *s = NULL;
    int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
    fantasy_status st = fantasy__sqlite_stmt_key(c, R_FIND, collection, "record find", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, key, "record find");
    st = st ? st : fantasy__sqlite_bind_text(c, s, 3, after_id ? after_id : "", "record find");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, lim, "record find");
    return st ? st : fantasy__sqlite_collect(c, s, "record find", out);
}

static fantasy_status rec_find(void *self, const char *collection, const char *key,
                               const char *after_id, size_t limit, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_read(s, "find", collection, "key", key, KEY_MAX_LEN);
    st = st ? st : fantasy__rec_check_page("record", "find", limit, out);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "find", &c);
    st = st ? st : find_rows(c, collection, key, after_id, limit, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

/* The smallest string above every string starting with `prefix` (its last byte below 0xff
 * raised by one, the rest cut), in `hi`; 0 when there is none (empty or all 0xff). */
static size_t prefix_end(const char *prefix, size_t len, char *hi) {
    while (len > 0 && (unsigned char)prefix[len - 1] == 0xffu) {
        len--;
    }
    if (len == 0) {
        return 0;
    }
    memcpy(hi, prefix, len);
    hi[len - 1] = (char)((unsigned char)prefix[len - 1] + 1u);
    hi[len] = '\0';
    return len;
}

static fantasy_status keys_rows(fantasy__sqlite_conn *c, const char *collection, const char *pre,
                                const char *after, size_t limit, fantasy_list *out) {
    char hi[KEY_MAX_LEN + 1];
    size_t hi_len = prefix_end(pre, strlen(pre), hi);
    /* Start at the prefix itself unless after_key lies at or beyond it. */
    int from_after = after && *after && strcmp(after, pre) >= 0;
    size_t which =
        hi_len ? (from_after ? R_KEYS_GT_HI : R_KEYS_GE_HI) : (from_after ? R_KEYS_GT : R_KEYS_GE);
    sqlite3_stmt *s = NULL;
    int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
    const char *op = "record find_keys";
    fantasy_status st = fantasy__sqlite_stmt_key(c, which, collection, op, &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, from_after ? after : pre, op);
    if (st == FANTASY_OK && hi_len) {
        int rc = sqlite3_bind_text(s, 3, hi, (int)hi_len, SQLITE_TRANSIENT);
        st = rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(c->db, rc, op);
    }
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, lim, op);
    return st ? st : fantasy__sqlite_collect(c, s, op, out);
}

static fantasy_status rec_find_keys(void *self, const char *collection, const char *prefix,
                                    const char *after_key, size_t limit, fantasy_list *out) {
    store *s = self;
    const char *pre = prefix ? prefix : "";
    fantasy_status st = check_read(s, "find_keys", collection, NULL, NULL, 0);
    st = st ? st : fantasy__rec_check_page("record", "find_keys", limit, out);
    if (st != FANTASY_OK || strnlen(pre, KEY_MAX_LEN + 1) > KEY_MAX_LEN) {
        return st; /* no key is longer than KEY_MAX_LEN, so none has a longer prefix */
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "find_keys", &c);
    st = st ? st : keys_rows(c, collection, pre, after_key, limit, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

static fantasy_status count_rows(fantasy__sqlite_conn *c, const char *collection, const char *key,
                                 int64_t *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, R_COUNT, collection, "record count", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, key, "record count");
    st = st ? st : fantasy__sqlite_step(c, s, "record count", &row);
    *out = st == FANTASY_OK && row ? sqlite3_column_int64(s, 0) : 0;
    return st;
}

static fantasy_status rec_count(void *self, const char *collection, const char *key, int64_t *out) {
    store *s = self;
    fantasy_status st = check_read(s, "count", collection, "key", key, KEY_MAX_LEN);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "record count: NULL out");
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "count", &c);
    st = st ? st : count_rows(c, collection, key, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void rec_destroy(void *self) {
    fantasy__sqlite_store_destroy(self, &store_kind);
}

FANTASY_API fantasy_status fantasy_sqlite_record_store_open(const char *path,
                                                            const fantasy_allocator *alloc,
                                                            fantasy_record_store *out) {
    store *s = NULL;
    fantasy_status st = fantasy__sqlite_store_open(&store_kind, path, alloc, out, sizeof *out, &s);
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
