/* Start test threads at one instant so they really overlap. Private to tests/conformance. */
#ifndef FANTASY_TESTS_TOGETHER_H
#define FANTASY_TESTS_TOGETHER_H

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define MAX_THREADS 16

typedef struct gate {
    pthread_barrier_t *start;
    void *(*fn)(void *);
    void *arg;
} gate;

static inline void *gate_run(void *p) {
    const gate *g = p;
    pthread_barrier_wait(g->start);
    return g->fn(g->arg);
}

/* Run fns[i](args[i]) on n threads released at the same instant, so they really overlap,
 * and wait for all of them. */
static inline void run_together(int n, void *(*const *fns)(void *), void *const *args) {
    pthread_barrier_t start;
    gate g[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    assert_true(n > 0 && n <= MAX_THREADS);
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        g[i] = (gate){ .start = &start, .fn = fns[i], .arg = args[i] };
        assert_int_equal(pthread_create(&th[i], NULL, gate_run, &g[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    pthread_barrier_destroy(&start);
}
#endif
