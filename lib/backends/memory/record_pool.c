/* Blocks for the in-memory record store's document versions and key nodes, carved from big
 * chunks and recycled through free lists by size class.
 *
 * Every order leaves a couple of kilobytes of new versions behind, so a store mostly grows.
 * glibc grows a thread's arena a page at a time, with an mprotect call (which splits and
 * merges the mapping) every two or three orders; that was a sixth to a quarter of an order's
 * profile. A lane's chunks double from 64 KB to 4 MB, so a small store stays small and a big
 * one asks the allocator once per thousand orders or so. A freed block goes back to the free
 * list of the lane that carved it, so a thread that frees what another one made does not hoard
 * it; chunks go back to the allocator only when the store is destroyed. */
#include <pthread.h>
#include <stdint.h>
#if defined(__linux__)
#    include <sys/mman.h>
#endif

#include "backends/memory/record_internal.h"
#include "core/alloc.h"
#include "core/error.h"

#if defined(__SANITIZE_ADDRESS__)
#    define POOL_ASAN 1
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define POOL_ASAN 1
#    endif
#endif

#ifdef POOL_ASAN
#    include <sanitizer/asan_interface.h>
/* Free and not yet carved bytes are poisoned, so ASan still sees a use after free. */
#    define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#    define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#    define POISON(p, n)   ((void)(p), (void)(n))
#    define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define GRAIN ((size_t)32)
/* A lane's chunks double from the first to the last size: a small store stays small. */
#define FIRST_CHUNK ((size_t)64 * 1024)
#define LAST_CHUNK  ((size_t)4 * 1024 * 1024)
/* Pages of a chunk are mapped this many bytes ahead of the carving, in one call. */
#define READY_AHEAD ((size_t)64 * 1024)
#define PAGE        ((uintptr_t)4096)

/* A chunk starts with the link to the lane's previous chunk and its own size. */
typedef struct chunk_head {
    struct chunk_head *older;
    size_t size;
} chunk_head;

#define CHUNK_HEAD sizeof(chunk_head)

/* In front of every block. `cls` 0: a block too big for a class, straight from the allocator. */
typedef struct block {
    struct block *next; /* in a free list */
    uint32_t cls;       /* size in GRAINs, header included */
    uint32_t lane;
} block;

_Static_assert(sizeof(block) == 16, "blocks stay 16-byte aligned");
_Static_assert(sizeof(chunk_head) % 16 == 0 && GRAIN % 16 == 0, "blocks stay 16-byte aligned");

/* This thread's lane, told by where its stack is (threads' stacks lie megabytes apart; no
 * thread-local or global state): a few threads rarely share one, and if they do they only
 * share its lock. */
static unsigned my_lane(void) {
    char here = 0;
    uint64_t at = (uint64_t)(uintptr_t)&here >> 20;
    return (unsigned)((at * 0x9e3779b97f4a7c15ULL) >> 61) % FANTASY__REC_POOL_LANES;
}

fantasy_status fantasy__rec_pool_init(fantasy__rec_pool *p, const fantasy_allocator *a) {
    p->a = a;
    for (size_t i = 0; i < FANTASY__REC_POOL_LANES; i++) {
        fantasy__rec_lane *l = &p->lanes[i];
        for (size_t c = 0; c <= FANTASY__REC_POOL_CLASSES; c++) {
            l->free[c] = NULL;
        }
        l->bump = l->end = l->ready = NULL;
        l->chunks = NULL;
        l->next_chunk = 0;
        if (pthread_mutex_init(&l->lock, NULL) != 0) {
            while (i-- > 0) {
                (void)pthread_mutex_destroy(&p->lanes[i].lock);
            }
            return fantasy__oom();
        }
    }
    return FANTASY_OK;
}

void fantasy__rec_pool_destroy(fantasy__rec_pool *p) {
    for (size_t i = 0; i < FANTASY__REC_POOL_LANES; i++) {
        fantasy__rec_lane *l = &p->lanes[i];
        chunk_head *c = l->chunks;
        while (c) {
            UNPOISON(c, c->size);
            chunk_head *older = c->older;
            fantasy__free(p->a, c);
            c = older;
        }
        (void)pthread_mutex_destroy(&l->lock);
    }
}

