/* Building the park's backends from config strings (lib/core/backends.c). */
#ifndef FANTASY_CORE_BACKENDS_H
#define FANTASY_CORE_BACKENDS_H

#include "fantasy/backend.h"

#include "core/conf_internal.h"
#include "core/settings.h"

fantasy_status fantasy__build_record_store(const fantasy__settings *s, const fantasy_allocator *a,
                                           fantasy_record_store *out);
fantasy_status fantasy__build_stock_store(const fantasy__settings *s, const fantasy_allocator *a,
                                          fantasy_stock_store *out);
fantasy_status fantasy__build_queue_store(const fantasy__settings *s, const fantasy_allocator *a,
                                          fantasy_queue_store *out);
fantasy_status fantasy__build_clock(const fantasy__settings *s, int64_t now_ms, fantasy_clock *out);
/* `records` is the park's record store (the sandbox keeps its payments there); it must outlive
 * the provider. */
fantasy_status fantasy__build_payment_provider(const fantasy__settings *s,
                                               const fantasy_allocator *a,
                                               const fantasy_record_store *records,
                                               fantasy_payment_provider *out);

/* The in-process payment simulator (lib/providers/sandbox/), keeping its requests and captures
 * in `records`, which must outlive it. */
fantasy_status fantasy__sandbox_provider_open(const fantasy_allocator *a,
                                              const fantasy_record_store *records,
                                              fantasy_payment_provider *out);

#endif
