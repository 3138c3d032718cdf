/* A test allocator that fails its Nth allocation (SQLite's faultsim idea) and counts what is
 * still allocated, shared by the allocation-failure sweeps. */
#ifndef FANTASY_TESTS_FAULTY_ALLOC_H
#define FANTASY_TESTS_FAULTY_ALLOC_H

#include <pthread.h>
#include <stdlib.h>

#include "fantasy/backend.h"

typedef struct faulty {
    pthread_mutex_t lock;
    long fail_at; /* the allocation number that fails; 0 = never */
    long count;
    long live; /* allocations not yet freed */
    int failed;
} faulty;

static int should_fail(faulty *f) {
    pthread_mutex_lock(&f->lock);
    int fail = f->fail_at > 0 && ++f->count == f->fail_at;
    f->failed |= fail;
    pthread_mutex_unlock(&f->lock);
    return fail;
}

static void count_live(faulty *f, long delta) {
    pthread_mutex_lock(&f->lock);
    f->live += delta;
    pthread_mutex_unlock(&f->lock);
}

static void *f_alloc(void *self, size_t n) {
    faulty *f = self;
    void *p = should_fail(f) ? NULL : malloc(n);
    if (p) {
        count_live(f, 1);
    }
    return p;
}

static void *f_realloc(void *self, void *p, size_t n) {
    faulty *f = self;
    if (should_fail(f)) {
        return NULL;
    }
    void *q = realloc(p, n);
    if (q && !p) {
        count_live(f, 1);
    }
    return q;
}

static void f_free(void *self, void *p) {
    if (p) {
        count_live(self, -1);
        free(p);
    }
}

/* The allocator vtable over `f`. */
static fantasy_allocator faulty_allocator(faulty *f) {
    fantasy_allocator a = { FANTASY_ALLOCATOR_VERSION, f, f_alloc, f_realloc, f_free };
    return a;
}

#endif
