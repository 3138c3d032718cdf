/* The PostgreSQL connection pool (pool.h).
 *
 * A call takes a connection from the idle stack (or opens one), uses it alone and puts it back,
 * so a thread never holds two and the pool grows to the number of threads calling at once.
 * Each connection prepares a statement the first time it runs it. Nothing is held across
 * network I/O but the connection itself: the pool mutex only guards the idle stack. */
#include "backends/postgres/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "backends/postgres/schema.h"
#include "core/alloc.h"
#include "core/error.h"

/* Idle connections kept for reuse; more are closed on return. */
#define MAX_IDLE 32
/* Attempts for a transaction the server aborted as a deadlock or serialization victim. */
#define MAX_CONFLICT_TRIES 6
#define POOL_LIVE          0x70677070u /* "pgpp" */
#define POOL_DEAD          0xdeadbeefu

struct fantasy__pg_conn {
    PGconn *pg;
    fantasy__pg_pool *pool;
    uint64_t prepared; /* bit i: statement i is prepared on this connection */
    int reused;        /* came from the idle stack, so it may have died while idle */
    int commands;      /* commands that succeeded in the current run */
    int broken;
    char sqlstate[6]; /* of the last failed command, "" when none */
    fantasy__pg_conn *next;
};

struct fantasy__pg_pool {
    unsigned magic;
    fantasy_allocator a;
    char *conninfo;
    const fantasy__pg_stmt *stmts;
    size_t n_stmts;
    const char *who;
    pthread_mutex_t lock;
    fantasy__pg_conn *idle;
    size_t n_idle;
};

/* ---- parameters ------------------------------------------------------------------------- */

void fantasy__pg_params_init(fantasy__pg_params *p) {
    memset(p, 0, sizeof *p);
}

void fantasy__pg_param_bytes(fantasy__pg_params *p, const void *data, size_t len) {
    int i = p->n++;
    /* A non-NULL pointer even for the empty string: NULL would mean SQL NULL. */
    p->values[i] = data ? (const char *)data : "";
    p->lengths[i] = (int)len;
    p->formats[i] = 1;
}

void fantasy__pg_param_str(fantasy__pg_params *p, const char *s) {
    fantasy__pg_param_bytes(p, s, strlen(s));
}

void fantasy__pg_param_i64(fantasy__pg_params *p, int64_t v) {
    int i = p->n++;
    uint64_t u = (uint64_t)v;
    for (int b = 0; b < 8; b++) {
        p->ints[i][b] = (unsigned char)(u >> (56 - 8 * b));
    }
    p->values[i] = (const char *)p->ints[i];
    p->lengths[i] = 8;
    p->formats[i] = 1;
}

/* ---- results ---------------------------------------------------------------------------- */

int64_t fantasy__pg_int(const PGresult *r, int row, int col) {
    if (PQgetisnull(r, row, col)) {
        return 0;
    }
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t u = 0;
    for (int b = 0; b < len && b < 8; b++) {
        u = (u << 8) | v[b];
    }
    /* Sign-extend the narrower integer types (int2, int4). */
    if (len > 0 && len < 8 && (v[0] & 0x80u)) {
        u |= ~(uint64_t)0 << (8 * len);
    }
    return (int64_t)u;
}

void fantasy__pg_copy(const PGresult *r, int row, int col, char *dst, size_t cap) {
    size_t len = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    if (len >= cap) {
        len = cap - 1;
    }
    if (len > 0) {
        memcpy(dst, PQgetvalue(r, row, col), len);
    }
    dst[len] = '\0';
}

fantasy_status fantasy__pg_list_add(const PGresult *r, int row, int col, int64_t num,
                                    fantasy_list *out) {
    char buf[1024];
    fantasy__pg_copy(r, row, col, buf, sizeof buf);
    return fantasy_list_add(out, buf, num);
}

/* ---- errors ----------------------------------------------------------------------------- */

static int state_is(const char *s, const char *want) {
    return strncmp(s, want, strlen(want)) == 0;
}

static fantasy_status status_of(const char *sqlstate, int conn_bad) {
    if (conn_bad || state_is(sqlstate, "08") || state_is(sqlstate, "57P") ||
        state_is(sqlstate, "53300")) {
        return FANTASY_EUNAVAILABLE;
    }
    if (state_is(sqlstate, "40P01") || state_is(sqlstate, "40001")) {
        return FANTASY_ECONFLICT;
    }
    if (state_is(sqlstate, "23505")) {
        return FANTASY_EEXISTS;
    }
    if (state_is(sqlstate, "22")) {
        return FANTASY_EINVAL;
    }
    return FANTASY_EBACKEND;
}

/* libpq's messages end in a newline: cut it. */
static int trimmed(const char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ')) {
        n--;
    }
    return (int)n;
}

