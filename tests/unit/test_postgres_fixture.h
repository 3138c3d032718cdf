/* Shared by the PostgreSQL tests (tests/unit/test_postgres_*.c, tests/conformance/run_postgres.c):
 * where the test server is, and fresh empty schemas on it.
 *
 * The server is named by FANTASY_TEST_PG (a conninfo: an existing server, nothing is started),
 * else by the file FANTASY_PG_CONNINFO_FILE names, which the ctest fixture postgres_server
 * writes (tests/integration/postgres.cmake). Neither → the test fails saying so: a missing
 * server is never a silent skip. */
#ifndef FANTASY_TESTS_POSTGRES_FIXTURE_H
#define FANTASY_TESTS_POSTGRES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#define PGFX_CONNINFO_MAX 1024

/* The test server's conninfo into buf; -1 (after saying why on stderr) when there is none. */
static inline int pgfx_conninfo(char *buf, size_t cap) {
    /* NOLINTNEXTLINE(concurrency-mt-unsafe): read once at test start, before any thread */
    const char *env = getenv("FANTASY_TEST_PG");
    if (env && *env) {
        (void)snprintf(buf, cap, "%s", env);
        return 0;
    }
    /* NOLINTNEXTLINE(concurrency-mt-unsafe): as above */
    const char *file = getenv("FANTASY_PG_CONNINFO_FILE");
    FILE *f = file ? fopen(file, "r") : NULL;
    if (!f) {
        (void)fprintf(stderr,
                      "postgres tests: no server. Set FANTASY_TEST_PG to a conninfo, or run "
                      "through ctest, whose postgres_server fixture starts one "
                      "(FANTASY_PG_CONNINFO_FILE=%s)\n",
                      file ? file : "(unset)");
        return -1;
    }
    int ok = fgets(buf, (int)cap, f) != NULL;
    (void)fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!ok || !*buf) {
        (void)fprintf(stderr, "postgres tests: %s is empty\n", file);
        return -1;
    }
    return 0;
}

/* Run SQL on a fresh connection; 0 or -1 (after printing the server's message). */
static inline int pgfx_exec(const char *conninfo, const char *sql) {
    PGconn *c = PQconnectdb(conninfo);
    int rc = -1;
    if (PQstatus(c) != CONNECTION_OK) {
        (void)fprintf(stderr, "postgres tests: cannot connect: %s", PQerrorMessage(c));
    } else {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        PGresult *r = PQexec(c, sql);
        ExecStatusType es = PQresultStatus(r);
        rc = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK ? 0 : -1;
        if (rc != 0) {
            (void)fprintf(stderr, "postgres tests: %s: %s", sql, PQerrorMessage(c));
        }
        PQclear(r);
    }
    PQfinish(c);
    return rc;
}

/* One integer from a query (-1 on any failure). */
static inline long long pgfx_scalar(const char *conninfo, const char *sql) {
    PGconn *c = PQconnectdb(conninfo);
    long long v = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        }
        PQclear(r);
    }
    PQfinish(c);
    return v;
}

/* A new empty schema "fx_<pid>_<n>_<tag>" on the server `base` names; `out` gets a conninfo
 * whose search_path is that schema. 0 or -1. */
static inline int pgfx_new_schema(const char *base, const char *tag, int n, char *out, size_t cap) {
    char name[96];
    (void)snprintf(name, sizeof name, "fx_%ld_%d_%s", (long)getpid(), n, tag);
    char sql[256];
    (void)snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name,
                   name);
    if (pgfx_exec(base, sql) != 0) {
        return -1;
    }
    (void)snprintf(out, cap, "%s options='-csearch_path=%s'", base, name);
    return 0;
}

/* Drop every schema this process made. */
static inline void pgfx_drop_mine(const char *base) {
    char sql[512];
    (void)snprintf(sql, sizeof sql,
                   "DO $$DECLARE s name; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE "
                   "nspname LIKE 'fx\\_%ld\\_%%' LOOP EXECUTE format('DROP SCHEMA %%I CASCADE', s);"
                   " END LOOP; END$$",
                   (long)getpid());
    (void)pgfx_exec(base, sql);
}

/* A test group's server and the schemas it makes there: `base` is the server, `conn` the schema
 * pgfx_fresh made last, `n` how many it made. A test's own world may start with one. */
typedef struct pgfx_world {
    char base[PGFX_CONNINFO_MAX];
    char conn[PGFX_CONNINFO_MAX + 128];
    int n;
} pgfx_world;

/* cmocka group setup: *state = the group's pgfx_world; -1 (the group fails) with no server. */
static inline int pgfx_setup(void **state) {
    static pgfx_world w;
    if (pgfx_conninfo(w.base, sizeof w.base) != 0) {
        return -1;
    }
    *state = &w;
    return 0;
}

/* cmocka group teardown for a world starting with a pgfx_world: drop the schemas made. */
static inline int pgfx_teardown(void **state) {
    const pgfx_world *w = *state;
    if (w) { /* NULL when setup found no server */
        pgfx_drop_mine(w->base);
    }
    return 0;
}

/* A new empty schema tagged `tag`: its conninfo (w->conn), or NULL. */
static inline const char *pgfx_fresh(pgfx_world *w, const char *tag) {
    return pgfx_new_schema(w->base, tag, ++w->n, w->conn, sizeof w->conn) == 0 ? w->conn : NULL;
}

#endif
