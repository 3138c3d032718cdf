/**
 * @file backends/sqlite.h
 * @brief SQLite stores: the embedded durable default (`store=sqlite:PATH`).
 *
 * One file holds the record, stock and queue tables; each store opened on a path keeps its own
 * connections to it (one per thread that uses it), so the three may be opened on the same file,
 * by several threads and by several processes at once. The file runs in WAL mode with a busy
 * timeout; writes take the write lock up front (`BEGIN IMMEDIATE`), so no two processes can sell
 * the same unit. The schema is created on first open and migrated forward on later opens
 * (`PRAGMA user_version`); a file written by a newer release is refused.
 *
 * Available when the library was built with SQLite (FANTASY_WITH_SQLITE).
 */
#ifndef FANTASY_BACKENDS_SQLITE_H
#define FANTASY_BACKENDS_SQLITE_H

#include "fantasy/backend.h"

FANTASY_BEGIN_DECLS

/**
 * A record store in the SQLite file at `path` (created when missing).
 * @param path file name (UTF-8); ":memory:" and URIs are refused (several connections must
 *        share one database).
 * @param alloc allocator for the library's own memory (NULL: libc); SQLite allocates on its own.
 * @param out filled on success; release with `out->destroy(out->self)`.
 * @return FANTASY_OK; FANTASY_EMISUSE (NULL path or out); FANTASY_EINVAL (empty path, a file
 *         that is not a database, or one from a newer schema); FANTASY_EUNAVAILABLE (cannot open
 *         or create the file, or it is read-only); FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_record_store_open(const char *path,
                                                            const fantasy_allocator *alloc,
                                                            fantasy_record_store *out);

/**
 * A stock store in the SQLite file at `path`: a reserve is one conditional UPDATE in a short
 * IMMEDIATE transaction. @return as fantasy_sqlite_record_store_open(). @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_stock_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_stock_store *out);

/**
 * A queue store in the SQLite file at `path`. @return as fantasy_sqlite_record_store_open().
 * @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_queue_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_queue_store *out);

FANTASY_END_DECLS

#endif /* FANTASY_BACKENDS_SQLITE_H */
