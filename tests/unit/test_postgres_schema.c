/* PostgreSQL stores: opening (bad conninfo, unreachable server), migrations (from an empty
 * schema, from an older release's schema, a newer one refused, many opening at once) and crash
 * safety (a writer killed with SIGKILL in the middle of a burst). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fantasy/backends/postgres.h"

#include "backends/postgres/schema.h"
#include "unit/fixture_queue.h"
#include "unit/test_postgres_fixture.h"

#define OPENERS 8

typedef pgfx_world world;

static const char *fresh(world *w, const char *tag) {
    const char *conn = pgfx_fresh(w, tag);
    assert_non_null(conn);
    return conn;
}

static void test_bad_conninfo(void **state) {
    (void)state;
    static const char *const bad[] = { "this is not a conninfo", "host='unterminated", "nokey=1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fantasy_record_store rs;
        fantasy_stock_store ss;
        fantasy_queue_store qs;
        assert_int_equal(fantasy_postgres_record_store_open(bad[i], NULL, &rs), FANTASY_EINVAL);
        assert_non_null(strstr(fantasy_error_last(), "malformed conninfo"));
        assert_null(rs.self);
        assert_int_equal(fantasy_postgres_stock_store_open(bad[i], NULL, &ss), FANTASY_EINVAL);
        assert_int_equal(fantasy_postgres_queue_store_open(bad[i], NULL, &qs), FANTASY_EINVAL);
    }
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_record_store_open(NULL, NULL, &rs), FANTASY_EMISUSE);
    assert_int_equal(fantasy_postgres_record_store_open("host=127.0.0.1", NULL, NULL),
                     FANTASY_EMISUSE);
}

static void test_unreachable_server(void **state) {
    (void)state;
    fantasy_stock_store ss;
    assert_int_equal(
        fantasy_postgres_stock_store_open("host=127.0.0.1 port=1 connect_timeout=2", NULL, &ss),
        FANTASY_EUNAVAILABLE);
    assert_non_null(strstr(fantasy_error_last(), "cannot connect"));
}

static void test_migrate_from_empty(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "empty");
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM pg_tables WHERE schemaname ="
                                       " current_schema()"),
                     0);
    fantasy_queue_store qs;
    assert_int_equal(fantasy_postgres_queue_store_open(conn, NULL, &qs), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"),
                     FANTASY__PG_SCHEMA_LATEST);
    qs.destroy(qs.self);
    /* Opening again changes nothing. */
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_record_store_open(conn, NULL, &rs), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM fantasy_schema_version"), 1);
    rs.destroy(rs.self);
}

static void test_migrate_documents_to_jsonb(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "previous");
    /* The schema and data of the release before documents had a JSONB reading (step 4). */
    assert_int_equal(fantasy__pg_migrate_to(conn, 3), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"), 3);
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM information_schema.columns WHERE"
                                       " table_schema = current_schema() AND column_name = 'body'"),
                     0);
    assert_int_equal(pgfx_exec(conn,
                               "INSERT INTO fantasy_docs VALUES ('\\x6f'::bytea,"
                               " '\\x31'::bytea, 7, convert_to('{\"a\":1}', 'UTF8'));"
                               "INSERT INTO fantasy_keys VALUES ('\\x6f'::bytea,"
                               " convert_to('tag:x', 'UTF8'), '\\x31'::bytea, false);"
                               "INSERT INTO fantasy_products VALUES ('\\x70'::bytea, 9, 2, 1)"),
                     0);
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_record_store_open(conn, NULL, &rs), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"),
                     FANTASY__PG_SCHEMA_LATEST);
    fantasy_buf *buf = NULL;
    assert_int_equal(fantasy_buf_new(NULL, &buf), FANTASY_OK);
    int64_t v = 0;
    assert_int_equal(rs.get(rs.self, "o", "1", buf, &v), FANTASY_OK);
    assert_int_equal(v, 7);
    assert_string_equal(fantasy_buf_data(buf), "{\"a\":1}");
    int64_t n = 0;
    assert_int_equal(rs.count(rs.self, "o", "tag:x", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    /* The old row got its JSONB reading; new ones get it too, non-JSON stays NULL. */
    assert_int_equal(pgfx_scalar(conn, "SELECT (body->>'a')::int FROM fantasy_docs"), 1);
    const fantasy_record_op ops[] = {
        { .kind = FANTASY_OP_PUT,
          .mode = FANTASY_WRITE_IF_VERSION,
          .collection = "o",
          .id = "1",
          .doc = "{\"a\":2}",
          .doc_len = 7,
          .expected_version = 7 },
        { .kind = FANTASY_OP_PUT,
          .mode = FANTASY_WRITE_CREATE,
          .collection = "o",
          .id = "2",
          .doc = "not json",
          .doc_len = 8 },
    };
    assert_int_equal(rs.apply(rs.self, ops, 2, NULL), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT (body->>'a')::int FROM fantasy_docs WHERE id ="
                                       " '\\x31'::bytea"),
                     2);
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM fantasy_docs WHERE body IS NULL"), 1);
    assert_int_equal(rs.get(rs.self, "o", "2", buf, &v), FANTASY_OK);
    assert_string_equal(fantasy_buf_data(buf), "not json");
    fantasy_buf_free(buf);
    rs.destroy(rs.self);
    fantasy_stock_store ss;
    assert_int_equal(fantasy_postgres_stock_store_open(conn, NULL, &ss), FANTASY_OK);
    fantasy_stock_counts c;
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.available, 6);
    ss.destroy(ss.self);
}

