/* SQLite stock store specifics beyond the conformance suite: reserves of many threads sharing a
 * transaction (group commit) each get their own status and their own message; a write lock
 * held elsewhere past the busy timeout gives FANTASY_EUNAVAILABLE naming the operation, while
 * reads go on. */
/* @label concurrency */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#include "unit/fixture_sqlite.h"

#define THREADS 8
#define ROUNDS  200

typedef struct tmp {
    sqfx_dir d;
    fantasy_stock_store ss;
} tmp;

static int setup(void **state) {
    tmp *t = calloc(1, sizeof *t);
    if (!t) {
        return -1;
    }
    if (sqfx_make(&t->d, "stock", "stock.db") != 0 ||
        fantasy_sqlite_stock_store_open(t->d.path, NULL, &t->ss) != FANTASY_OK) {
        free(t);
        return -1;
    }
    *state = t;
    return 0;
}

static int teardown(void **state) {
    tmp *t = *state;
    t->ss.destroy(t->ss.self);
    (void)sqfx_remove(&t->d);
    free(t);
    return 0;
}

/* ---- group commit: statuses and messages stay each caller's own -------------------------- */

typedef struct caller {
    const fantasy_stock_store *ss;
    int t;
    int ok, limited, wrong; /* wrong: a status or message that is not this caller's */
} caller;

/* Thread t's user may hold 5 units; it asks 1 unit at a time for ROUNDS rounds, so exactly 5
 * succeed and every later refusal must name its own user. */
static void *call_run(void *arg) {
    caller *c = arg;
    char user[16];
    (void)snprintf(user, sizeof user, "user-%d", c->t);
    for (int i = 0; i < ROUNDS; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "h-%d-%d", c->t, i);
        const fantasy_hold h = { id, "p", user, 1, 5, 1000000 };
        fantasy_status st = c->ss->reserve(c->ss->self, &h);
        if (st == FANTASY_OK) {
            c->ok++;
        } else if (st == FANTASY_ELIMIT && strstr(fantasy_error_last(), user)) {
            c->limited++;
        } else {
            c->wrong++;
        }
    }
    return NULL;
}

static void test_group_commit_keeps_callers_apart(void **state) {
    tmp *t = *state;
    assert_int_equal(t->ss.set_stock(t->ss.self, "p", 1000), FANTASY_OK);
    caller c[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        c[i] = (caller){ .ss = &t->ss, .t = i };
        assert_int_equal(pthread_create(&th[i], NULL, call_run, &c[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(c[i].wrong, 0);
        assert_int_equal(c[i].ok, 5);
        assert_int_equal(c[i].limited, ROUNDS - 5);
    }
    fantasy_stock_counts n;
    assert_int_equal(t->ss.counts(t->ss.self, "p", &n), FANTASY_OK);
    assert_int_equal(n.held, 5 * THREADS);
    assert_int_equal(n.available, 1000 - 5 * THREADS);
}

/* ---- the busy timeout -------------------------------------------------------------------- */

static void test_locked_out_past_timeout(void **state) {
    tmp *t = *state;
    assert_int_equal(t->ss.set_stock(t->ss.self, "p", 10), FANTASY_OK);
    /* Another connection takes the write lock and keeps it. */
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(t->d.path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    fantasy_stock_counts n;
    assert_int_equal(t->ss.counts(t->ss.self, "p", &n), FANTASY_OK); /* WAL: reads go on */
    assert_int_equal(n.available, 10);
    const fantasy_hold h = { "h1", "p", "u", 1, 0, 1000000 };
    assert_int_equal(t->ss.reserve(t->ss.self, &h), FANTASY_EUNAVAILABLE);
    assert_non_null(strstr(fantasy_error_last(), "reserve"));
    assert_non_null(strstr(fantasy_error_last(), "locked"));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(other), SQLITE_OK);
    /* Nothing was half-done, and the store works again. */
    fantasy_hold_info info;
    assert_int_equal(t->ss.hold(t->ss.self, "h1", &info), FANTASY_ENOTFOUND);
    assert_int_equal(t->ss.reserve(t->ss.self, &h), FANTASY_OK);
    assert_int_equal(t->ss.counts(t->ss.self, "p", &n), FANTASY_OK);
    assert_int_equal(n.stock, 10);
    assert_int_equal(n.held, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_commit_keeps_callers_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_out_past_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
