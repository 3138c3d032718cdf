/* SQLite stores: opening files — the schema on an empty file, migration from each earlier
 * schema with data in it, files from a newer release, files that are not databases, paths that
 * cannot be opened, read-only files, and stores never crossing a fork. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#include "backends/sqlite/db.h"
#include "unit/faulty_alloc.h"
#include "unit/fixture_sqlite.h"

typedef sqfx_dir tmp;

static int setup(void **state) {
    *state = sqfx_new("open", "park.db");
    return *state ? 0 : -1;
}

/* Run SQL on the file with a plain connection (the test's view of an older release). */
static void raw_sql(const char *path, const char *sql) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        (void)fprintf(stderr, "raw sql failed: %s\n", err ? err : "?");
    }
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static int64_t raw_int(const char *path, const char *sql) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    int64_t v = sqfx_int(h, sql);
    assert_int_equal(sqlite3_close(h), SQLITE_OK);
    return v;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (*text) {
        assert_int_equal(fwrite(text, strlen(text), 1, f), 1);
    }
    assert_int_equal(fclose(f), 0);
}

/* Every store on `path` fails with `want` and a message containing `words`. */
static void expect_open_fails(const char *path, fantasy_status want, const char *words) {
    fantasy_record_store rs;
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    assert_int_equal(fantasy_sqlite_record_store_open(path, NULL, &rs), want);
    assert_non_null(strstr(fantasy_error_last(), words));
    assert_null(rs.self);
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, &ss), want);
    assert_non_null(strstr(fantasy_error_last(), words));
    assert_int_equal(fantasy_sqlite_queue_store_open(path, NULL, &qs), want);
    assert_non_null(strstr(fantasy_error_last(), words));
}

/* ---- a new or empty file ----------------------------------------------------------------- */

static void test_empty_file(void **state) {
    const tmp *t = *state;
    write_file(t->path, "");
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(t->path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 5), FANTASY_OK);
    ss.destroy(ss.self);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), FANTASY__SQLITE_SCHEMA);
    assert_int_equal(raw_int(t->path, "SELECT stock FROM stock WHERE product = 'p' AND user = ''"),
                     5);
    /* WAL mode is set in the file itself. */
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(t->path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    (void)sqlite3_finalize(s);
    (void)sqlite3_close(h);
}

/* One store of each kind on `path`. */
static void open_three(const char *path, fantasy_record_store *rs, fantasy_stock_store *ss,
                       fantasy_queue_store *qs) {
    assert_int_equal(fantasy_sqlite_record_store_open(path, NULL, rs), FANTASY_OK);
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, ss), FANTASY_OK);
    assert_int_equal(fantasy_sqlite_queue_store_open(path, NULL, qs), FANTASY_OK);
}

static void test_three_stores_one_file(void **state) {
    const tmp *t = *state;
    fantasy_record_store rs;
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    open_three(t->path, &rs, &ss, &qs);
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "c",
                                   .id = "x",
                                   .doc = "{}",
                                   .doc_len = 2 };
    assert_int_equal(rs.apply(rs.self, &op, 1, NULL), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 1), FANTASY_OK);
    const fantasy_queue_join j = { "e", "r", "u", 1, 10 };
    int64_t seq = 0;
    assert_int_equal(qs.enqueue(qs.self, &j, &seq), FANTASY_OK);
    assert_int_equal(seq, 1);
    rs.destroy(rs.self);
    ss.destroy(ss.self);
    qs.destroy(qs.self);
}

/* ---- migrations -------------------------------------------------------------------------- */

/* Data an older release wrote: a document with keys, holds in several states, a ride (the same
 * rows in schemas 1 and 2), then the product as each of them kept it. */
