/* The SQLite connection pool, statement cache, transactions and error mapping (db.h).
 *
 * Settings, per connection:
 * - WAL (set once, persistent in the file): readers never block the writer, so counts and
 *   finds go on during a burst of reserves.
 * - a busy handler (busy.c) that waits for a lock in steps of at most 1 ms, 10 s in all: up to
 *   16 processes may queue for the one write lock; a wait that long means something is stuck,
 *   and the caller gets FANTASY_EUNAVAILABLE.
 * - checkpoints every FANTASY__SQLITE_CHECKPOINT_FRAMES WAL frames instead of SQLite's 1000, run by
 * the connection that crossed the mark once its call is done (fantasy__sqlite_release) rather than
 *   inside COMMIT: a checkpoint ends in two fdatasyncs, which inside COMMIT held the store's write
 *   mutex the whole time; and a longer log copies a page written by many transactions back once.
 *   The log file stays at its largest size (about 40 MB) until the last connection closes.
 * - synchronous=NORMAL: in WAL mode a commit is in the log (the OS has it) before COMMIT returns,
 *   so a killed process loses nothing it committed (test_sqlite_crash kills writers with
 *   SIGKILL), and the file is never corrupted. Only an OS crash or power cut can roll back the
 *   last commits, to a consistent earlier state. FULL would add an fsync to every commit while
 *   the write lock is held, serializing every process of the park on the disk for each sale;
 *   the park's recovery paths (holds expire by themselves, run_due looks payments up by their
 *   idempotency key) already cover a lost tail of commits.
 * - SQLITE_OPEN_NOMUTEX: the pool hands a connection to one thread at a time, so SQLite's own
 *   per-connection mutex would only cost; the process-global sqlite3_config is never touched. */
#include "backends/sqlite/db.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"

/* Transaction statements every connection caches beside the store's. */
enum {
    TX_BEGIN_WRITE,
    TX_BEGIN_READ,
    TX_COMMIT,
    TX_ROLLBACK,
    TX_COUNT
};

static const char *const tx_sql[TX_COUNT] = { "BEGIN IMMEDIATE", "BEGIN", "COMMIT", "ROLLBACK" };

struct fantasy__sqlite_db {
    fantasy_allocator a;
    pthread_mutex_t lock;       /* guards idle */
    pthread_mutex_t write_lock; /* one write transaction of this store's at a time */
    fantasy__sqlite_conn *idle;
    const char *const *sql;
    size_t n_sql;
    pid_t pid; /* the opener: connections never cross a fork */
    const char *who;
    char path[];
};

/* A connection struct with its transaction statements after the store's. */
typedef struct conn_block {
    fantasy__sqlite_conn c;
    sqlite3_stmt *tx[TX_COUNT];
} conn_block;

/* ---- errors ------------------------------------------------------------------------------ */

static fantasy_status status_of(int rc) {
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_PROTOCOL:
        return FANTASY_EUNAVAILABLE;
    case SQLITE_NOTADB:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
        return FANTASY_EINVAL;
    case SQLITE_NOMEM:
        return FANTASY_ENOMEM;
    case SQLITE_CONSTRAINT:
        return FANTASY_ECONFLICT;
    case SQLITE_MISUSE:
        return FANTASY_EMISUSE;
    default: /* SQLITE_FULL, SQLITE_IOERR, SQLITE_CORRUPT, ... */
        return FANTASY_EBACKEND;
    }
}

fantasy_status fantasy__sqlite_fail(sqlite3 *db, int rc, const char *op) {
    fantasy_status st = status_of(rc);
    if (st == FANTASY_ENOMEM) {
        return fantasy__oom();
    }
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if ((rc & 0xff) == SQLITE_BUSY) {
        return fantasy__fail(st, "sqlite %s: %s (still locked after %d ms)", op, msg,
                             FANTASY__SQLITE_BUSY_TIMEOUT_MS);
    }
    return fantasy__fail(st, "sqlite %s: %s (%s)", op, msg, sqlite3_errstr(rc));
}

