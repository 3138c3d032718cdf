/* The PostgreSQL stores' shared plumbing: a small connection pool with prepared statements,
 * binary parameters and results, error mapping, and a transaction runner that retries what is
 * safe to retry. Private to lib/backends/postgres. */
#ifndef FANTASY_BACKENDS_POSTGRES_POOL_H
#define FANTASY_BACKENDS_POSTGRES_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "fantasy/backend.h"

/* One prepared statement: its name on the connection, its text and parameter count. Every
 * parameter is sent in binary and every statement casts its parameters ($1::bytea, $2::int8),
 * so the binary format always matches the server's type. */
typedef struct fantasy__pg_stmt {
    const char *name;
    const char *sql;
    int n_params;
} fantasy__pg_stmt;

/* A pooled connection, used by one thread at a time. */
typedef struct fantasy__pg_conn fantasy__pg_conn;

typedef struct fantasy__pg_pool fantasy__pg_pool;

#define FANTASY__PG_MAX_PARAMS 8

/* Binary parameters of one statement; int8 values live in `ints`. */
typedef struct fantasy__pg_params {
    const char *values[FANTASY__PG_MAX_PARAMS];
    int lengths[FANTASY__PG_MAX_PARAMS];
    int formats[FANTASY__PG_MAX_PARAMS];
    unsigned char ints[FANTASY__PG_MAX_PARAMS][8];
    int n;
} fantasy__pg_params;

void fantasy__pg_params_init(fantasy__pg_params *p);
/* A bytea parameter of `len` bytes (NULL with len 0 is the empty string, not SQL NULL). */
void fantasy__pg_param_bytes(fantasy__pg_params *p, const void *data, size_t len);
/* A bytea parameter holding the string without its NUL. */
void fantasy__pg_param_str(fantasy__pg_params *p, const char *s);
void fantasy__pg_param_i64(fantasy__pg_params *p, int64_t v);

/* Open a pool on `conninfo` for statements `stmts` (static, kept by pointer). One connection is
 * made at once, so a bad conninfo or an unreachable server fails here; the schema is migrated
 * on it. `who` names the store in messages ("postgres stock store").
 * @return FANTASY_OK, EINVAL (malformed conninfo, schema too new), EUNAVAILABLE, EBACKEND,
 * ENOMEM. */
fantasy_status fantasy__pg_pool_open(const char *conninfo, const fantasy_allocator *alloc,
                                     const fantasy__pg_stmt *stmts, size_t n_stmts, const char *who,
                                     fantasy__pg_pool **out);
void fantasy__pg_pool_close(fantasy__pg_pool *pool);

/* Work done on one connection; called again from the start when the runner retries, so it must
 * reset whatever it writes to its context on entry. */
typedef fantasy_status (*fantasy__pg_work)(fantasy__pg_conn *c, void *ctx);

/* Run `work` on a connection of the pool, inside BEGIN … COMMIT when `txn` (ROLLBACK when
 * `work` fails). A deadlock or serialization failure is retried a few times; a pooled
 * connection found dead on its first command is reopened and the work retried once, since the
 * server has seen nothing of it. A connection that breaks later is dropped and the call fails
 * with FANTASY_EUNAVAILABLE (a transaction cut short commits nothing). */
fantasy_status fantasy__pg_run(fantasy__pg_pool *pool, int txn, fantasy__pg_work work, void *ctx);

/* Execute prepared statement `stmt` (an index into the pool's table), preparing it on this
 * connection first if needed. On success *out is a result the caller PQclear()s. Errors map to
 * statuses: connection loss → EUNAVAILABLE; unique violation → EEXISTS; bad values → EINVAL;
 * deadlock or serialization failure → ECONFLICT (retried by fantasy__pg_run); else EBACKEND. */
fantasy_status fantasy__pg_exec(fantasy__pg_conn *c, size_t stmt, const fantasy__pg_params *params,
                                PGresult **out);

/* Binary result fields. NULL reads as 0 / empty. */
int64_t fantasy__pg_int(const PGresult *r, int row, int col);
/* Copy a bytea field into `dst` (cap bytes, NUL-terminated, cut to fit). */
void fantasy__pg_copy(const PGresult *r, int row, int col, char *dst, size_t cap);
/* Append a bytea field (NUL-free) with `num` to `out`. */
fantasy_status fantasy__pg_list_add(const PGresult *r, int row, int col, int64_t num,
                                    fantasy_list *out);

/* Connect once, outside any pool, for the migration hook and the stores' open: sets the
 * notice processor. @return FANTASY_OK, EINVAL (malformed conninfo), EUNAVAILABLE. */
fantasy_status fantasy__pg_connect(const char *conninfo, const char *who, PGconn **out);
/* The status for a failed result on `conn` (sets the thread's message). */
fantasy_status fantasy__pg_fail(PGconn *conn, const PGresult *r, const char *who);

#endif