static void test_migrate_queues_to_rank_tree(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "ranks");
    /* A database of the release before the rank tree (step 5), queues filled through that
     * release's own functions: joins, a call, leaves, a refused join, joins after those, and a
     * second ride whose entries were all called. */
    assert_int_equal(fantasy__pg_migrate_to(conn, 4), FANTASY_OK);
    assert_int_equal(
        pgfx_exec(conn,
                  "SELECT count(fantasy_enqueue(convert_to('m' || i, 'UTF8'), '\\x72'::bytea,"
                  " convert_to('u' || i, 'UTF8'), 1 + i % 4, 0)) FROM generate_series(1, 40) i;"
                  "SELECT count(*) FROM fantasy_queue_call('\\x72'::bytea, 10, 1, 2);"
                  "UPDATE fantasy_entries SET status = 8, finished_at = 3 WHERE status = 1 AND"
                  " seq % 5 = 0;"
                  "SELECT fantasy_enqueue('\\x646570'::bytea, '\\x72'::bytea,"
                  " convert_to('u39', 'UTF8'), 1, 0);"
                  "SELECT count(fantasy_enqueue(convert_to('m' || i, 'UTF8'), '\\x72'::bytea,"
                  " convert_to('u' || i, 'UTF8'), 2, 0)) FROM generate_series(41, 43) i;"
                  "SELECT count(fantasy_enqueue(convert_to('s' || i, 'UTF8'), '\\x73'::bytea,"
                  " convert_to('u' || i, 'UTF8'), 1, 0)) FROM generate_series(1, 3) i;"
                  "SELECT count(*) FROM fantasy_queue_call('\\x73'::bytea, 100, 1, 2)"),
        0);
    long long waiting = pgfx_scalar(conn, "SELECT count(*) FROM fantasy_entries WHERE status = 1");
    assert_true(waiting > 20);
    fantasy_queue_store qs;
    assert_int_equal(fantasy_postgres_queue_store_open(conn, NULL, &qs), FANTASY_OK);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"),
                     FANTASY__PG_SCHEMA_LATEST);
    /* A node per seq handed out (the refused join's was taken back), none for anything else. */
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM fantasy_queue_tree WHERE ride ="
                                       " '\\x72'::bytea"),
                     43);
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM fantasy_queue_tree WHERE ride ="
                                       " '\\x73'::bytea AND cnt = 0 AND people = 0"),
                     3);
    assert_int_equal(qfx_check_ride(&qs, "r"), waiting);
    assert_int_equal(qfx_check_ride(&qs, "s"), 0);
    int64_t pos = 0;
    int64_t ahead = 0;
    assert_int_equal(qs.position(qs.self, "m43", &pos, &ahead), FANTASY_OK);
    assert_int_equal(pos, waiting);
    /* The migrated tree keeps working: a join, a leave from the middle, a call. */
    const fantasy_queue_join j = { "new", "r", "newcomer", 3, 10 };
    int64_t seq = 0;
    assert_int_equal(qs.enqueue(qs.self, &j, &seq), FANTASY_OK);
    assert_int_equal(seq, 44);
    assert_int_equal(qs.finish(qs.self, "m22", FANTASY_ENTRY_WAITING, FANTASY_ENTRY_CANCELED, 11),
                     FANTASY_OK);
    assert_int_equal(qfx_check_ride(&qs, "r"), waiting);
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(qs.call(qs.self, "r", 7, 12, 13, l), FANTASY_OK);
    assert_true(fantasy_list_size(l) > 0);
    assert_int_equal(qfx_check_ride(&qs, "r"), waiting - (long long)fantasy_list_size(l));
    fantasy_list_free(l);
    assert_int_equal(qs.position(qs.self, "new", &pos, &ahead), FANTASY_OK);
    fantasy_queue_counts c;
    assert_int_equal(qs.counts(qs.self, "r", &c), FANTASY_OK);
    assert_int_equal(pos, c.waiting);
    assert_int_equal(ahead, c.waiting_people - 3);
    qs.destroy(qs.self);
}

