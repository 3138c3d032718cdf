/* How the SQLite stores wait and checkpoint: a writer that finds the write lock taken by another
 * connection waits in short steps and goes on with what that connection committed once it lets
 * go (the timeout itself: test_sqlite_stock's test_locked_out_past_timeout); and the WAL is
 * copied back into the file every FANTASY__SQLITE_CHECKPOINT_FRAMES frames, so it stops growing
 * there. */
/* @label concurrency */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#include "backends/sqlite/db.h"
#include "unit/fixture_record.h"
#include "unit/fixture_sqlite.h"

typedef sqfx_dir tmp;

static int setup(void **state) {
    *state = sqfx_new("busy", "park.db");
    return *state ? 0 : -1;
}

/* ---- the wait steps ---------------------------------------------------------------------- */

static void test_steps_are_short_and_grow(void **state) {
    (void)state;
    assert_int_equal(fantasy__sqlite_busy_step_ns(0), 0); /* a first retry only yields */
    int64_t prev = 0;
    int64_t longest = 0;
    for (int n = 0; n < 100000; n++) {
        int64_t step = fantasy__sqlite_busy_step_ns(n);
        assert_true(step >= prev);
        assert_true(step <= 1000000);
        prev = step;
        longest = step;
    }
    /* The steps reach their ceiling, so a 10 s wait is about 10000 tries, not millions. */
    assert_int_equal(longest, 1000000);
}

/* ---- a writer waits for another connection's transaction --------------------------------- */

typedef struct reserver {
    fantasy_stock_store *ss;
    fantasy_status st;
} reserver;

static void *reserve_run(void *arg) {
    reserver *r = arg;
    const fantasy_hold h = { "h1", "p", "u", 1, 0, 1000000 };
    r->st = r->ss->reserve(r->ss->self, &h);
    return NULL;
}

static void pause_ms(long ms) {
    struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };
    (void)nanosleep(&ts, NULL);
}

static void test_writer_goes_on_after_other_commits(void **state) {
    tmp *t = *state;
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(t->path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 0), FANTASY_OK);
    /* Another connection holds the write lock while it restocks "p": a reserve that did not
     * wait for it would find nothing to sell. */
    sqlite3 *other = NULL;
    assert_int_equal(sqlite3_open(t->path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other,
                                  "BEGIN IMMEDIATE;"
                                  "UPDATE stock SET stock = 3 WHERE product = 'p' AND user = ''",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(other), 1);
    reserver r = { .ss = &ss, .st = FANTASY_EBACKEND };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reserve_run, &r), 0);
    pause_ms(50); /* the reserve is (most likely) in the busy handler by now */
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(r.st, FANTASY_OK);
    fantasy_stock_counts n;
    assert_int_equal(ss.counts(ss.self, "p", &n), FANTASY_OK);
    assert_int_equal(n.stock, 3);
    assert_int_equal(n.held, 1);
    assert_int_equal(sqlite3_close(other), SQLITE_OK);
    ss.destroy(ss.self);
}

/* ---- checkpoints ------------------------------------------------------------------------- */

#define DOC_BYTES ((size_t)256 * 1024)

static long long wal_bytes(const tmp *t) {
    char p[160];
    (void)snprintf(p, sizeof p, "%s-wal", t->path);
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_wal_stops_at_checkpoint_mark(void **state) {
    tmp *t = *state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_sqlite_record_store_open(t->path, NULL, &rs), FANTASY_OK);
    char *doc = malloc(DOC_BYTES);
    assert_non_null(doc);
    memset(doc, 'x', DOC_BYTES);
    /* Each put writes about DOC_BYTES / 4096 pages; write the mark's worth twice over. */
    int puts = (int)((size_t)2 * FANTASY__SQLITE_CHECKPOINT_FRAMES / (DOC_BYTES / 4096));
    for (int i = 0; i < puts; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "d%d", i % 8);
        doc[0] = (char)('a' + i % 26); /* a new page each time, never the same bytes */
        const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                       .mode = FANTASY_WRITE_ANY,
                                       .collection = "docs",
                                       .id = id,
                                       .doc = doc,
                                       .doc_len = DOC_BYTES };
        int64_t v = 0;
        assert_int_equal(rs.apply(rs.self, &op, 1, &v), FANTASY_OK);
    }
    /* Past the mark the log started over; without a checkpoint it would hold every put. */
    long long frame = 4096 + 24;
    long long most =
        (FANTASY__SQLITE_CHECKPOINT_FRAMES + 2LL * (long long)(DOC_BYTES / 4096)) * frame + 32;
    long long size = wal_bytes(t);
    assert_true(size > 0);
    assert_true(size <= most);
    /* SQLite's own 1000-frame auto-checkpoint is off: the log grew well past it. */
    assert_true(size > 2000 * frame);
    free(doc);
    rs.destroy(rs.self);
}