static const char old_data[] =
    "INSERT INTO docs VALUES('users', 'u1', 2, CAST('{\"a\":1}' AS BLOB));"
    "INSERT INTO doc_keys VALUES('users', 'email:a@x', 'u1');"
    "INSERT INTO doc_keys VALUES('users', 'tag:vip', 'u1');"
    "INSERT INTO holds VALUES('h1', 'p', 'alice', 3, 1, 5000);"
    "INSERT INTO holds VALUES('h2', 'p', 'alice', 2, 2, 5000);"
    "INSERT INTO holds VALUES('h3', 'p', 'bob', 4, 3, 5000);"
    "INSERT INTO queue_entries VALUES('e1', 'r', 'u1', 2, 2, 1, 100, 200, 7000, 0);"
    "INSERT INTO queue_entries VALUES('e2', 'r', 'u2', 3, 1, 2, 110, 0, 0, 0);"
    "INSERT INTO queue_entries VALUES('e3', 'r', 'u3', 1, 4, 3, 120, 0, 0, 130);"
    "INSERT INTO queue_entries VALUES('e4', 'r', 'u4', 4, 1, 4, 140, 0, 0, 0);";

/* Schema 1: counters only, a user's usage was summed over the holds. */
static const char v1_product[] = "INSERT INTO products VALUES('p', 10, 3, 2);";

/* Schema 2: counters and usage rows in one table. */
static const char v2_product[] = "INSERT INTO stock VALUES('p', '', 10, 3, 2, 0);"
                                 "INSERT INTO stock VALUES('p', 'alice', 0, 0, 0, 5);";

static void check_records(const char *path) {
    fantasy_record_store rs;
    fantasy_buf *buf = NULL;
    int64_t v = 0;
    int64_t n = 0;
    assert_int_equal(fantasy_sqlite_record_store_open(path, NULL, &rs), FANTASY_OK);
    assert_int_equal(fantasy_buf_new(NULL, &buf), FANTASY_OK);
    assert_int_equal(rs.get(rs.self, "users", "u1", buf, &v), FANTASY_OK);
    assert_int_equal(v, 2);
    assert_string_equal(fantasy_buf_data(buf), "{\"a\":1}");
    assert_int_equal(rs.count(rs.self, "users", "tag:vip", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    const fantasy_index_key k = { "email:a@x", 1 };
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "users",
                                   .id = "u2",
                                   .keys = &k,
                                   .n_keys = 1 };
    assert_int_equal(rs.apply(rs.self, &op, 1, NULL), FANTASY_EEXISTS);
    fantasy_buf_free(buf);
    rs.destroy(rs.self);
}

static void check_stock(const char *path) {
    fantasy_stock_store ss;
    fantasy_stock_counts c;
    int64_t used = 0;
    assert_int_equal(fantasy_sqlite_stock_store_open(path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.available, 5);
    /* The usage counters were built from the holds: held 3 + sold 2; bob's were released. */
    assert_int_equal(ss.used(ss.self, "p", "alice", &used), FANTASY_OK);
    assert_int_equal(used, 5);
    assert_int_equal(ss.used(ss.self, "p", "bob", &used), FANTASY_OK);
    assert_int_equal(used, 0);
    fantasy_hold h = { "h4", "p", "alice", 2, 6, 9000 };
    assert_int_equal(ss.reserve(ss.self, &h), FANTASY_ELIMIT);
    h.qty = 1;
    assert_int_equal(ss.reserve(ss.self, &h), FANTASY_OK);
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(ss.expire(ss.self, 5000, 10, l), FANTASY_OK);
    assert_int_equal(fantasy_list_size(l), 1);
    assert_string_equal(fantasy_list_str(l, 0), "h1");
    assert_int_equal(ss.used(ss.self, "p", "alice", &used), FANTASY_OK);
    assert_int_equal(used, 3);
    fantasy_list_free(l);
    ss.destroy(ss.self);
}

static void check_queue(const char *path) {
    fantasy_queue_store qs;
    fantasy_queue_counts c;
    assert_int_equal(fantasy_sqlite_queue_store_open(path, NULL, &qs), FANTASY_OK);
    assert_int_equal(qs.counts(qs.self, "r", &c), FANTASY_OK);
    assert_int_equal(c.waiting, 2);
    assert_int_equal(c.called, 1);
    assert_int_equal(c.waiting_people, 7);
    int64_t pos = 0;
    int64_t ahead = 0;
    assert_int_equal(qs.position(qs.self, "e4", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 2);
    assert_int_equal(ahead, 3);
    assert_int_equal(qs.position(qs.self, "e2", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 1);
    assert_int_equal(ahead, 0);
    assert_int_equal(qs.position(qs.self, "e1", &pos, &ahead), FANTASY_ESTATE);
    int64_t seq = 0;
    const fantasy_queue_join again = { "e5", "r", "u2", 1, 200 };
    assert_int_equal(qs.enqueue(qs.self, &again, &seq), FANTASY_EQUEUED);
    const fantasy_queue_join j = { "e5", "r", "u5", 1, 200 };
    assert_int_equal(qs.enqueue(qs.self, &j, &seq), FANTASY_OK);
    assert_int_equal(seq, 5);
    assert_int_equal(qs.position(qs.self, "e5", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 3);
    assert_int_equal(ahead, 7);
    assert_int_equal(qs.finish(qs.self, "e2", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED, 300),
                     FANTASY_OK);
    assert_int_equal(qs.position(qs.self, "e5", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, 2);
    assert_int_equal(ahead, 4);
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(qs.due_calls(qs.self, 7000, 10, l), FANTASY_OK);
    assert_int_equal(fantasy_list_size(l), 1);
    assert_string_equal(fantasy_list_str(l, 0), "e1");
    fantasy_list_free(l);
    qs.destroy(qs.self);
}

static void test_migrate_from_v1(void **state) {
    const tmp *t = *state;
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, 1), FANTASY_OK);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 1);
    raw_sql(t->path, old_data);
    raw_sql(t->path, v1_product);
    check_records(t->path);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), FANTASY__SQLITE_SCHEMA);
    check_stock(t->path);
    check_queue(t->path);
}

static void test_migrate_from_v2(void **state) {
    const tmp *t = *state;
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, 2), FANTASY_OK);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 2);
    /* Schema 2 already kept usage counters; its queues still had no ride rows. */
    raw_sql(t->path, old_data);
    raw_sql(t->path, v2_product);
    check_queue(t->path);
    check_stock(t->path);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), FANTASY__SQLITE_SCHEMA);
}