/* ---- connections ------------------------------------------------------------------------- */

static fantasy_status exec_sql(sqlite3 *h, const char *sql, const char *op) {
    int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(h, rc, op);
}

static void close_handle(sqlite3 *h) {
    (void)sqlite3_close_v2(h);
}

/* Open one connection with the per-connection settings; `busy` is its busy-handler state. */
static fantasy_status connect_path(const char *path, fantasy__sqlite_busy *busy, sqlite3 **out) {
    sqlite3 *h = NULL;
    *out = NULL;
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        fantasy_status st = fantasy__sqlite_fail(h, rc, "open");
        (void)fantasy__error_wrap(st, path);
        close_handle(h);
        return st;
    }
    (void)sqlite3_extended_result_codes(h, 1);
    fantasy__sqlite_busy_install(h, busy);
    /* SQLite opens a write-protected file read-only without a word: refuse it here rather than
     * fail on the first write. */
    if (sqlite3_db_readonly(h, "main") == 1) {
        close_handle(h);
        return fantasy__fail(FANTASY_EUNAVAILABLE, "sqlite open %s: the file is read-only", path);
    }
    fantasy_status st = exec_sql(h, "PRAGMA synchronous=NORMAL", "set synchronous");
    if (st != FANTASY_OK) {
        close_handle(h);
        return st;
    }
    *out = h;
    return FANTASY_OK;
}

/* Switch the file to WAL (a no-op once it is); also where a non-database file shows. */
static fantasy_status set_wal(sqlite3 *h, const char *path) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA journal_mode=WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    fantasy_status st = FANTASY_OK;
    if (rc == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(s, 0);
        if (!mode || strcmp(mode, "wal") != 0) {
            st = fantasy__fail(FANTASY_EUNAVAILABLE, "sqlite open %s: cannot use WAL (mode %s)",
                               path, mode ? mode : "?");
        }
    } else {
        st = fantasy__sqlite_fail(h, rc, "set WAL mode");
        (void)fantasy__error_wrap(st, path);
    }
    (void)sqlite3_finalize(s);
    return st;
}

static conn_block *as_block(fantasy__sqlite_conn *c) {
    return (conn_block *)(void *)c;
}

static void conn_free(const fantasy__sqlite_db *db, fantasy__sqlite_conn *c, int close) {
    if (close) {
        for (size_t i = 0; i < c->n_sql; i++) {
            (void)sqlite3_finalize(c->stmts[i]);
        }
        for (size_t i = 0; i < TX_COUNT; i++) {
            (void)sqlite3_finalize(as_block(c)->tx[i]);
        }
        close_handle(c->db);
    }
    fantasy__free(&db->a, c);
}

/* A connection struct for `db` without its handle yet (NULL when out of memory): the handle's
 * busy handler keeps a pointer into it. */
static fantasy__sqlite_conn *conn_alloc(fantasy__sqlite_db *db) {
    conn_block *b = fantasy__calloc(&db->a, 1, sizeof *b);
    if (!b) {
        return NULL;
    }
    b->c.sql = db->sql;
    b->c.n_sql = db->n_sql;
    b->c.owner = db;
    return &b->c;
}

/* The WAL hook (instead of SQLite's auto-checkpoint, which it replaces): note that the log is
 * long enough for a checkpoint, which release() runs. */
static int on_wal_commit(void *arg, sqlite3 *h, const char *name, int frames) {
    (void)h;
    (void)name;
    if (frames >= FANTASY__SQLITE_CHECKPOINT_FRAMES) {
        ((fantasy__sqlite_conn *)arg)->checkpoint_due = 1;
    }
    return SQLITE_OK;
}

/* Copy the log back into the file. PASSIVE neither waits for nor blocks other connections; what
 * it cannot copy now, a later checkpoint will. */