/* ---- the pool hands back connections without snapshots ------------------------------------- */

static const char *const pool_sql[] = { "SELECT id FROM docs WHERE coll = 'c' ORDER BY id",
                                        "SELECT COUNT(*) FROM docs WHERE coll = 'c'" };

/* release() resets only the statements a call left mid-way: one stopped after its first row
 * must not keep its snapshot in the pool, so the next call on that connection sees later
 * commits; statements run to their end need no reset. */
static void test_released_connection_sees_later_commits(void **state) {
    tmp *t = *state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_sqlite_record_store_open(t->path, NULL, &rs), FANTASY_OK);
    fx_rec_put(&rs, "a", NULL, 0);
    fx_rec_put(&rs, "b", NULL, 0);
    fantasy__sqlite_db *db = NULL;
    assert_int_equal(fantasy__sqlite_db_open(t->path, NULL, pool_sql, 2, "test", &db), FANTASY_OK);
    fantasy__sqlite_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int row = 0;
    assert_int_equal(fantasy__sqlite_acquire(db, "test", &c), FANTASY_OK);
    assert_int_equal(fantasy__sqlite_stmt(c, 1, "test", &s), FANTASY_OK);
    assert_int_equal(fantasy__sqlite_exec_stmt(c, s, "test"), FANTASY_OK); /* run to its end */
    assert_int_equal(fantasy__sqlite_stmt(c, 0, "test", &s), FANTASY_OK);
    assert_int_equal(fantasy__sqlite_step(c, s, "test", &row), FANTASY_OK);
    assert_int_equal(row, 1); /* "a", with "b" still to come: the read stays open */
    assert_true(sqlite3_stmt_busy(s));
    fantasy__sqlite_release(db, c);
    assert_false(sqlite3_stmt_busy(s));
    fx_rec_put(&rs, "c", NULL, 0);
    fantasy__sqlite_conn *again = NULL;
    assert_int_equal(fantasy__sqlite_acquire(db, "test", &again), FANTASY_OK);
    assert_ptr_equal(again, c); /* the pooled one */
    assert_int_equal(fantasy__sqlite_stmt(again, 1, "test", &s), FANTASY_OK);
    assert_int_equal(fantasy__sqlite_step(again, s, "test", &row), FANTASY_OK);
    assert_int_equal(row, 1);
    assert_int_equal(sqlite3_column_int64(s, 0), 3);
    fantasy__sqlite_release(db, again);
    fantasy__sqlite_db_close(db);
    rs.destroy(rs.self);
}

/* A put of a new document skips looking for keys to drop: a delete drops the keys with the
 * document, so one put again after a delete starts with none of its old keys. */
static void test_put_after_delete_keeps_only_new_keys(void **state) {
    tmp *t = *state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_sqlite_record_store_open(t->path, NULL, &rs), FANTASY_OK);
    const fantasy_index_key old_keys[] = { { "k:old", 1 }, { "k:both", 0 } };
    const fantasy_index_key new_keys[] = { { "k:both", 0 }, { "k:new", 1 } };
    fx_rec_put(&rs, "d", old_keys, 2);
    const fantasy_record_op del = {
        .kind = FANTASY_OP_DEL, .mode = FANTASY_WRITE_ANY, .collection = "c", .id = "d"
    };
    const fantasy_record_op put = { .kind = FANTASY_OP_PUT,
                                    .mode = FANTASY_WRITE_CREATE,
                                    .collection = "c",
                                    .id = "d",
                                    .doc = "{}",
                                    .doc_len = 2,
                                    .keys = new_keys,
                                    .n_keys = 2 };
    const fantasy_record_op batch[] = { del, put };
    int64_t v[2] = { 0, 0 };
    assert_int_equal(rs.apply(rs.self, batch, 2, v), FANTASY_OK);
    assert_int_equal(v[1], 1);
    int64_t n = -1;
    assert_int_equal(rs.count(rs.self, "c", "k:old", &n), FANTASY_OK);
    assert_int_equal(n, 0);
    assert_int_equal(rs.count(rs.self, "c", "k:both", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rs.count(rs.self, "c", "k:new", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    /* The unique key the deleted document held is free for another one. */
    fx_rec_put(&rs, "e", old_keys, 1);
    assert_int_equal(rs.count(rs.self, "c", "k:old", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    rs.destroy(rs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_are_short_and_grow),
        cmocka_unit_test_setup_teardown(test_writer_goes_on_after_other_commits, setup,
                                        sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_wal_stops_at_checkpoint_mark, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_released_connection_sees_later_commits, setup,
                                        sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_put_after_delete_keeps_only_new_keys, setup,
                                        sqfx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
