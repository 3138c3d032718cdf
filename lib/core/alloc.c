/* Allocation through the park's allocator; the one file that calls libc malloc. */
#include "core/alloc.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "fantasy/park.h"

#include "core/error.h"

static void *libc_alloc(void *self, size_t n) {
    (void)self;
    return malloc(n);
}

static void *libc_realloc(void *self, void *p, size_t n) {
    (void)self;
    return realloc(p, n);
}

static void libc_free(void *self, void *p) {
    (void)self;
    free(p);
}

static const fantasy_allocator libc_allocator = {
    .version = FANTASY_ALLOCATOR_VERSION,
    .self = NULL,
    .alloc = libc_alloc,
    .realloc = libc_realloc,
    .free = libc_free,
};

const fantasy_allocator *fantasy__libc_allocator(void) {
    return &libc_allocator;
}

fantasy_status fantasy__allocator_normalize(const fantasy_allocator *in, fantasy_allocator *out) {
    if (!in || (!in->alloc && !in->realloc && !in->free)) {
        *out = libc_allocator;
        return FANTASY_OK;
    }
    if (in->version == 0 || in->version > FANTASY_ALLOCATOR_VERSION) {
        return fantasy__fail(FANTASY_EINVAL, "allocator: unsupported version %u", in->version);
    }
    if (!in->alloc || !in->realloc || !in->free) {
        return fantasy__fail(FANTASY_EINVAL, "allocator: alloc, realloc and free must all be set "
                                             "(or all NULL for libc)");
    }
    *out = *in;
    return FANTASY_OK;
}

void *fantasy__alloc(const fantasy_allocator *a, size_t n) {
    return a->alloc(a->self, n ? n : 1);
}

void *fantasy__calloc(const fantasy_allocator *a, size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = fantasy__alloc(a, count * size);
    if (p) {
        memset(p, 0, (count * size) != 0 ? count * size : 1);
    }
    return p;
}

void *fantasy__realloc(const fantasy_allocator *a, void *p, size_t n) {
    return a->realloc(a->self, p, n ? n : 1);
}

void fantasy__free(const fantasy_allocator *a, void *p) {
    if (p) {
        a->free(a->self, p);
    }
}

char *fantasy__strndup(const fantasy_allocator *a, const char *s, size_t n) {
    char *d = fantasy__alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *fantasy__strdup(const fantasy_allocator *a, const char *s) {
    return fantasy__strndup(a, s, strlen(s));
}

/* What precedes every buffer handed to the host: enough to free it without a park. */
typedef struct out_header {
    void (*free_fn)(void *self, void *p);
    void *self;
    alignas(max_align_t) unsigned char data[];
} out_header;

char *fantasy__out_strndup(const fantasy_allocator *a, const char *s, size_t len) {
    if (len > SIZE_MAX - sizeof(out_header) - 1) {
        return NULL;
    }
    out_header *h = fantasy__alloc(a, sizeof(out_header) + len + 1);
    if (!h) {
        return NULL;
    }
    h->free_fn = a->free;
    h->self = a->self;
    memcpy(h->data, s, len);
    h->data[len] = '\0';
    return (char *)h->data;
}

FANTASY_API void fantasy_free(void *p) {
    if (!p) {
        return;
    }
    out_header *h = (out_header *)((unsigned char *)p - offsetof(out_header, data));
    h->free_fn(h->self, h);
}