fantasy_status fantasy__pg_fail(PGconn *conn, const PGresult *r, const char *who) {
    const char *sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    int bad = !conn || PQstatus(conn) == CONNECTION_BAD;
    fantasy_status st = status_of(sqlstate ? sqlstate : "", bad);
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg) {
        msg = conn ? PQerrorMessage(conn) : "no connection";
    }
    if (st == FANTASY_EUNAVAILABLE) {
        return fantasy__fail(st, "%s: server unavailable: %.*s", who, trimmed(msg), msg);
    }
    return fantasy__fail(st, "%s: %s%s%.*s", who, sqlstate ? sqlstate : "", sqlstate ? ": " : "",
                         trimmed(msg), msg);
}

/* ---- connections ------------------------------------------------------------------------ */

/* Server NOTICEs (e.g. "relation already exists, skipping") are not errors: keep them off the
 * host's stderr. */
static void quiet_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

fantasy_status fantasy__pg_connect(const char *conninfo, const char *who, PGconn **out) {
    *out = NULL;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        fantasy_status st = err ? fantasy__fail(FANTASY_EINVAL, "%s: malformed conninfo: %.*s", who,
                                                trimmed(err), err)
                                : fantasy__oom();
        PQfreemem(err);
        return st;
    }
    PQconninfoFree(opts);
    /* Defaults the conninfo may override (it is expanded in place of dbname, after them): a
     * server that does not answer fails the call in 10 s instead of the TCP timeout. */
    static const char *const keys[] = { "connect_timeout", "fallback_application_name", "dbname",
                                        NULL };
    const char *const values[] = { "10", "libfantasy", conninfo, NULL };
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (!pg) {
        return fantasy__oom();
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        const char *msg = PQerrorMessage(pg);
        fantasy_status st =
            fantasy__fail(FANTASY_EUNAVAILABLE, "%s: cannot connect: %.*s", who, trimmed(msg), msg);
        PQfinish(pg);
        return st;
    }
    (void)PQsetNoticeProcessor(pg, quiet_notice, NULL);
    *out = pg;
    return FANTASY_OK;
}

static void conn_close(fantasy__pg_pool *pool, fantasy__pg_conn *c) {
    PQfinish(c->pg);
    fantasy__free(&pool->a, c);
}

/* A new connection, or NULL with *st saying why. */
static fantasy__pg_conn *conn_open(fantasy__pg_pool *pool, fantasy_status *st) {
    fantasy__pg_conn *c = fantasy__calloc(&pool->a, 1, sizeof *c);
    if (!c) {
        *st = fantasy__oom();
        return NULL;
    }
    *st = fantasy__pg_connect(pool->conninfo, pool->who, &c->pg);
    if (*st != FANTASY_OK || !c->pg) {
        fantasy__free(&pool->a, c);
        return NULL;
    }
    c->pool = pool;
    return c;
}

/* A connection for one call, or NULL with *st saying why. */
static fantasy__pg_conn *acquire(fantasy__pg_pool *pool, fantasy_status *st) {
    pthread_mutex_lock(&pool->lock);
    fantasy__pg_conn *c = pool->idle;
    if (c) {
        pool->idle = c->next;
        pool->n_idle--;
    }
    pthread_mutex_unlock(&pool->lock);
    if (c && PQstatus(c->pg) != CONNECTION_OK) {
        conn_close(pool, c);
        c = NULL;
    }
    if (c) {
        c->reused = 1;
    } else {
        c = conn_open(pool, st);
        if (!c) {
            return NULL;
        }
    }
    c->next = NULL;
    c->commands = 0;
    c->broken = 0;
    c->sqlstate[0] = '\0';
    return c;
}

static void release(fantasy__pg_pool *pool, fantasy__pg_conn *c) {
    int keep = !c->broken && PQstatus(c->pg) == CONNECTION_OK &&
               PQtransactionStatus(c->pg) == PQTRANS_IDLE;
    if (keep) {
        pthread_mutex_lock(&pool->lock);
        keep = pool->n_idle < MAX_IDLE;
        if (keep) {
            c->next = pool->idle;
            pool->idle = c;
            pool->n_idle++;
        }
        pthread_mutex_unlock(&pool->lock);
    }
    if (!keep) {
        conn_close(pool, c);
    }
}

/* ---- commands --------------------------------------------------------------------------- */

/* Account for a result: OK, or the mapped failure with the connection marked. Clears r on
 * failure. */
static fantasy_status check(fantasy__pg_conn *c, PGresult *r) {
    ExecStatusType es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK) {
        c->commands++;
        return FANTASY_OK;
    }
    const char *sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    (void)snprintf(c->sqlstate, sizeof c->sqlstate, "%s", sqlstate ? sqlstate : "");
    fantasy_status st = fantasy__pg_fail(c->pg, r, c->pool->who);
    if (st == FANTASY_EUNAVAILABLE) {
        c->broken = 1;
    }
    PQclear(r);
    return st;
}

static fantasy_status prepare(fantasy__pg_conn *c, size_t i) {
    uint64_t bit = (uint64_t)1 << i;
    if (c->prepared & bit) {
        return FANTASY_OK;
    }
    const fantasy__pg_stmt *s = &c->pool->stmts[i];
    PGresult *r = PQprepare(c->pg, s->name, s->sql, s->n_params, NULL);
    fantasy_status st = check(c, r);
    if (st == FANTASY_OK) {
        c->commands--; /* a PREPARE is not part of the work: a dead link may still be retried */
        PQclear(r);
        c->prepared |= bit;
    }
    return st;
}

