/**
 * @file backends/sqlite.h
 * @brief SQLite stores: the embedded durable default (`store=sqlite:PATH`).
 *
 * One file holds the record, stock and queue tables; each store opened on a path keeps its own
 * pool of connections to it (a call uses one connection of its own, so threads never share
 * one), so the three may be opened on the same file, by several threads and by several
 * processes at once. The file runs in WAL mode (readers never wait for the writer); a writer
 * waits for the write lock in steps of at most 1 ms, 10 s in all: a write still locked out after
 * that fails with FANTASY_EUNAVAILABLE. The log is checkpointed every 10,000 pages (about 40 MB)
 * outside any commit.
 * Writes take the write lock up front (`BEGIN IMMEDIATE`), so no two processes can sell the
 * same unit. Commits use synchronous=NORMAL: a killed process loses nothing it committed; an OS
 * crash or power cut may roll back the last commits, never corrupting the file.
 *
 * The schema is created on first open and migrated forward on later opens (`PRAGMA
 * user_version`, one ordered step at a time in one transaction); a file written by a newer
 * release is refused.
 *
 * A store belongs to the process that opened it: after fork() the child gets FANTASY_EMISUSE
 * from the parent's store and opens its own (its `destroy` then frees only memory, leaving the
 * parent's connections alone).
 *
 * SQLite errors map to statuses with a message naming the operation and SQLite's own text:
 * busy, locked, read-only or unopenable → FANTASY_EUNAVAILABLE; not a database →
 * FANTASY_EINVAL; out of memory → FANTASY_ENOMEM; disk full, I/O errors, corruption →
 * FANTASY_EBACKEND.
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
 * @return FANTASY_OK; FANTASY_EMISUSE (NULL path or out); FANTASY_EINVAL (empty path,
 *         ":memory:" or a URI, an allocator with some methods NULL, a file that is not a
 *         database, or one from a newer schema); FANTASY_EUNAVAILABLE (cannot open or create the
 *         file, it is read-only, or another process kept it locked past the busy timeout while
 *         migrating); FANTASY_EBACKEND (an I/O error or a corrupt file); FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_record_store_open(const char *path,
                                                            const fantasy_allocator *alloc,
                                                            fantasy_record_store *out);

/**
 * A stock store in the SQLite file at `path`: a reserve is the hold row and one conditional
 * UPDATE (enough units left, the user within the limit) in a short IMMEDIATE transaction.
 * Reserves that threads of one process make while a transaction runs share the next one (group
 * commit); a refused reserve writes nothing, so each still succeeds or fails alone, and each
 * returns once committed. `reserve_many` runs its items in one transaction the same way;
 * `counts_many` reads one snapshot.
 * @return as fantasy_sqlite_record_store_open(). @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_stock_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_stock_store *out);

/**
 * A queue store in the SQLite file at `path`. `position` sums a per-ride Fenwick tree: O(log n)
 * keyed row reads. @return as fantasy_sqlite_record_store_open().
 * @thread any
 */
FANTASY_API fantasy_status fantasy_sqlite_queue_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_queue_store *out);

FANTASY_END_DECLS

#endif /* FANTASY_BACKENDS_SQLITE_H */
