/* @label concurrency */
/* The memory record store's block pool (record_pool.c): blocks of every size are usable and
 * aligned, freed blocks are reused instead of growing the pool, big blocks come straight from
 * the allocator, running out of memory fails cleanly, blocks freed by another thread than the
 * one that made them go back where they came from, and destroy gives everything back. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backends/memory/record_internal.h"
#include "unit/faulty_alloc.h"

#define THREADS 4
#define ROUNDS  20000

static void test_sizes_and_reuse(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy__rec_pool p;
    assert_int_equal(fantasy__rec_pool_init(&p, &a), FANTASY_OK);
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 1000, 2000, 2032, 2033, 5000, 100000 };
    void *blocks[sizeof sizes / sizeof sizes[0]];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blocks[i] = fantasy__rec_pool_alloc(&p, sizes[i]);
        assert_non_null(blocks[i]);
        assert_int_equal((uintptr_t)blocks[i] % 16, 0);
        memset(blocks[i], (int)i + 1, sizes[i]);
    }
    /* Nothing overlaps: every block still holds its own bytes. */
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const unsigned char *b = blocks[i];
        for (size_t k = 0; k < sizes[i]; k++) {
            assert_int_equal(b[k], (unsigned char)(i + 1));
        }
    }
    /* A freed small block is what the next request of its size class gets. */
    fantasy__rec_pool_free(&p, blocks[4]);
    void *again = fantasy__rec_pool_alloc(&p, 90);
    assert_ptr_equal(again, blocks[4]);
    blocks[4] = again;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        fantasy__rec_pool_free(&p, blocks[i]);
    }
    fantasy__rec_pool_free(&p, NULL);
    /* Once every size class has a freed block, churn reuses them: no new chunk. */
    long live = 0;
    for (int pass = 0; pass < 2; pass++) {
        live = f.live;
        for (int r = 0; r < 20000; r++) {
            void *x = fantasy__rec_pool_alloc(&p, (size_t)(r % 1900) + 1);
            assert_non_null(x);
            fantasy__rec_pool_free(&p, x);
        }
    }
    assert_int_equal(f.live, live);
    fantasy__rec_pool_destroy(&p);
    assert_int_equal(f.live, 0);
    pthread_mutex_destroy(&f.lock);
}

static void test_out_of_memory(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy__rec_pool p;
    assert_int_equal(fantasy__rec_pool_init(&p, &a), FANTASY_OK);
    f.fail_at = f.count + 1;
    assert_null(fantasy__rec_pool_alloc(&p, 64));
    f.fail_at = f.count + 1;
    assert_null(fantasy__rec_pool_alloc(&p, 10000));
    f.fail_at = 0;
    void *x = fantasy__rec_pool_alloc(&p, 64);
    assert_non_null(x);
    fantasy__rec_pool_free(&p, x);
    fantasy__rec_pool_destroy(&p);
    assert_int_equal(f.live, 0);
    pthread_mutex_destroy(&f.lock);
}

/* Each thread makes blocks and hands them to the next thread, which frees them. */
typedef struct ring {
    fantasy__rec_pool *pool;
    pthread_mutex_t lock;
    void *slots[THREADS][64];
    int n[THREADS];
} ring;

typedef struct worker {
    ring *r;
    int id;
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    ring *r = w->r;
    int to = (w->id + 1) % THREADS;
    for (int i = 0; i < ROUNDS; i++) {
        size_t size = (size_t)((i * 37 + w->id * 11) % 600) + 8;
        unsigned char *b = fantasy__rec_pool_alloc(r->pool, size);
        assert_non_null(b);
        memset(b, w->id, size);
        void *old = NULL;
        pthread_mutex_lock(&r->lock);
        if (r->n[to] == 64) {
            old = r->slots[to][--r->n[to]];
        }
        r->slots[to][r->n[to]++] = b;
        /* Free one block another thread made for this one. */
        void *mine = r->n[w->id] > 0 ? r->slots[w->id][--r->n[w->id]] : NULL;
        pthread_mutex_unlock(&r->lock);
        fantasy__rec_pool_free(r->pool, old);
        fantasy__rec_pool_free(r->pool, mine);
    }
    return NULL;
}

static void test_threads_free_each_others_blocks(void **state) {
    (void)state;
    faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    fantasy_allocator a = faulty_allocator(&f);
    fantasy__rec_pool p;
    assert_int_equal(fantasy__rec_pool_init(&p, &a), FANTASY_OK);
    ring r = { .pool = &p };
    pthread_mutex_init(&r.lock, NULL);
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){ &r, i };
        assert_int_equal(pthread_create(&th[i], NULL, run_worker, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
    }
    for (int t = 0; t < THREADS; t++) {
        while (r.n[t] > 0) {
            fantasy__rec_pool_free(&p, r.slots[t][--r.n[t]]);
        }
    }
    /* Blocks went back to the lanes that made them, so the pool stayed small: at most a few
     * hundred live blocks at a time fit in a chunk or two per lane. */
    assert_true(f.live <= 2L * FANTASY__REC_POOL_LANES);
    fantasy__rec_pool_destroy(&p);
    assert_int_equal(f.live, 0);
    pthread_mutex_destroy(&r.lock);
    pthread_mutex_destroy(&f.lock);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_reuse),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_threads_free_each_others_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