static void checkpoint(fantasy__sqlite_conn *c) {
    c->checkpoint_due = 0;
    (void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

/* Let the store's next writer in (see begin_write). */
static void end_write(fantasy__sqlite_conn *c) {
    if (c->writing) {
        c->writing = 0;
        pthread_mutex_unlock(&c->owner->write_lock);
    }
}

/* ---- the pool ---------------------------------------------------------------------------- */

static fantasy_status check_path(const char *path, const char *who) {
    if (!*path) {
        return fantasy__fail(FANTASY_EINVAL, "%s: empty path", who);
    }
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "%s: '%s': a file path is needed (several connections share it)", who,
                             path);
    }
    return FANTASY_OK;
}

/* The first connection: WAL, then the migrations. */
static fantasy_status first_connection(const char *path, int version, fantasy__sqlite_busy *busy,
                                       sqlite3 **out) {
    sqlite3 *h = NULL;
    fantasy_status st = connect_path(path, busy, &h);
    if (st == FANTASY_OK) {
        st = set_wal(h, path);
    }
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_migrate(h, version, path);
    }
    if (st != FANTASY_OK) {
        close_handle(h);
        h = NULL;
    }
    *out = h;
    return st;
}

fantasy_status fantasy__sqlite_db_open(const char *path, const fantasy_allocator *alloc,
                                       const char *const *sql, size_t n_sql, const char *who,
                                       fantasy__sqlite_db **out) {
    if (!path || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL %s", who, path ? "out" : "path");
    }
    *out = NULL;
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st == FANTASY_OK) {
        st = check_path(path, who);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    size_t len = strlen(path);
    fantasy__sqlite_db *db = fantasy__calloc(&a, 1, sizeof *db + len + 1);
    if (!db) {
        return fantasy__oom();
    }
    db->a = a;
    db->sql = sql;
    db->n_sql = n_sql;
    db->who = who;
    db->pid = getpid();
    memcpy(db->path, path, len + 1);
    if (pthread_mutex_init(&db->lock, NULL) != 0) {
        fantasy__free(&a, db);
        return fantasy__fail(FANTASY_ENOMEM, "%s: no mutex", who);
    }
    if (pthread_mutex_init(&db->write_lock, NULL) != 0) {
        pthread_mutex_destroy(&db->lock);
        fantasy__free(&a, db);
        return fantasy__fail(FANTASY_ENOMEM, "%s: no mutex", who);
    }
    fantasy__sqlite_conn *c = conn_alloc(db);
    st = c ? first_connection(path, FANTASY__SQLITE_SCHEMA, &c->busy, &c->db) : fantasy__oom();
    if (st == FANTASY_OK) {
        (void)sqlite3_wal_hook(c->db, on_wal_commit, c);
    }
    if (st != FANTASY_OK) {
        fantasy__free(&a, c);
        (void)fantasy__error_wrap(st, who);
        pthread_mutex_destroy(&db->write_lock);
        pthread_mutex_destroy(&db->lock);
        fantasy__free(&a, db);
        return st;
    }
    db->idle = c;
    *out = db;
    return FANTASY_OK;
}

void fantasy__sqlite_db_close(fantasy__sqlite_db *db) {
    if (!db) {
        return;
    }
    int mine = getpid() == db->pid;
    while (db->idle) {
        fantasy__sqlite_conn *c = db->idle;
        db->idle = c->next;
        conn_free(db, c, mine);
    }
    pthread_mutex_destroy(&db->write_lock);
    pthread_mutex_destroy(&db->lock);
    fantasy_allocator a = db->a;
    fantasy__free(&a, db);
}