static void test_migrate_from_first_release(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "first");
    assert_int_equal(fantasy__pg_migrate_to(conn, 1), FANTASY_OK);
    fantasy_stock_store ss;
    assert_int_equal(fantasy_postgres_stock_store_open(conn, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 3), FANTASY_OK);
    const fantasy_hold h = { "h", "p", "u", 2, 0, 100 };
    assert_int_equal(ss.reserve(ss.self, &h), FANTASY_OK);
    ss.destroy(ss.self);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"),
                     FANTASY__PG_SCHEMA_LATEST);
    assert_int_equal(fantasy__pg_migrate_to(conn, FANTASY__PG_SCHEMA_LATEST + 1), FANTASY_EINVAL);
}

static void test_newer_schema_refused(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "newer");
    assert_int_equal(fantasy__pg_migrate_to(conn, FANTASY__PG_SCHEMA_LATEST), FANTASY_OK);
    assert_int_equal(pgfx_exec(conn, "UPDATE fantasy_schema_version SET version = 99"), 0);
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_record_store_open(conn, NULL, &rs), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "newer"));
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"), 99);
}

typedef struct opener {
    const char *conn;
    pthread_barrier_t *go;
    fantasy_status st;
} opener;

static void *open_at_once(void *arg) {
    opener *o = arg;
    fantasy_stock_store ss;
    (void)pthread_barrier_wait(o->go);
    o->st = fantasy_postgres_stock_store_open(o->conn, NULL, &ss);
    if (o->st == FANTASY_OK) {
        ss.destroy(ss.self);
    }
    return NULL;
}

static void test_concurrent_first_open(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "race");
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, OPENERS), 0);
    pthread_t t[OPENERS];
    opener o[OPENERS];
    for (int i = 0; i < OPENERS; i++) {
        o[i] = (opener){ .conn = conn, .go = &go };
        assert_int_equal(pthread_create(&t[i], NULL, open_at_once, &o[i]), 0);
    }
    for (int i = 0; i < OPENERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(o[i].st, FANTASY_OK);
    }
    (void)pthread_barrier_destroy(&go);
    assert_int_equal(pgfx_scalar(conn, "SELECT version FROM fantasy_schema_version"),
                     FANTASY__PG_SCHEMA_LATEST);
}

/* The writer: batches of three documents sharing the key batch:<n>, each beside a reserve,
 * as fast as it can until it is killed. */
static int writer(const char *conn) {
    fantasy_record_store rs;
    fantasy_stock_store ss;
    if (fantasy_postgres_record_store_open(conn, NULL, &rs) != FANTASY_OK ||
        fantasy_postgres_stock_store_open(conn, NULL, &ss) != FANTASY_OK) {
        return 1;
    }
    for (int n = 0;; n++) {
        char key[32];
        char ids[3][32];
        (void)snprintf(key, sizeof key, "batch:%06d", n);
        const fantasy_index_key k = { key, 0 };
        fantasy_record_op ops[3];
        for (int i = 0; i < 3; i++) {
            (void)snprintf(ids[i], sizeof ids[i], "d%06d-%d", n, i);
            ops[i] = (fantasy_record_op){ .kind = FANTASY_OP_PUT,
                                          .mode = FANTASY_WRITE_CREATE,
                                          .collection = "crash",
                                          .id = ids[i],
                                          .doc = "{\"x\":1}",
                                          .doc_len = 7,
                                          .keys = &k,
                                          .n_keys = 1 };
        }
        if (rs.apply(rs.self, ops, 3, NULL) != FANTASY_OK) {
            return 1;
        }
        const fantasy_hold h = { ids[0], "crash", "u", 1, 0, 1000 + n };
        if (ss.reserve(ss.self, &h) != FANTASY_OK) {
            return 1;
        }
    }
}

