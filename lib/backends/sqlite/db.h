/* What the three SQLite stores share: a file's connection pool, its schema migrations, cached
 * prepared statements, transactions and the mapping of SQLite errors to fantasy statuses.
 *
 * A store owns one fantasy__sqlite_db. Each call takes a connection from the pool for its whole
 * duration (opening a new one when every pooled connection is busy) and gives it back at the end,
 * so concurrent threads never share a connection and a connection needs no SQLite mutex
 * (SQLITE_OPEN_NOMUTEX). Each connection prepares a store's statements once, on first use. */
#ifndef FANTASY_BACKENDS_SQLITE_DB_H
#define FANTASY_BACKENDS_SQLITE_DB_H

#include <stdint.h>

#include <sqlite3.h>

#include "fantasy/backend.h"

/* The schema version this library writes (PRAGMA user_version); files at a lower version are
 * migrated forward on open, files at a higher one are refused. */
#define FANTASY__SQLITE_SCHEMA 4

/* Statements a connection caches per store, at most. */
#define FANTASY__SQLITE_MAX_STMTS 40

/* How long a writer waits for a write lock another connection holds, in all, before the call
 * gives FANTASY_EUNAVAILABLE: up to 16 processes may queue for it; a wait that long means
 * something is stuck. */
#define FANTASY__SQLITE_BUSY_TIMEOUT_MS 10000

/* WAL frames (pages) after which the connection whose commit crossed the mark checkpoints. */
#define FANTASY__SQLITE_CHECKPOINT_FRAMES 10000

typedef struct fantasy__sqlite_db fantasy__sqlite_db;

/* A connection's busy-handler state (busy.c): when its current wait for a lock began. */
typedef struct fantasy__sqlite_busy {
    int64_t since_ns;
} fantasy__sqlite_busy;

/* Make `h` wait for locks in short steps (busy.c) for up to FANTASY__SQLITE_BUSY_TIMEOUT_MS;
 * `b` must outlive the handle. */
void fantasy__sqlite_busy_install(sqlite3 *h, fantasy__sqlite_busy *b);

/* The pause before retry `n` (0 for the first) of one wait, in ns; 0 means only yield the CPU.
 * Never more than a millisecond, so a waiter notices a released lock at once. */
int64_t fantasy__sqlite_busy_step_ns(int n);

/* One connection with its statement cache; used by one thread at a time. */
typedef struct fantasy__sqlite_conn {
    sqlite3 *db;
    const char *const *sql; /* the store's statement table */
    size_t n_sql;
    sqlite3_stmt *stmts[FANTASY__SQLITE_MAX_STMTS];
    struct fantasy__sqlite_conn *next; /* in the pool's idle list */
    struct fantasy__sqlite_db *owner;
    int writing; /* holds the owner's write mutex (between begin_write and its end) */
    fantasy__sqlite_busy busy;
    int checkpoint_due; /* the WAL grew past the checkpoint mark in this call */
} fantasy__sqlite_conn;

/* Open (creating when missing) the file at `path`, migrate it to FANTASY__SQLITE_SCHEMA and make
 * a pool whose connections cache the statements of `sql` (n_sql of them). `who` names the store
 * in messages. @return FANTASY_OK, EMISUSE, EINVAL (empty path, ":memory:" or a URI, not a
 * database, newer schema), EUNAVAILABLE (cannot open or write it), ENOMEM, EBACKEND. */
fantasy_status fantasy__sqlite_db_open(const char *path, const fantasy_allocator *alloc,
                                       const char *const *sql, size_t n_sql, const char *who,
                                       fantasy__sqlite_db **out);

/* Close every pooled connection and free the pool. Called in a process other than the one that
 * opened it (after fork), it frees only the library's memory: closing the parent's connections
 * there could delete the WAL the parent still uses. */
void fantasy__sqlite_db_close(fantasy__sqlite_db *db);

/* FANTASY_EMISUSE (with a message) in a process other than the one that opened `db`. */
fantasy_status fantasy__sqlite_check_process(const fantasy__sqlite_db *db, const char *op);

