/* Fenwick tree for the in-memory queue store (queue_fenwick.h). */
#include "backends/memory/queue_fenwick.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

#define MIN_CAP 64

static fantasy_status grow_array(const fantasy_allocator *a, int64_t **arr, size_t cap) {
    int64_t *p = fantasy__realloc(a, *arr, (cap + 1) * sizeof *p);
    if (!p) {
        return fantasy__oom();
    }
    *arr = p;
    return FANTASY_OK;
}

/* Doubling a power-of-two tree needs no rebuild: a new node i in (N, 2N) covers only new, empty
 * positions, so it is 0; node 2N covers everything, which node N already sums. */
static void extend_sums(int64_t *t, size_t old_cap, size_t cap) {
    memset(t + old_cap + 1, 0, (cap - old_cap) * sizeof *t);
    for (size_t m = old_cap ? old_cap * 2 : cap + 1; m <= cap; m *= 2) {
        t[m] = t[m / 2];
    }
}

fantasy_status fantasy__fenwick_grow(fantasy__fenwick *f, const fantasy_allocator *a, size_t need) {
    if (need <= f->cap) {
        return FANTASY_OK;
    }
    size_t cap = f->cap ? f->cap : MIN_CAP;
    while (cap < need) {
        if (cap > SIZE_MAX / 4 / sizeof(int64_t)) {
            return fantasy__oom();
        }
        cap *= 2;
    }
    /* Either realloc may fail; cap moves only when both succeeded, so the sums stay valid. */
    if (grow_array(a, &f->cnt, cap) != FANTASY_OK || grow_array(a, &f->ppl, cap) != FANTASY_OK) {
        return fantasy__oom();
    }
    if (f->cap == 0) {
        f->cnt[0] = 0;
        f->ppl[0] = 0;
    }
    extend_sums(f->cnt, f->cap, cap);
    extend_sums(f->ppl, f->cap, cap);
    f->cap = cap;
    return FANTASY_OK;
}

void fantasy__fenwick_add(fantasy__fenwick *f, size_t i, int64_t dcnt, int64_t dppl) {
    for (; i <= f->cap; i += i & (~i + 1)) {
        f->cnt[i] += dcnt;
        f->ppl[i] += dppl;
    }
}

void fantasy__fenwick_prefix(const fantasy__fenwick *f, size_t i, int64_t *cnt, int64_t *ppl) {
    int64_t c = 0;
    int64_t p = 0;
    for (; i > 0; i -= i & (~i + 1)) {
        c += f->cnt[i];
        p += f->ppl[i];
    }
    *cnt = c;
    *ppl = p;
}

void fantasy__fenwick_free(fantasy__fenwick *f, const fantasy_allocator *a) {
    fantasy__free(a, f->cnt);
    fantasy__free(a, f->ppl);
    f->cnt = NULL;
    f->ppl = NULL;
    f->cap = 0;
}
