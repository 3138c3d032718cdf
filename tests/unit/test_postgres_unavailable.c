/* A stopped PostgreSQL server: every call fails with FANTASY_EUNAVAILABLE and a clear message,
 * writes nothing, and the same stores work again once the server is back. Runs its own private
 * server (scripts/pg-test-server.sh, named by FANTASY_PG_SCRIPT), so the shared one is left
 * alone. */
#include <fcntl.h>
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

#include "fantasy/backends/postgres.h"

#include "unit/test_postgres_fixture.h"

typedef struct world {
    char script[1024];
    char dir[64];
    char conn[PGFX_CONNINFO_MAX];
    int started;
} world;

/* Run the server script with `verb` on our directory; its exit status. */
static int script(const world *w, const char *verb) {
    pid_t kid = fork();
    if (kid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            (void)dup2(devnull, 1);
        }
        execl(w->script, w->script, verb, w->dir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static int setup(void **state) {
    static world w;
    /* NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before any thread */
    const char *s = getenv("FANTASY_PG_SCRIPT");
    if (!s || !*s) {
        (void)fprintf(stderr, "test_postgres_unavailable: set FANTASY_PG_SCRIPT to "
                              "scripts/pg-test-server.sh (ctest does)\n");
        return -1;
    }
    (void)snprintf(w.script, sizeof w.script, "%s", s);
    (void)snprintf(w.dir, sizeof w.dir, "/tmp/fantasy-pg-private.XXXXXX");
    if (!mkdtemp(w.dir) || script(&w, "start") != 0) {
        (void)fprintf(stderr, "test_postgres_unavailable: cannot start a private server\n");
        return -1;
    }
    w.started = 1;
    char file[128];
    (void)snprintf(file, sizeof file, "%s/conninfo", w.dir);
    FILE *f = fopen(file, "r");
    if (!f || !fgets(w.conn, sizeof w.conn, f)) {
        return -1;
    }
    (void)fclose(f);
    w.conn[strcspn(w.conn, "\n")] = '\0';
    *state = &w;
    return 0;
}

static int teardown(void **state) {
    world *w = *state;
    if (w && w->started) {
        (void)script(w, "stop");
    }
    return 0;
}

#define EXPECT_UNAVAILABLE(call)                                     \
    do {                                                             \
        (void)fantasy_error_set(FANTASY_OK, "%s", "");               \
        assert_int_equal((call), FANTASY_EUNAVAILABLE);              \
        assert_non_null(strstr(fantasy_error_last(), "postgres"));   \
        assert_true(strstr(fantasy_error_last(), "unavailable") ||   \
                    strstr(fantasy_error_last(), "cannot connect")); \
    } while (0)

static void test_stopped_server_then_back(void **state) {
    world *w = *state;
    fantasy_stock_store ss;
    fantasy_record_store rs;
    fantasy_queue_store qs;
    assert_int_equal(fantasy_postgres_stock_store_open(w->conn, NULL, &ss), FANTASY_OK);
    assert_int_equal(fantasy_postgres_record_store_open(w->conn, NULL, &rs), FANTASY_OK);
    assert_int_equal(fantasy_postgres_queue_store_open(w->conn, NULL, &qs), FANTASY_OK);
    assert_int_equal(ss.set_stock(ss.self, "p", 10), FANTASY_OK);
    const fantasy_hold h1 = { "h1", "p", "u", 1, 0, 1000 };
    const fantasy_hold h2 = { "h2", "p", "u", 2, 0, 1000 };
    assert_int_equal(ss.reserve(ss.self, &h1), FANTASY_OK);
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "c",
                                   .id = "d",
                                   .doc = "{}",
                                   .doc_len = 2 };

    assert_int_equal(script(w, "pause"), 0);
    EXPECT_UNAVAILABLE(ss.reserve(ss.self, &h2));
    EXPECT_UNAVAILABLE(ss.reserve(ss.self, &h2)); /* and again: no crash, no stuck state */
    fantasy_stock_counts c;
    EXPECT_UNAVAILABLE(ss.counts(ss.self, "p", &c));
    EXPECT_UNAVAILABLE(rs.apply(rs.self, &op, 1, NULL));
    const fantasy_queue_join j = { "e1", "r", "u", 1, 5 };
    int64_t seq = 0;
    EXPECT_UNAVAILABLE(qs.enqueue(qs.self, &j, &seq));
    fantasy_stock_store other;
    EXPECT_UNAVAILABLE(fantasy_postgres_stock_store_open(w->conn, NULL, &other));

    assert_int_equal(script(w, "resume"), 0);
    /* The pooled connections died with the server: the stores reconnect by themselves. */
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.held, 1); /* nothing of the failed calls was written */
    assert_int_equal(ss.reserve(ss.self, &h2), FANTASY_OK);
    assert_int_equal(ss.counts(ss.self, "p", &c), FANTASY_OK);
    assert_int_equal(c.held, 3);
    assert_int_equal(rs.apply(rs.self, &op, 1, NULL), FANTASY_OK);
    assert_int_equal(qs.enqueue(qs.self, &j, &seq), FANTASY_OK);
    assert_int_equal(seq, 1);
    ss.destroy(ss.self);
    rs.destroy(rs.self);
    qs.destroy(qs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stopped_server_then_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