static void test_migrate_to_bounds(void **state) {
    const tmp *t = *state;
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, 0), FANTASY_EINVAL);
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, FANTASY__SQLITE_SCHEMA + 1),
                     FANTASY_EINVAL);
    assert_int_equal(fantasy__sqlite_migrate_to(NULL, 1), FANTASY_EMISUSE);
    /* Migrating down is not a thing: a current file stays current. */
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, FANTASY__SQLITE_SCHEMA), FANTASY_OK);
    assert_int_equal(fantasy__sqlite_migrate_to(t->path, 1), FANTASY_OK);
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), FANTASY__SQLITE_SCHEMA);
}

static void test_newer_schema_refused(void **state) {
    const tmp *t = *state;
    raw_sql(t->path, "PRAGMA user_version = 99; CREATE TABLE future(x);");
    expect_open_fails(t->path, FANTASY_EINVAL, "schema version 99");
    assert_int_equal(raw_int(t->path, "PRAGMA user_version"), 99); /* untouched */
}

/* ---- files and paths that will not do ---------------------------------------------------- */

static void test_not_a_database(void **state) {
    const tmp *t = *state;
    write_file(t->path, "This is a text file, not an SQLite database: it has no header at all, "
                        "and it is long enough to be read as one.\n");
    expect_open_fails(t->path, FANTASY_EINVAL, "not a database");
}