fantasy_status fantasy__pg_exec(fantasy__pg_conn *c, size_t stmt, const fantasy__pg_params *params,
                                PGresult **out) {
    *out = NULL;
    fantasy_status st = prepare(c, stmt);
    if (st != FANTASY_OK) {
        return st;
    }
    const fantasy__pg_stmt *s = &c->pool->stmts[stmt];
    PGresult *r =
        PQexecPrepared(c->pg, s->name, params ? params->n : 0, params ? params->values : NULL,
                       params ? params->lengths : NULL, params ? params->formats : NULL, 1);
    st = check(c, r);
    if (st == FANTASY_OK) {
        *out = r;
    }
    return st;
}

static fantasy_status command(fantasy__pg_conn *c, const char *sql) {
    PGresult *r = PQexec(c->pg, sql);
    fantasy_status st = check(c, r);
    if (st == FANTASY_OK) {
        PQclear(r);
    }
    return st;
}

/* ROLLBACK after a failure, keeping the failure's message. */
static void rollback_quietly(fantasy__pg_conn *c) {
    if (c->broken || PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        return;
    }
    PQclear(PQexec(c->pg, "ROLLBACK"));
}

static fantasy_status run_once(fantasy__pg_conn *c, int txn, fantasy__pg_work work, void *ctx) {
    fantasy_status st = txn ? command(c, "BEGIN") : FANTASY_OK;
    if (st == FANTASY_OK) {
        c->commands = 0; /* BEGIN alone changes nothing: a dead link may still be retried */
        st = work(c, ctx);
    }
    if (txn && st == FANTASY_OK) {
        st = command(c, "COMMIT");
    } else if (txn) {
        rollback_quietly(c);
    }
    return st;
}

fantasy_status fantasy__pg_run(fantasy__pg_pool *pool, int txn, fantasy__pg_work work, void *ctx) {
    if (!pool || pool->magic != POOL_LIVE) {
        return fantasy__fail(FANTASY_EMISUSE, "postgres store: NULL or destroyed store");
    }
    int stale_retried = 0;
    for (int attempt = 1;; attempt++) {
        fantasy_status st = FANTASY_OK;
        fantasy__pg_conn *c = acquire(pool, &st);
        if (!c) {
            return st;
        }
        st = run_once(c, txn, work, ctx);
        int stale = c->broken && c->reused && c->commands == 0 && !stale_retried;
        int victim = st == FANTASY_ECONFLICT &&
                     (strcmp(c->sqlstate, "40P01") == 0 || strcmp(c->sqlstate, "40001") == 0) &&
                     attempt < MAX_CONFLICT_TRIES;
        release(pool, c);
        if (stale) {
            stale_retried = 1;
        } else if (!victim) {
            return st;
        }
    }
}

/* ---- the pool --------------------------------------------------------------------------- */

static fantasy_status first_connection(fantasy__pg_pool *pool) {
    fantasy_status st = FANTASY_OK;
    fantasy__pg_conn *c = conn_open(pool, &st);
    if (!c) {
        return st;
    }
    st = fantasy__pg_migrate(c->pg, FANTASY__PG_SCHEMA_LATEST, pool->who);
    if (st == FANTASY_OK) {
        release(pool, c);
    } else {
        conn_close(pool, c);
    }
    return st;
}

fantasy_status fantasy__pg_pool_open(const char *conninfo, const fantasy_allocator *alloc,
                                     const fantasy__pg_stmt *stmts, size_t n_stmts, const char *who,
                                     fantasy__pg_pool **out) {
    *out = NULL;
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    if (n_stmts > 64) {
        return fantasy__fail(FANTASY_EBACKEND, "%s: too many statements", who);
    }
    fantasy__pg_pool *pool = fantasy__calloc(&a, 1, sizeof *pool);
    if (!pool) {
        return fantasy__oom();
    }
    pool->a = a;
    pool->stmts = stmts;
    pool->n_stmts = n_stmts;
    pool->who = who;
    pool->conninfo = fantasy__strdup(&a, conninfo);
    if (!pool->conninfo || pthread_mutex_init(&pool->lock, NULL) != 0) {
        fantasy__free(&a, pool->conninfo);
        fantasy__free(&a, pool);
        return fantasy__oom();
    }
    pool->magic = POOL_LIVE;
    st = first_connection(pool);
    if (st != FANTASY_OK) {
        fantasy__pg_pool_close(pool);
        return st;
    }
    *out = pool;
    return FANTASY_OK;
}

void fantasy__pg_pool_close(fantasy__pg_pool *pool) {
    if (!pool || pool->magic != POOL_LIVE) {
        return;
    }
    pool->magic = POOL_DEAD;
    while (pool->idle) {
        fantasy__pg_conn *c = pool->idle;
        pool->idle = c->next;
        conn_close(pool, c);
    }
    pthread_mutex_destroy(&pool->lock);
    fantasy_allocator a = pool->a;
    fantasy__free(&a, pool->conninfo);
    fantasy__free(&a, pool);
}
