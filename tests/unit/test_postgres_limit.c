/* The per-user limit under a race at READ COMMITTED: many threads of ONE user reserve at once
 * through one PostgreSQL stock store (a connection each) and must never pass the limit. The
 * limit is a conditional upsert of the (product, user) usage row, so the row lock orders them.
 * @label concurrency */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/postgres.h"

#include "unit/test_postgres_fixture.h"

#define RACERS     16
#define RACE_TRIES 6
#define RACE_LIMIT 3

typedef pgfx_world world;

typedef struct racer {
    const fantasy_stock_store *st;
    pthread_barrier_t *go;
    int id;
    int ok, limited, errors;
} racer;

static void *race(void *arg) {
    racer *r = arg;
    (void)pthread_barrier_wait(r->go);
    for (int i = 0; i < RACE_TRIES; i++) {
        char hold[48];
        (void)snprintf(hold, sizeof hold, "r%d-%d", r->id, i);
        const fantasy_hold h = { hold,       "limited",    "alice", 1 + (r->id + i) % 2,
                                 RACE_LIMIT, INT64_MAX - 1 };
        fantasy_status st = r->st->reserve(r->st->self, &h);
        r->ok += st == FANTASY_OK ? (int)h.qty : 0;
        r->limited += st == FANTASY_ELIMIT;
        r->errors += st != FANTASY_OK && st != FANTASY_ELIMIT;
    }
    return NULL;
}

static void test_one_user_races_on_the_limit(void **state) {
    world *w = *state;
    assert_non_null(pgfx_fresh(w, "limit"));
    /* The stores run at the server's default isolation: this is the READ COMMITTED case. */
    PGconn *pg = PQconnectdb(w->conn);
    PGresult *iso = PQexec(pg, "SHOW transaction_isolation");
    assert_string_equal(PQgetvalue(iso, 0, 0), "read committed");
    PQclear(iso);
    PQfinish(pg);
    fantasy_stock_store st;
    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &st), FANTASY_OK);
    assert_int_equal(st.set_stock(st.self, "limited", 1000), FANTASY_OK);
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
    pthread_t t[RACERS];
    racer r[RACERS];
    for (int i = 0; i < RACERS; i++) {
        r[i] = (racer){ .st = &st, .go = &go, .id = i };
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int units = 0;
    int limited = 0;
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(r[i].errors, 0);
        units += r[i].ok;
        limited += r[i].limited;
    }
    (void)pthread_barrier_destroy(&go);
    /* Units of 1 and 2 against a limit of 3: the winners reach it exactly or stop one short
     * when only 2-unit asks were left; never past it. */
    assert_true(units == RACE_LIMIT || units == RACE_LIMIT - 1);
    assert_true(limited >= RACERS * RACE_TRIES - RACE_LIMIT);
    int64_t used = -1;
    assert_int_equal(st.used(st.self, "limited", "alice", &used), FANTASY_OK);
    assert_int_equal(used, units);
    fantasy_stock_counts c;
    assert_int_equal(st.counts(st.self, "limited", &c), FANTASY_OK);
    assert_int_equal(c.held, units);
    st.destroy(st.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_user_races_on_the_limit),
    };
    return cmocka_run_group_tests(tests, pgfx_setup, pgfx_teardown);
}
