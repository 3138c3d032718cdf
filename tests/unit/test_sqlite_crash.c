/* SQLite stores: crash safety. A forked writer runs a burst of reserves, confirms and record
 * batches on one file and is killed with SIGKILL in the middle of it, three times over. After
 * each kill the file is reopened: it passes SQLite's integrity check, the stock invariant holds
 * and the holds add up to the counters, and every record batch is there whole or not at all. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#include "unit/fixture_sqlite.h"

#define ROUNDS     3
#define STOCK      1000000
#define KILL_AFTER 150 /* batches the parent waits for before killing */

/* One batch: a in "a", its twin in "b", and the "meta/last" pointer, all or nothing. */
static fantasy_status write_batch(const fantasy_record_store *rs, const char *id) {
    const fantasy_index_key ka[] = { { "all", 0 }, { id, 1 } };
    const fantasy_index_key kb[] = { { "all", 0 } };
    const fantasy_record_op ops[] = {
        { .kind = FANTASY_OP_PUT,
          .mode = FANTASY_WRITE_CREATE,
          .collection = "a",
          .id = id,
          .doc = id,
          .doc_len = strlen(id),
          .keys = ka,
          .n_keys = 2 },
        { .kind = FANTASY_OP_PUT,
          .mode = FANTASY_WRITE_CREATE,
          .collection = "b",
          .id = id,
          .doc = id,
          .doc_len = strlen(id),
          .keys = kb,
          .n_keys = 1 },
        { .kind = FANTASY_OP_PUT,
          .mode = FANTASY_WRITE_ANY,
          .collection = "meta",
          .id = "last",
          .doc = id,
          .doc_len = strlen(id) },
    };
    return rs->apply(rs->self, ops, 3, NULL);
}

/* The writer: never returns; the parent kills it. */
static void writer(const char *path, int round) {
    fantasy_record_store rs;
    fantasy_stock_store ss;
    if (fantasy_sqlite_record_store_open(path, NULL, &rs) != FANTASY_OK ||
        fantasy_sqlite_stock_store_open(path, NULL, &ss) != FANTASY_OK) {
        _exit(2);
    }
    for (int i = 0;; i++) {
        char id[32];
        char user[16];
        (void)snprintf(id, sizeof id, "r%d-%07d", round, i);
        (void)snprintf(user, sizeof user, "u%d", i % 50);
        const fantasy_hold h = { id, "p", user, 1 + i % 3, 0, 1000 + i };
        if (ss.reserve(ss.self, &h) != FANTASY_OK ||
            (i % 3 == 0 && ss.confirm(ss.self, id, 0) != FANTASY_OK) ||
            write_batch(&rs, id) != FANTASY_OK) {
            _exit(3);
        }
    }
}

/* Wait until the writer has committed `n` batches (or gave up), polling through our own store. */
static void wait_for_batches(const fantasy_record_store *rs, int64_t n, pid_t writer_pid) {
    const struct timespec pause = { 0, 2000000 };
    for (int tries = 0; tries < 10000; tries++) {
        int64_t have = 0;
        assert_int_equal(rs->count(rs->self, "a", "all", &have), FANTASY_OK);
        if (have >= n) {
            return;
        }
        int status = 0;
        assert_int_equal(waitpid(writer_pid, &status, WNOHANG), 0); /* still running */
        (void)nanosleep(&pause, NULL);
    }
    fail_msg("the writer made no progress");
}

static void check_file(const char *path) {
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    assert_int_equal(sqlite3_finalize(s), SQLITE_OK);
    int64_t held = sqfx_int(h, "SELECT held FROM stock WHERE product = 'p' AND user = ''");
    int64_t sold = sqfx_int(h, "SELECT sold FROM stock WHERE product = 'p' AND user = ''");
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(qty) FROM holds WHERE state = 1"), held);
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(qty) FROM holds WHERE state = 2"), sold);
    assert_int_equal(sqfx_int(h, "SELECT TOTAL(used) FROM stock WHERE user <> ''"), held + sold);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

/* Every batch whole: as many a as b, the same ids in both, and meta/last written once per
 * batch, naming the newest one. */
static void check_batches(const fantasy_record_store *rs) {
    int64_t na = 0;
    int64_t nb = 0;
    assert_int_equal(rs->count(rs->self, "a", "all", &na), FANTASY_OK);
    assert_int_equal(rs->count(rs->self, "b", "all", &nb), FANTASY_OK);
    assert_int_equal(na, nb);
    fantasy_list *la = NULL;
    fantasy_list *lb = NULL;
    fantasy_buf *buf = NULL;
    assert_int_equal(fantasy_list_new(NULL, &la), FANTASY_OK);
    assert_int_equal(fantasy_list_new(NULL, &lb), FANTASY_OK);
    assert_int_equal(fantasy_buf_new(NULL, &buf), FANTASY_OK);
    assert_int_equal(rs->find(rs->self, "a", "all", NULL, (size_t)na + 1, la), FANTASY_OK);
    assert_int_equal(rs->find(rs->self, "b", "all", NULL, (size_t)nb + 1, lb), FANTASY_OK);
    assert_int_equal(fantasy_list_size(la), (size_t)na);
    for (size_t i = 0; i < fantasy_list_size(la); i++) {
        assert_string_equal(fantasy_list_str(la, i), fantasy_list_str(lb, i));
        int64_t n = 0;
        assert_int_equal(rs->count(rs->self, "a", fantasy_list_str(la, i), &n), FANTASY_OK);
        assert_int_equal(n, 1);
    }
    int64_t v = 0;
    assert_int_equal(rs->get(rs->self, "meta", "last", buf, &v), FANTASY_OK);
    assert_int_equal(v, na);
    assert_string_equal(fantasy_buf_data(buf), fantasy_list_str(la, (size_t)na - 1));
    fantasy_list_free(la);
    fantasy_list_free(lb);
    fantasy_buf_free(buf);
}

static void check_stock(const char *path) {
    fantasy_stock_store ss;
    fantasy_stock_counts c;
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.available + c.held + c.sold, STOCK);
    assert_true(c.held > 0 && c.sold > 0);
    ss.destroy(ss.self);
}

static void crash_round(const char *path, int round) {
    fantasy_record_store rs;
    int64_t before = 0;
    assert_int_equal(fantasy_sqlite_record_store_open(path, NULL, &rs), FANTASY_OK);
    assert_int_equal(rs.count(rs.self, "a", "all", &before), FANTASY_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        writer(path, round);
    }
    wait_for_batches(&rs, before + KILL_AFTER, pid);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    rs.destroy(rs.self);
    check_file(path);
    assert_int_equal(fantasy_sqlite_record_store_open(path, NULL, &rs), FANTASY_OK);
    check_batches(&rs);
    rs.destroy(rs.self);
    check_stock(path);
}

static void test_kill_mid_burst(void **state) {
    (void)state;
    sqfx_dir d;
    assert_int_equal(sqfx_make(&d, "crash", "crash.db"), 0);
    const char *path = d.path;
    sqfx_seed_stock(path, "p", STOCK);
    for (int round = 0; round < ROUNDS; round++) {
        crash_round(path, round);
    }
    assert_int_equal(sqfx_remove(&d), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_mid_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