fantasy_status fantasy__sqlite_check_process(const fantasy__sqlite_db *db, const char *op) {
    pid_t now = getpid();
    if (now != db->pid) {
        return fantasy__fail(FANTASY_EMISUSE,
                             "%s %s: store opened by process %ld, used in process %ld after fork; "
                             "open it again in this process",
                             db->who, op, (long)db->pid, (long)now);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__sqlite_acquire(fantasy__sqlite_db *db, const char *op,
                                       fantasy__sqlite_conn **out) {
    *out = NULL;
    fantasy_status st = fantasy__sqlite_check_process(db, op);
    if (st != FANTASY_OK) {
        return st;
    }
    pthread_mutex_lock(&db->lock);
    fantasy__sqlite_conn *c = db->idle;
    if (c) {
        db->idle = c->next;
    }
    pthread_mutex_unlock(&db->lock);
    if (c) {
        c->next = NULL;
        *out = c;
        return FANTASY_OK;
    }
    c = conn_alloc(db);
    st = c ? connect_path(db->path, &c->busy, &c->db) : fantasy__oom();
    if (st == FANTASY_OK) {
        (void)sqlite3_wal_hook(c->db, on_wal_commit, c);
    }
    if (st != FANTASY_OK) {
        fantasy__free(&db->a, c);
        return fantasy__error_wrap(st, db->who);
    }
    *out = c;
    return FANTASY_OK;
}

void fantasy__sqlite_release(fantasy__sqlite_db *db, fantasy__sqlite_conn *c) {
    if (!c) {
        return;
    }
    /* Only a statement stopped before its end still holds a read snapshot; resetting the rest of
     * the cache (mostly statements this call never ran) would cost a call each for nothing. */
    for (size_t i = 0; i < c->n_sql; i++) {
        if (c->stmts[i] && sqlite3_stmt_busy(c->stmts[i])) {
            (void)sqlite3_reset(c->stmts[i]);
        }
    }
    if (!sqlite3_get_autocommit(c->db)) {
        fantasy__sqlite_rollback(c);
    }
    end_write(c);
    if (!sqlite3_get_autocommit(c->db)) {
        conn_free(db, c, 1);
        return;
    }
    if (c->checkpoint_due) {
        checkpoint(c);
    }
    pthread_mutex_lock(&db->lock);
    c->next = db->idle;
    db->idle = c;
    pthread_mutex_unlock(&db->lock);
}

/* ---- statements and transactions --------------------------------------------------------- */

static fantasy_status prepared(fantasy__sqlite_conn *c, sqlite3_stmt **slot, const char *sql,
                               const char *op) {
    if (*slot) {
        (void)sqlite3_reset(*slot);
        (void)sqlite3_clear_bindings(*slot);
        return FANTASY_OK;
    }
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
    if (rc != SQLITE_OK) {
        *slot = NULL;
        return fantasy__sqlite_fail(c->db, rc, op);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__sqlite_stmt(fantasy__sqlite_conn *c, size_t i, const char *op,
                                    sqlite3_stmt **out) {
    *out = NULL;
    if (i >= c->n_sql) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite %s: no statement %zu", op, i);
    }
    fantasy_status st = prepared(c, &c->stmts[i], c->sql[i], op);
    if (st == FANTASY_OK) {
        *out = c->stmts[i];
    }
    return st;
}

fantasy_status fantasy__sqlite_step(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op,
                                    int *row) {
    int rc = sqlite3_step(s);
    *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        return FANTASY_OK;
    }
    fantasy_status st = fantasy__sqlite_fail(c->db, rc, op);
    (void)sqlite3_reset(s);
    return st;
}

fantasy_status fantasy__sqlite_exec_stmt(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op) {
    int row = 1;
    fantasy_status st = FANTASY_OK;
    while (row && st == FANTASY_OK) {
        st = fantasy__sqlite_step(c, s, op, &row);
    }
    (void)sqlite3_reset(s);
    return st;
}

static fantasy_status run_tx(fantasy__sqlite_conn *c, int which, const char *op) {
    sqlite3_stmt **slot = &as_block(c)->tx[which];
    fantasy_status st = prepared(c, slot, tx_sql[which], op);
    return st == FANTASY_OK ? fantasy__sqlite_exec_stmt(c, *slot, op) : st;
}

fantasy_status fantasy__sqlite_begin_write(fantasy__sqlite_conn *c, const char *op) {
    pthread_mutex_lock(&c->owner->write_lock);
    c->writing = 1;
    fantasy_status st = run_tx(c, TX_BEGIN_WRITE, op);
    if (st != FANTASY_OK) {
        end_write(c);
    }
    return st;
}

fantasy_status fantasy__sqlite_begin_read(fantasy__sqlite_conn *c, const char *op) {
    return run_tx(c, TX_BEGIN_READ, op);
}

fantasy_status fantasy__sqlite_commit(fantasy__sqlite_conn *c, const char *op) {
    return run_tx(c, TX_COMMIT, op);
}

void fantasy__sqlite_rollback(fantasy__sqlite_conn *c) {
    if (sqlite3_get_autocommit(c->db)) {
        return; /* SQLite already rolled back (some errors do that) */
    }
    /* The call's own status and message stand; a failed rollback shows in release(). */
    sqlite3_stmt **slot = &as_block(c)->tx[TX_ROLLBACK];
    if (!*slot && sqlite3_prepare_v3(c->db, tx_sql[TX_ROLLBACK], -1, SQLITE_PREPARE_PERSISTENT,
                                     slot, NULL) != SQLITE_OK) {
        *slot = NULL;
        return;
    }
    (void)sqlite3_reset(*slot);
    (void)sqlite3_step(*slot);
    (void)sqlite3_reset(*slot);
}

fantasy_status fantasy__sqlite_end(fantasy__sqlite_conn *c, fantasy_status st, const char *op) {
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_commit(c, op);
    }
    if (st != FANTASY_OK) {
        fantasy__sqlite_rollback(c);
    }
    if (sqlite3_get_autocommit(c->db)) {
        end_write(c);
    }
    return st;
}

/* ---- binding and columns ----------------------------------------------------------------- */

fantasy_status fantasy__sqlite_bind_text(fantasy__sqlite_conn *c, sqlite3_stmt *s, int i,
                                         const char *text, const char *op) {
    int rc = sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
    return rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(c->db, rc, op);
}

fantasy_status fantasy__sqlite_bind_int(fantasy__sqlite_conn *c, sqlite3_stmt *s, int i, int64_t v,
                                        const char *op) {
    int rc = sqlite3_bind_int64(s, i, (sqlite3_int64)v);
    return rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(c->db, rc, op);
}

void fantasy__sqlite_column_copy(sqlite3_stmt *s, int col, char *dst, size_t cap) {
    const unsigned char *t = sqlite3_column_text(s, col);
    if (cap == 0) {
        return;
    }
    dst[0] = '\0';
    if (!t) {
        return;
    }
    size_t n = (size_t)sqlite3_column_bytes(s, col);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, t, n);
    dst[n] = '\0';
}

int fantasy__sqlite_id_ok(const char *s) {
    if (!s) {
        return 0;
    }
    size_t n = strnlen(s, FANTASY_ID_MAX);
    return n > 0 && n < FANTASY_ID_MAX;
}

/* ---- the test hook ----------------------------------------------------------------------- */

fantasy_status fantasy__sqlite_migrate_to(const char *path, int version) {
    if (!path) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite migrate: NULL path");
    }
    if (version < 1 || version > FANTASY__SQLITE_SCHEMA) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite migrate: no schema version %d (1 to %d)",
                             version, FANTASY__SQLITE_SCHEMA);
    }
    fantasy_status st = check_path(path, "sqlite migrate");
    fantasy__sqlite_busy busy;
    sqlite3 *h = NULL;
    if (st == FANTASY_OK) {
        st = first_connection(path, version, &busy, &h);
    }
    close_handle(h);
    return st;
}
