/* SQLite stock store: no oversell across processes. 8 processes × 2 threads, each process with
 * its own store opened after fork on one file, sell one product to many users under a per-user
 * limit, replaying some hold ids and confirming some holds. Afterwards the product is exactly
 * sold out, available + held + sold == stock, no user is past the limit, and the holds add up
 * to the counters and to each user's usage. */
/* @label concurrency */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#include "unit/fixture_sqlite.h"

#define N_PROCS    8
#define N_THREADS  2
#define N_USERS    120
#define USER_LIMIT 20
#define STOCK      1500
#define MAX_TRIES  4000 /* per thread; the stock runs out long before */

typedef struct worker {
    const fantasy_stock_store *ss;
    int proc, thread;
    int bad; /* statuses that must not happen */
} worker;

static void user_name(int u, char out[16]) {
    (void)snprintf(out, 16, "user%03d", u);
}

/* One attempt; every fifth replays the previous one with the same arguments, which must give
 * the same answer when the first was a sale. */
static int attempt(worker *w, int i, fantasy_status *prev, fantasy_hold *h, char *id, char *user) {
    int replay = i % 5 == 4 && *prev == FANTASY_OK;
    if (!replay) {
        (void)snprintf(id, 32, "p%d-t%d-%d", w->proc, w->thread, i);
        user_name((w->proc * 37 + w->thread * 11 + i * 7) % N_USERS, user);
        *h = (fantasy_hold){ id, "hot", user, 1 + i % 3, USER_LIMIT, 1000000 };
    }
    fantasy_status st = w->ss->reserve(w->ss->self, h);
    if (replay) {
        w->bad += st != FANTASY_OK;
        return 0;
    }
    if (st == FANTASY_OK && i % 4 == 1) {
        w->bad += w->ss->confirm(w->ss->self, id, 0) != FANTASY_OK;
    }
    w->bad += st != FANTASY_OK && st != FANTASY_ESOLDOUT && st != FANTASY_ELIMIT;
    *prev = st;
    /* Sold out for a single unit: nothing is left at all. */
    return st == FANTASY_ESOLDOUT && h->qty == 1;
}

static void *run_worker(void *arg) {
    worker *w = arg;
    fantasy_hold h;
    char id[32];
    char user[16];
    fantasy_status prev = FANTASY_EINVAL;
    for (int i = 0; i < MAX_TRIES; i++) {
        if (attempt(w, i, &prev, &h, id, user)) {
            break;
        }
    }
    return NULL;
}

/* A child: open a store of its own, sell from N_THREADS threads. Exit 0 when all went well. */
static int child(const char *path, int proc) {
    fantasy_stock_store ss;
    if (fantasy_sqlite_stock_store_open(path, NULL, &ss) != FANTASY_OK) {
        (void)fprintf(stderr, "child %d: %s\n", proc, fantasy_error_last());
        return 2;
    }
    worker w[N_THREADS];
    pthread_t th[N_THREADS];
    int bad = 0;
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (worker){ .ss = &ss, .proc = proc, .thread = t };
        bad += pthread_create(&th[t], NULL, run_worker, &w[t]) != 0;
    }
    for (int t = 0; t < N_THREADS; t++) {
        bad += pthread_join(th[t], NULL) != 0;
        bad += w[t].bad;
    }
    ss.destroy(ss.self);
    return bad ? 1 : 0;
}

/* The holds themselves agree with the counters and the usage rows. */
static void check_holds(const char *path, const fantasy_stock_counts *c) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(qty) FROM holds WHERE state = 1"), c->held);
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(qty) FROM holds WHERE state = 2"), c->sold);
    assert_int_equal(sqfx_int(h, "SELECT COUNT(*) FROM (SELECT user, SUM(qty) AS q FROM holds "
                                 "WHERE state IN (1, 2) GROUP BY user) h LEFT JOIN stock u "
                                 "ON u.product = 'hot' AND u.user = h.user WHERE u.used IS NOT q"),
                     0);
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(used) FROM stock WHERE user <> ''"),
                     c->held + c->sold);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static void check_result(const char *path) {
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, &ss), FANTASY_OK);
    fantasy_stock_counts c;
    assert_int_equal(ss.counts(ss.self, "hot", &c), FANTASY_OK);
    assert_int_equal(c.available, 0); /* exactly sold out */
    assert_int_equal(c.available + c.held + c.sold, STOCK);
    assert_true(c.sold > 0);
    int64_t total = 0;
    for (int u = 0; u < N_USERS; u++) {
        char user[16];
        int64_t used = -1;
        user_name(u, user);
        assert_int_equal(ss.used(ss.self, "hot", user, &used), FANTASY_OK);
        assert_true(used >= 0 && used <= USER_LIMIT);
        total += used;
    }
    assert_int_equal(total, STOCK);
    ss.destroy(ss.self);
    check_holds(path, &c);
}

static void test_no_oversell_across_processes(void **state) {
    (void)state;
    sqfx_dir d;
    assert_int_equal(sqfx_make(&d, "oversell", "stock.db"), 0);
    const char *path = d.path;
    sqfx_seed_stock(path, "hot", STOCK); /* nothing of the parent's crosses the fork */
    pid_t pids[N_PROCS];
    for (int p = 0; p < N_PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            _exit(child(path, p));
        }
    }
    for (int p = 0; p < N_PROCS; p++) {
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    check_result(path);
    assert_int_equal(sqfx_remove(&d), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_oversell_across_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