/* Map the chunk's next pages before the carving reaches them. A growing store writes every byte
 * of its chunks, and a page fault per 4 KB page (a trap, costlier still in a virtual machine)
 * was about a tenth of an order's CPU; one madvise maps 16 pages. Only a window ahead, so the
 * pages are still in the cache when the blocks carved from them are written. Advice only: a
 * kernel without MADV_POPULATE_WRITE, or memory that cannot take it, just faults as before. */
static void get_ready(fantasy__rec_lane *l, size_t size) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    if (l->bump + size <= l->ready || l->ready >= l->end) {
        return;
    }
    size_t skip = (size_t)((PAGE - (uintptr_t)l->ready % PAGE) % PAGE);
    if (skip >= (size_t)(l->end - l->ready)) {
        l->ready = l->end;
        return;
    }
    char *from = l->ready + skip;
    size_t room = (size_t)(l->end - l->bump);
    char *want = l->bump + (size + READY_AHEAD < room ? size + READY_AHEAD : room);
    char *to = want - (uintptr_t)want % PAGE;
    if (to > from) {
        (void)madvise(from, (size_t)(to - from), MADV_POPULATE_WRITE);
        l->ready = to;
    } else {
        l->ready = l->end;
    }
#else
    (void)l;
    (void)size;
#endif
}

/* A block of `size` bytes (a multiple of GRAIN) from the lane's chunk, after starting a new
 * chunk when the rest of this one is too small (the rest is left unused). Lane locked. */
static block *carve(fantasy__rec_pool *p, fantasy__rec_lane *l, size_t size) {
    if ((size_t)(l->end - l->bump) < size) {
        size_t chunk = l->next_chunk ? l->next_chunk : FIRST_CHUNK;
        char *c = fantasy__alloc(p->a, chunk);
        if (!c) {
            return NULL;
        }
        l->next_chunk = chunk < LAST_CHUNK ? chunk * 2 : chunk;
        chunk_head *head = (chunk_head *)(void *)c;
        head->older = l->chunks;
        head->size = chunk;
        l->chunks = head;
        l->bump = c + CHUNK_HEAD;
        l->end = c + chunk;
        l->ready = l->bump;
        POISON(l->bump, chunk - CHUNK_HEAD);
    }
    get_ready(l, size);
    block *b = (block *)(void *)l->bump;
    l->bump += size;
    return b;
}

void *fantasy__rec_pool_alloc(fantasy__rec_pool *p, size_t n) {
    if (n > (size_t)FANTASY__REC_POOL_CLASSES * GRAIN - sizeof(block)) {
        block *b = n <= SIZE_MAX - sizeof(block) ? fantasy__alloc(p->a, sizeof(block) + n) : NULL;
        if (!b) {
            return NULL;
        }
        b->next = NULL;
        b->cls = 0;
        b->lane = 0;
        return b + 1;
    }
    uint32_t cls = (uint32_t)((n + sizeof(block) + GRAIN - 1) / GRAIN);
    unsigned lane = my_lane();
    fantasy__rec_lane *l = &p->lanes[lane];
    (void)pthread_mutex_lock(&l->lock);
    block *b = l->free[cls];
    if (b) {
        UNPOISON(b + 1, (size_t)cls * GRAIN - sizeof(block));
        l->free[cls] = b->next;
    } else {
        b = carve(p, l, (size_t)cls * GRAIN);
        if (b) {
            UNPOISON(b, (size_t)cls * GRAIN);
        }
    }
    (void)pthread_mutex_unlock(&l->lock);
    if (!b) {
        return NULL;
    }
    b->cls = cls;
    b->lane = lane;
    return b + 1;
}

void fantasy__rec_pool_free(fantasy__rec_pool *p, void *ptr) {
    if (!ptr) {
        return;
    }
    block *b = (block *)ptr - 1;
    if (b->cls == 0) {
        fantasy__free(p->a, b);
        return;
    }
    POISON(ptr, (size_t)b->cls * GRAIN - sizeof(block));
    fantasy__rec_lane *l = &p->lanes[b->lane];
    (void)pthread_mutex_lock(&l->lock);
    b->next = l->free[b->cls];
    l->free[b->cls] = b;
    (void)pthread_mutex_unlock(&l->lock);
}
