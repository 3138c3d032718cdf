/**
 * @file backends/memory.h
 * @brief In-memory backends a host can build and inject itself (they then outlive any park).
 *
 * Each `_open` fills a vtable whose `destroy` the host calls when done; a park opened on an
 * injected vtable never destroys it, so a test can close a park and reopen another on the same
 * state. All are safe under many threads.
 */
#ifndef FANTASY_BACKENDS_MEMORY_H
#define FANTASY_BACKENDS_MEMORY_H

#include "fantasy/backend.h"

FANTASY_BEGIN_DECLS

/**
 * A record store in memory.
 * @param alloc allocator for its memory (NULL: libc); copied.
 * @param out filled on success; release with `out->destroy(out->self)`.
 * @return FANTASY_OK, FANTASY_EMISUSE (NULL out), FANTASY_EINVAL (bad allocator), FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_memory_record_store_open(const fantasy_allocator *alloc,
                                                            fantasy_record_store *out);

/**
 * A stock store in memory: per-product locks, never one lock for all products.
 * @return as fantasy_memory_record_store_open(). @thread any
 */
FANTASY_API fantasy_status fantasy_memory_stock_store_open(const fantasy_allocator *alloc,
                                                           fantasy_stock_store *out);

/**
 * A queue store in memory: position lookups in O(log n) per ride.
 * @return as fantasy_memory_record_store_open(). @thread any
 */
FANTASY_API fantasy_status fantasy_memory_queue_store_open(const fantasy_allocator *alloc,
                                                           fantasy_queue_store *out);

/**
 * A manual clock starting at `start_ms`; it moves only through its `advance` method.
 * @return FANTASY_OK, FANTASY_EMISUSE, FANTASY_EINVAL (start_ms < 0), FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_clock_manual_open(int64_t start_ms, fantasy_clock *out);

/**
 * The system clock (CLOCK_REALTIME, kept monotonic).
 * @return FANTASY_OK, FANTASY_EMISUSE, FANTASY_ENOMEM. @thread any
 */
FANTASY_API fantasy_status fantasy_clock_system_open(fantasy_clock *out);

FANTASY_END_DECLS

#endif /* FANTASY_BACKENDS_MEMORY_H */
