/**
 * @file backends/postgres.h
 * @brief PostgreSQL stores: the scale-out system of record (`store=postgres:CONNINFO`).
 *
 * Documents are JSONB rows with their index keys in a side table; stock and holds are rows
 * changed by single conditional statements, never a read-modify-write across round trips. Each
 * store keeps a small pool of connections (at most one per thread using it) with prepared
 * statements; a dropped connection is reopened on the next call, and calls made while the server
 * is unreachable fail with FANTASY_EUNAVAILABLE without writing anything. The schema is created
 * and migrated forward through a `fantasy_schema_version` table; a database from a newer release
 * is refused. Many processes and hosts may share one database.
 *
 * Documents round-trip byte for byte, JSON or not: the bytes are kept as they were put, and
 * beside them (column `body`) their JSONB reading, NULL when they are not JSON, for queries in
 * the database. All three stores of one conninfo share its schema (search_path): pass
 * `options='-csearch_path=NAME'` in the conninfo to keep several parks in one database.
 * Reserves, moves of a hold and joins are single calls of server-side PL/pgSQL functions, one
 * round trip each; position() reads O(log n) rows of a per-ride rank tree (schema version 5),
 * kept in the same transaction as every join, call and leave.
 *
 * Available when the library was built with libpq (FANTASY_WITH_POSTGRES).
 */
#ifndef FANTASY_BACKENDS_POSTGRES_H
#define FANTASY_BACKENDS_POSTGRES_H

#include "fantasy/backend.h"

FANTASY_BEGIN_DECLS

/**
 * A record store in the database `conninfo` names.
 * @param conninfo libpq connection string ("host=... port=... dbname=...") or postgresql:// URI.
 * @param alloc allocator for the library's own memory (NULL: libc); libpq allocates on its own.
 * @param out filled on success; release with `out->destroy(out->self)`.
 * @return FANTASY_OK; FANTASY_EMISUSE (NULL conninfo or out); FANTASY_EINVAL (malformed
 *         conninfo, or a schema from a newer release); FANTASY_EUNAVAILABLE (server unreachable or
 *         refusing the login); FANTASY_EBACKEND (other server errors); FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_postgres_record_store_open(const char *conninfo,
                                                              const fantasy_allocator *alloc,
                                                              fantasy_record_store *out);

/**
 * A stock store in that database: a reserve is one conditional UPDATE … RETURNING plus the hold
 * row in one transaction. @return as fantasy_postgres_record_store_open(). @thread any
 */
FANTASY_API fantasy_status fantasy_postgres_stock_store_open(const char *conninfo,
                                                             const fantasy_allocator *alloc,
                                                             fantasy_stock_store *out);

/**
 * A queue store in that database. @return as fantasy_postgres_record_store_open().
 * @thread any
 */
FANTASY_API fantasy_status fantasy_postgres_queue_store_open(const char *conninfo,
                                                             const fantasy_allocator *alloc,
                                                             fantasy_queue_store *out);

FANTASY_END_DECLS

#endif /* FANTASY_BACKENDS_POSTGRES_H */
