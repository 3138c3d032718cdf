/* PostgreSQL stock store under real contention: 8 processes × 2 threads on one database must
 * sell a product out exactly, never past any user's limit. The processes go through the store's
 * public vtable; the checks read the tables. (test_postgres_limit.c races one user's threads.) */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fantasy/backends/postgres.h"

#include "unit/test_postgres_fixture.h"

#define PROCS      8
#define THREADS    2
#define STOCK      1000
#define LIMIT      5
#define USERS      300 /* 300 × 5 > STOCK: the stock runs out before the users do */
#define MAX_TRIES  4000
#define RACERS     16
#define RACE_TRIES 6
#define RACE_LIMIT 3

typedef pgfx_world world;

typedef struct seller {
    const fantasy_stock_store *st;
    int proc, thread;
    int sold, errors;
} seller;

/* Reserve one unit at a time for rotating users until the product is sold out; confirm every
 * third hold so both counters move. */
static void *sell(void *arg) {
    seller *s = arg;
    for (int i = 0; i < MAX_TRIES; i++) {
        char hold[48];
        char user[16];
        (void)snprintf(hold, sizeof hold, "h%d-%d-%d", s->proc, s->thread, i);
        (void)snprintf(user, sizeof user, "u%d", (s->proc * 37 + s->thread * 11 + i) % USERS);
        const fantasy_hold h = { hold, "hot", user, 1, LIMIT, INT64_MAX - 1 };
        fantasy_status st = s->st->reserve(s->st->self, &h);
        if (st == FANTASY_ESOLDOUT) {
            return NULL;
        }
        if (st == FANTASY_OK) {
            s->sold++;
            if (i % 3 == 0 && s->st->confirm(s->st->self, hold, 0) != FANTASY_OK) {
                s->errors++;
            }
        } else if (st != FANTASY_ELIMIT) {
            (void)fprintf(stderr, "reserve: %s\n", fantasy_error_last());
            s->errors++;
            return NULL;
        }
    }
    return NULL;
}

/* One child: its own store, opened after the fork, and two selling threads. */
static int child(const char *conn, int proc) {
    fantasy_stock_store st;
    if (fantasy_postgres_stock_store_open(conn, NULL, &st) != FANTASY_OK) {
        (void)fprintf(stderr, "child %d: %s\n", proc, fantasy_error_last());
        return 1;
    }
    pthread_t t[THREADS];
    seller s[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (seller){ .st = &st, .proc = proc, .thread = i };
        if (pthread_create(&t[i], NULL, sell, &s[i]) != 0) {
            return 1;
        }
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        (void)pthread_join(t[i], NULL);
        errors += s[i].errors;
    }
    st.destroy(st.self);
    return errors ? 1 : 0;
}

static void test_many_processes_never_oversell(void **state) {
    world *w = *state;
    assert_non_null(pgfx_fresh(w, "oversell"));
    fantasy_stock_store st;
    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &st), FANTASY_OK);
    assert_int_equal(st.set_stock(st.self, "hot", STOCK), FANTASY_OK);
    st.destroy(st.self); /* no connection crosses the fork */

    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        assert_true(kids[p] >= 0);
        if (kids[p] == 0) {
            _exit(child(w->conn, p));
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status = 0;
        assert_int_equal(waitpid(kids[p], &status, 0), kids[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }

    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &st), FANTASY_OK);
    fantasy_stock_counts c;
    assert_int_equal(st.counts(st.self, "hot", &c), FANTASY_OK);
    assert_int_equal(c.available, 0);
    assert_int_equal(c.held + c.sold, STOCK);
    assert_int_equal(c.available + c.held + c.sold, c.stock);
    assert_true(c.sold > 0 && c.held > 0);
    st.destroy(st.self);
    /* The holds account for every unit, and no user went past the limit. */
    assert_int_equal(
        pgfx_scalar(w->conn, "SELECT sum(qty) FROM fantasy_holds WHERE state IN (1, 2)"), STOCK);
    assert_int_equal(pgfx_scalar(w->conn, "SELECT count(*) FROM fantasy_holds WHERE state = 2"),
                     c.sold);
    assert_true(pgfx_scalar(w->conn, "SELECT max(used) FROM fantasy_usage") <= LIMIT);
    assert_int_equal(pgfx_scalar(w->conn,
                                 "SELECT count(*) FROM fantasy_usage u WHERE used <> (SELECT"
                                 " coalesce(sum(qty), 0) FROM fantasy_holds h WHERE h.product ="
                                 " u.product AND h.user_id = u.user_id AND h.state IN (1, 2))"),
                     0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_processes_never_oversell),
    };
    return cmocka_run_group_tests(tests, pgfx_setup, pgfx_teardown);
}