static void test_kill_writer_mid_burst(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "crash");
    fantasy_stock_store ss;
    assert_int_equal(fantasy_postgres_stock_store_open(conn, NULL, &ss), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "crash", 1000000), FANTASY_OK);
    ss.destroy(ss.self);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        _exit(writer(conn));
    }
    /* Let it get going, then kill it wherever it is. */
    for (int i = 0; i < 200 && pgfx_scalar(conn, "SELECT count(*) FROM fantasy_holds") < 50; i++) {
        const struct timespec tick = { 0, 10000000L };
        (void)nanosleep(&tick, NULL);
    }
    assert_int_equal(kill(kid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFSIGNALED(status));

    /* Every batch landed whole or not at all. */
    fantasy_record_store rs;
    assert_int_equal(fantasy_postgres_record_store_open(conn, NULL, &rs), FANTASY_OK);
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(rs.find_keys(rs.self, "crash", "batch:", NULL, 100000, l), FANTASY_OK);
    assert_true(fantasy_list_size(l) >= 50);
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        assert_int_equal(fantasy_list_num(l, i), 3);
    }
    assert_int_equal(pgfx_scalar(conn, "SELECT count(*) FROM fantasy_docs"),
                     3 * (long long)fantasy_list_size(l));
    fantasy_list_free(l);
    rs.destroy(rs.self);
    /* And the stock counters still add up to the holds. */
    assert_int_equal(fantasy_postgres_stock_store_open(conn, NULL, &ss), FANTASY_OK);
    fantasy_stock_counts c;
    assert_int_equal(ss.counts(ss.self, "crash", &c), FANTASY_OK);
    assert_int_equal(c.available + c.held + c.sold, c.stock);
    assert_int_equal(pgfx_scalar(conn, "SELECT coalesce(sum(qty), 0) FROM fantasy_holds"), c.held);
    int64_t used = 0;
    assert_int_equal(ss.used(ss.self, "crash", "u", &used), FANTASY_OK);
    assert_int_equal(used, c.held);
    /* The store still works after the crash. */
    const fantasy_hold h = { "after", "crash", "u", 1, 0, 5 };
    assert_int_equal(ss.reserve(ss.self, &h), FANTASY_OK);
    ss.destroy(ss.self);
}

/* The stores' shared checks (store.c): a handle of another store type is refused by the
 * called store's name and left alone, and a bad id is named with what it is. */
static void test_foreign_handle_and_bad_ids(void **state) {
    world *w = *state;
    const char *conn = fresh(w, "shell");
    fantasy_stock_store ss;
    fantasy_queue_store qs;
    assert_int_equal(fantasy_postgres_stock_store_open(conn, NULL, &ss), FANTASY_OK);
    assert_int_equal(fantasy_postgres_queue_store_open(conn, NULL, &qs), FANTASY_OK);
    fantasy_queue_counts qc;
    assert_int_equal(qs.counts(ss.self, "ride", &qc), FANTASY_EMISUSE);
    assert_string_equal(fantasy_error_last(), "postgres queue store: NULL or destroyed store");
    fantasy_stock_counts sc;
    assert_int_equal(ss.counts(qs.self, "p", &sc), FANTASY_EMISUSE);
    assert_string_equal(fantasy_error_last(), "postgres stock store: NULL or destroyed store");
    qs.destroy(ss.self);
    ss.destroy(qs.self);
    fantasy_queue_entry e;
    assert_int_equal(qs.entry(qs.self, "", &e), FANTASY_EINVAL);
    assert_string_equal(fantasy_error_last(), "postgres queue store: bad entry id ''");
    fantasy_hold_info h;
    assert_int_equal(ss.hold(ss.self, NULL, &h), FANTASY_EINVAL);
    assert_string_equal(fantasy_error_last(), "postgres stock store: bad hold id '(null)'");
    assert_int_equal(ss.set_stock(ss.self, "p", 2), FANTASY_OK);
    assert_int_equal(qs.counts(qs.self, "ride", &qc), FANTASY_OK);
    ss.destroy(ss.self);
    qs.destroy(qs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_conninfo),
        cmocka_unit_test(test_unreachable_server),
        cmocka_unit_test(test_migrate_from_empty),
        cmocka_unit_test(test_migrate_documents_to_jsonb),
        cmocka_unit_test(test_migrate_queues_to_rank_tree),
        cmocka_unit_test(test_migrate_from_first_release),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_foreign_handle_and_bad_ids),
        cmocka_unit_test(test_concurrent_first_open),
        cmocka_unit_test(test_kill_writer_mid_burst),
    };
    return cmocka_run_group_tests(tests, pgfx_setup, pgfx_teardown);
}
