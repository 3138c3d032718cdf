/* The PostgreSQL stores' connection pool: at most one connection per thread calling at once,
 * all closed with the store, and connections the server dropped replaced on the next call
 * without the caller seeing it. Connections are told apart by application_name.
 * @label concurrency */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fantasy/backends/postgres.h"

#include "unit/test_postgres_fixture.h"

#define THREADS 4
#define ROUNDS  40

typedef struct world {
    pgfx_world pg;                      /* first, for pgfx_teardown */
    char conn[PGFX_CONNINFO_MAX + 256]; /* the schema's, our connections named */
    char count_sql[160];
} world;

static int setup(void **state) {
    static world w;
    if (pgfx_conninfo(w.pg.base, sizeof w.pg.base) != 0 || !pgfx_fresh(&w.pg, "pool")) {
        return -1;
    }
    (void)snprintf(w.conn, sizeof w.conn, "%s application_name=fxpool%ld", w.pg.conn,
                   (long)getpid());
    (void)snprintf(w.count_sql, sizeof w.count_sql,
                   "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'fxpool%ld'",
                   (long)getpid());
    *state = &w;
    return 0;
}

/* Our connections, waiting a little for closed ones to leave pg_stat_activity. */
static long long connections(const world *w, long long at_most) {
    long long n = pgfx_scalar(w->pg.base, w->count_sql);
    for (int i = 0; i < 100 && n > at_most; i++) {
        const struct timespec tick = { 0, 10000000L };
        (void)nanosleep(&tick, NULL);
        n = pgfx_scalar(w->pg.base, w->count_sql);
    }
    return n;
}

typedef struct worker {
    const fantasy_stock_store *st;
    pthread_barrier_t *go;
    int id, errors;
} worker;

static void *work(void *arg) {
    worker *k = arg;
    (void)pthread_barrier_wait(k->go);
    for (int i = 0; i < ROUNDS; i++) {
        char hold[32];
        (void)snprintf(hold, sizeof hold, "t%d-%d", k->id, i);
        const fantasy_hold h = { hold, "p", "u", 1, 0, 1000 };
        fantasy_stock_counts c;
        k->errors += k->st->reserve(k->st->self, &h) != FANTASY_OK;
        k->errors += k->st->counts(k->st->self, "p", &c) != FANTASY_OK;
    }
    return NULL;
}

static void test_one_connection_per_thread(void **state) {
    const world *w = *state;
    fantasy_stock_store st;
    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &st), FANTASY_OK);
    assert_int_equal(connections(w, 1), 1); /* the one that migrated, kept for reuse */
    assert_int_equal(st.set_stock(st.self, "p", 100000), FANTASY_OK);
    assert_int_equal(connections(w, 1), 1); /* one thread: the same connection again */
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
    pthread_t t[THREADS];
    worker k[THREADS];
    for (int i = 0; i < THREADS; i++) {
        k[i] = (worker){ .st = &st, .go = &go, .id = i };
        assert_int_equal(pthread_create(&t[i], NULL, work, &k[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(k[i].errors, 0);
    }
    (void)pthread_barrier_destroy(&go);
    long long n = connections(w, THREADS);
    assert_true(n >= 1 && n <= THREADS);
    fantasy_stock_counts c;
    assert_int_equal(st.counts(st.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.held, THREADS * ROUNDS);
    st.destroy(st.self);
    assert_int_equal(connections(w, 0), 0);
}

static void test_dropped_connections_replaced(void **state) {
    const world *w = *state;
    fantasy_stock_store st;
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &st), FANTASY_OK);
    assert_int_equal(fantasy_postgres_record_store_open(w->conn, NULL, &rs), FANTASY_OK);
    assert_int_equal(st.set_stock(st.self, "q", 10), FANTASY_OK);
    /* The server ends every pooled connection, as a restart or an idle timeout would. */
    char kill_sql[200];
    (void)snprintf(kill_sql, sizeof kill_sql,
                   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE"
                   " application_name = 'fxpool%ld'",
                   (long)getpid());
    assert_true(pgfx_scalar(w->pg.base, kill_sql) >= 2);
    assert_int_equal(connections(w, 0), 0);
    /* The next calls notice on their first command and run again on a new connection. */
    const fantasy_hold h = { "h", "q", "u", 3, 0, 1000 };
    assert_int_equal(st.reserve(st.self, &h), FANTASY_OK);
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "c",
                                   .id = "x",
                                   .doc = "{}",
                                   .doc_len = 2 };
    assert_int_equal(rs.apply(rs.self, &op, 1, NULL), FANTASY_OK);
    fantasy_stock_counts c;
    assert_int_equal(st.counts(st.self, "q", &c), FANTASY_OK);
    assert_int_equal(c.held, 3); /* applied once, not twice */
    st.destroy(st.self);
    rs.destroy(rs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_connection_per_thread),
        cmocka_unit_test(test_dropped_connections_replaced),
    };
    return cmocka_run_group_tests(tests, setup, pgfx_teardown);
}