/* A connection for this call. EMISUSE in a process other than the opener's. */
fantasy_status fantasy__sqlite_acquire(fantasy__sqlite_db *db, const char *op,
                                       fantasy__sqlite_conn **out);

/* Give the connection back: its statements are reset first, so none keeps a read snapshot. A
 * connection left inside a transaction (a failed rollback) is closed instead of pooled. When the
 * call's commit made the WAL long, the checkpoint runs here, after the store's write mutex is
 * released: call it only once the call's waiters (group commit) have their results. */
void fantasy__sqlite_release(fantasy__sqlite_db *db, fantasy__sqlite_conn *c);

/* Statement `i` of the table, prepared on first use, reset and with its bindings cleared. */
fantasy_status fantasy__sqlite_stmt(fantasy__sqlite_conn *c, size_t i, const char *op,
                                    sqlite3_stmt **out);

/* Step once: *row = 1 on SQLITE_ROW, 0 on SQLITE_DONE; anything else is an error status. */
fantasy_status fantasy__sqlite_step(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op,
                                    int *row);

/* Step a statement that returns no rows (or whose rows do not matter) to the end. */
fantasy_status fantasy__sqlite_exec_stmt(fantasy__sqlite_conn *c, sqlite3_stmt *s, const char *op);

/* BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout), BEGIN (a read snapshot),
 * COMMIT and ROLLBACK. Writers of one store first queue on the store's write mutex: threads of
 * one process then hand the file's write lock over at once, instead of polling for it in
 * the busy handler (busy.c), which sleeps between tries. The mutex is released
 * when the transaction ends (commit, rollback or release of the connection). */
fantasy_status fantasy__sqlite_begin_write(fantasy__sqlite_conn *c, const char *op);
fantasy_status fantasy__sqlite_begin_read(fantasy__sqlite_conn *c, const char *op);
fantasy_status fantasy__sqlite_commit(fantasy__sqlite_conn *c, const char *op);
void fantasy__sqlite_rollback(fantasy__sqlite_conn *c);

/* Finish a transaction by the call's status: commit on FANTASY_OK (its failure becomes the
 * status), else roll back and keep the status. */
fantasy_status fantasy__sqlite_end(fantasy__sqlite_conn *c, fantasy_status st, const char *op);

/* Map SQLite result `rc` to a status with a message naming `op` and sqlite3_errmsg. */
fantasy_status fantasy__sqlite_fail(sqlite3 *db, int rc, const char *op);

/* Bind helpers: NUL-terminated text without a copy (the caller's string outlives the step). */
fantasy_status fantasy__sqlite_bind_text(fantasy__sqlite_conn *c, sqlite3_stmt *s, int i,
                                         const char *text, const char *op);
fantasy_status fantasy__sqlite_bind_int(fantasy__sqlite_conn *c, sqlite3_stmt *s, int i, int64_t v,
                                        const char *op);

/* Copy column `col` (text) into `dst` of `cap` bytes, NUL-terminated, cut short if needed. */
void fantasy__sqlite_column_copy(sqlite3_stmt *s, int col, char *dst, size_t cap);

/* 1 when `s` is a usable id (1 to FANTASY_ID_MAX - 1 bytes). */
int fantasy__sqlite_id_ok(const char *s);

/* Schema (schema.c): bring the file behind `db` from its PRAGMA user_version up to `target` under
 * BEGIN IMMEDIATE, one ordered step at a time. A file newer than FANTASY__SQLITE_SCHEMA →
 * FANTASY_EINVAL. `path` names the file in messages. */
fantasy_status fantasy__sqlite_migrate(sqlite3 *db, int target, const char *path);

/* Test hook: create or migrate the file at `path` only up to schema `version` (1 ..
 * FANTASY__SQLITE_SCHEMA), so a test can fill a file of an older release and then open it with
 * the current code. @return as fantasy__sqlite_db_open(). */
fantasy_status fantasy__sqlite_migrate_to(const char *path, int version);

#endif
