/* Allocation through the park's allocator (lib/core/alloc.c is the only place that calls libc
 * malloc). Buffers handed to the host carry a hidden header naming their allocator, so
 * fantasy_free() needs no park. */
#ifndef FANTASY_CORE_ALLOC_H
#define FANTASY_CORE_ALLOC_H

#include <stddef.h>

#include "fantasy/backend.h"

/* The libc allocator, as a normalized allocator (all three methods set). */
const fantasy_allocator *fantasy__libc_allocator(void);

/* Normalize a host allocator into `out`: NULL or all-NULL → libc; some NULL → FANTASY_EINVAL. */
fantasy_status fantasy__allocator_normalize(const fantasy_allocator *in, fantasy_allocator *out);

/* a is never NULL below: pass fantasy__libc_allocator() when there is no park. */
void *fantasy__alloc(const fantasy_allocator *a, size_t n);
void *fantasy__calloc(const fantasy_allocator *a, size_t count, size_t size);
void *fantasy__realloc(const fantasy_allocator *a, void *p, size_t n);
void fantasy__free(const fantasy_allocator *a, void *p);
char *fantasy__strdup(const fantasy_allocator *a, const char *s);
char *fantasy__strndup(const fantasy_allocator *a, const char *s, size_t n);

/* A NUL-terminated copy of `len` bytes the host frees with fantasy_free(). */
char *fantasy__out_strndup(const fantasy_allocator *a, const char *s, size_t len);

#endif