static void test_bad_paths(void **state) {
    const tmp *t = *state;
    expect_open_fails("/nonexistent-fantasy-dir/sub/park.db", FANTASY_EUNAVAILABLE,
                      "/nonexistent-fantasy-dir/sub/park.db");
    expect_open_fails(t->dir, FANTASY_EUNAVAILABLE, "unable to open");
    expect_open_fails("", FANTASY_EINVAL, "empty path");
    expect_open_fails(":memory:", FANTASY_EINVAL, "a file path is needed");
    expect_open_fails("file:park.db?mode=memory", FANTASY_EINVAL, "a file path is needed");
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(NULL, NULL, &ss), FANTASY_EMISUSE);
    assert_int_equal(fantasy_sqlite_stock_store_open(t->path, NULL, NULL), FANTASY_EMISUSE);
}

/* In a child that gave up root (mode bits do not stop root), open the read-only file.
 * Exit 0 when every store refused it with FANTASY_EUNAVAILABLE. */
static int child_open_read_only(const char *path) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        return 2;
    }
    fantasy_record_store rs;
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    int bad = fantasy_sqlite_record_store_open(path, NULL, &rs) != FANTASY_EUNAVAILABLE;
    bad += strstr(fantasy_error_last(), "read-only") == NULL;
    bad += fantasy_sqlite_stock_store_open(path, NULL, &ss) != FANTASY_EUNAVAILABLE;
    bad += fantasy_sqlite_queue_store_open(path, NULL, &qs) != FANTASY_EUNAVAILABLE;
    if (bad) {
        (void)fprintf(stderr, "read-only open: %s\n", fantasy_error_last());
    }
    return bad ? 1 : 0;
}

static void test_read_only_file(void **state) {
    const tmp *t = *state;
    /* Its store closes the last connection: the WAL is folded back and removed. */
    sqfx_seed_stock(t->path, "p", 3);
    assert_int_equal(chmod(t->path, 0444), 0);
    assert_int_equal(chmod(t->dir, 0755), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(child_open_read_only(t->path));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(chmod(t->path, 0644), 0);
    assert_int_equal(raw_int(t->path, "SELECT stock FROM stock WHERE product = 'p' AND user = ''"),
                     3);
}

/* ---- fork -------------------------------------------------------------------------------- */

/* In the child: the parent's store refuses to work; a store opened here works. */
static int child_after_fork(fantasy_stock_store *inherited, const char *path) {
    const fantasy_hold h = { "child-hold", "p", "kid", 1, 0, 9000 };
    int bad = inherited->reserve(inherited->self, &h) != FANTASY_EMISUSE;
    bad += strstr(fantasy_error_last(), "after fork") == NULL;
    fantasy_stock_store mine;
    bad += fantasy_sqlite_stock_store_open(path, NULL, &mine) != FANTASY_OK;
    if (bad == 0) {
        bad += mine.reserve(mine.self, &h) != FANTASY_OK;
        mine.destroy(mine.self);
    }
    /* Frees only memory here: the parent's connections and its WAL stay untouched. */
    inherited->destroy(inherited->self);
    return bad ? 1 : 0;
}

static void test_fork(void **state) {
    const tmp *t = *state;
    fantasy_stock_store ss;
    assert_int_equal(fantasy_sqlite_stock_store_open(t->path, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 3), FANTASY_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(child_after_fork(&ss, t->path));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    fantasy_stock_counts c;
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.held, 1); /* the child's sale, seen through the parent's connection */
    const fantasy_hold h = { "parent-hold", "p", "mum", 2, 0, 9000 };
    assert_int_equal(ss.reserve(ss.self, &h), FANTASY_OK);
    ss.destroy(ss.self);
}

/* ---- the store shell (store.c) ---------------------------------------------------------- */

enum {
    REC,
    STOCK,
    QUEUE,
    N_KINDS
};

static const char *const open_fns[N_KINDS] = { "fantasy_sqlite_record_store_open",
                                               "fantasy_sqlite_stock_store_open",
                                               "fantasy_sqlite_queue_store_open" };

/* Open a store of `kind`; *self and *destroy from its vtable (NULL when the vtable is empty). */
static fantasy_status open_kind(int kind, const char *path, const fantasy_allocator *a, void **self,
                                void (**destroy)(void *)) {
    fantasy_record_store rs;
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    fantasy_status st;
    if (kind == REC) {
        st = fantasy_sqlite_record_store_open(path, a, &rs);
        *self = rs.self;
        *destroy = rs.destroy;
    } else if (kind == STOCK) {
        st = fantasy_sqlite_stock_store_open(path, a, &ss);
        *self = ss.self;
        *destroy = ss.destroy;
    } else {
        st = fantasy_sqlite_queue_store_open(path, a, &qs);
        *self = qs.self;
        *destroy = qs.destroy;
    }
    return st;
}

/* Every store's open names itself when `out` is NULL, and each allocation failure on the way
 * leaves the vtable empty and nothing allocated; the store that opens frees all it took. */
static void test_shell_open_failures(void **state) {
    const tmp *t = *state;
    assert_int_equal(fantasy_sqlite_record_store_open(t->path, NULL, NULL), FANTASY_EMISUSE);
    assert_non_null(strstr(fantasy_error_last(), "fantasy_sqlite_record_store_open: NULL out"));
    assert_int_equal(fantasy_sqlite_queue_store_open(t->path, NULL, NULL), FANTASY_EMISUSE);
    assert_non_null(strstr(fantasy_error_last(), "fantasy_sqlite_queue_store_open: NULL out"));
    for (int kind = 0; kind < N_KINDS; kind++) {
        int opened = 0;
        for (long n = 1; n < 1000 && !opened; n++) {
            faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER, .fail_at = n };
            fantasy_allocator a = faulty_allocator(&f);
            void *self = NULL;
            void (*destroy)(void *) = NULL;
            fantasy_status st = open_kind(kind, t->path, &a, &self, &destroy);
            if (st == FANTASY_OK) {
                assert_non_null(self);
                destroy(self);
                opened = !f.failed;
            } else {
                assert_int_equal(st, FANTASY_ENOMEM);
                assert_null(self);
                assert_null(destroy);
            }
            assert_int_equal(f.live, 0);
        }
        if (!opened) {
            fail_msg("%s never opened without a failed allocation", open_fns[kind]);
        }
    }
}

/* A method or destroy given another store type's handle refuses it by its own store's name and
 * leaves the handle alone. */
static void test_shell_foreign_handle(void **state) {
    const tmp *t = *state;
    fantasy_record_store rs;
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    open_three(t->path, &rs, &ss, &qs);
    fantasy_queue_counts qc;
    assert_int_equal(qs.counts(rs.self, "ride", &qc), FANTASY_EMISUSE);
    assert_string_equal(fantasy_error_last(), "sqlite queue store counts: NULL or destroyed store");
    fantasy_stock_counts sc;
    assert_int_equal(ss.counts(qs.self, "p", &sc), FANTASY_EMISUSE);
    assert_string_equal(fantasy_error_last(), "sqlite stock store counts: NULL or destroyed store");
    int64_t n = 0;
    assert_int_equal(rs.count(ss.self, "c", "k", &n), FANTASY_EMISUSE);
    assert_string_equal(fantasy_error_last(), "sqlite record store count: NULL or destroyed store");
    qs.destroy(rs.self);
    ss.destroy(qs.self);
    rs.destroy(ss.self);
    assert_int_equal(rs.count(rs.self, "c", "k", &n), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 1), FANTASY_OK);
    assert_int_equal(qs.counts(qs.self, "ride", &qc), FANTASY_OK);
    rs.destroy(rs.self);
    ss.destroy(ss.self);
    qs.destroy(qs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_file, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_three_stores_one_file, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v2, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_to_bounds, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_file, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_fork, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_shell_open_failures, setup, sqfx_teardown),
        cmocka_unit_test_setup_teardown(test_shell_foreign_handle, setup, sqfx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
