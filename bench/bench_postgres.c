/* bench_postgres: successful reserves per second on one hot product, 8 clients (threads, each
 * on its own connection), against a durable PostgreSQL (fsync and synchronous_commit on):
 *   (a) the library's reserve: one call of fantasy_reserve, one round trip, its own transaction;
 *   (b) the pessimistic pattern: BEGIN; SELECT … FOR UPDATE; UPDATE; INSERT the hold; COMMIT;
 *   (c) the limit: a bare conditional UPDATE per transaction, with no hold row at all.
 * Target: a/b ≥ 1.2. The server is FANTASY_BENCH_PG (a conninfo) or, when unset, a durable
 * throwaway one started with scripts/pg-test-server.sh --durable (FANTASY_PG_SCRIPT overrides the
 * path) and stopped at the end. Each case runs BENCH_SECONDS (default 3) seconds in a schema of
 * its own that is dropped afterwards. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "fantasy/backends/postgres.h"

#define CLIENTS 8
#define USERS   1000
#define TARGET  1.2

typedef struct bench {
    char base[1024];
    char conn[1200];
    char dir[64];
    char script[1024];
    int own_server;
    double seconds;
} bench;

typedef struct client {
    const bench *b;
    int id;
    int kind; /* 'a', 'b' or 'c' */
    const fantasy_stock_store *st;
    atomic_int *stop;
    long long ok, failed;
} client;

static double now_s(void) {
    struct timespec t;
    (void)clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int run_script(const bench *b, const char *verb, const char *flag) {
    pid_t kid = fork();
    if (kid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            (void)dup2(devnull, 1);
        }
        if (flag) {
            execl(b->script, b->script, verb, flag, b->dir, (char *)NULL);
        } else {
            execl(b->script, b->script, verb, b->dir, (char *)NULL);
        }
        _exit(127);
    }
    int status = 0;
    if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

static int exec_sql(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    ExecStatusType es = PQresultStatus(r);
    int ok = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK;
    if (!ok) {
        (void)fprintf(stderr, "bench_postgres: %s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static int find_server(bench *b) {
    const char *env = getenv("FANTASY_BENCH_PG");
    if (env && *env) {
        (void)snprintf(b->base, sizeof b->base, "%s", env);
        return 0;
    }
    const char *script = getenv("FANTASY_PG_SCRIPT");
    (void)snprintf(b->script, sizeof b->script, "%s",
                   script && *script ? script : "scripts/pg-test-server.sh");
    (void)snprintf(b->dir, sizeof b->dir, "/tmp/fantasy-bench-pg.XXXXXX");
    if (!mkdtemp(b->dir) || run_script(b, "start", "--durable") != 0) {
        (void)fprintf(stderr,
                      "bench_postgres: cannot start a server with %s (run from the "
                      "repository root, or set FANTASY_BENCH_PG)\n",
                      b->script);
        return -1;
    }
    b->own_server = 1;
    char file[128];
    (void)snprintf(file, sizeof file, "%s/conninfo", b->dir);
    FILE *f = fopen(file, "r");
    int ok = f && fgets(b->base, sizeof b->base, f);
    if (f) {
        (void)fclose(f);
    }
    b->base[strcspn(b->base, "\n")] = '\0';
    return ok ? 0 : -1;
}

static void print_settings(PGconn *c) {
    static const char *const names[] = { "server_version",     "fsync",
                                         "synchronous_commit", "shared_buffers",
                                         "wal_sync_method",    "transaction_isolation" };
    printf("server settings:");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char sql[64];
        (void)snprintf(sql, sizeof sql, "SHOW %s", names[i]);
        PGresult *r = PQexec(c, sql);
        printf(" %s=%s", names[i],
               PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
        PQclear(r);
    }
    printf("\n");
}

/* ---- the three clients ------------------------------------------------------------------ */

static void run_library(client *c) {
    for (long long i = 0; !atomic_load(c->stop); i++) {
        char hold[48];
        char user[16];
        (void)snprintf(hold, sizeof hold, "a%d-%lld", c->id, i);
        (void)snprintf(user, sizeof user, "u%lld", (c->id + i * CLIENTS) % USERS);
        const fantasy_hold h = { hold, "hot-a", user, 1, 1000000, INT64_MAX - 1 };
        if (c->st->reserve(c->st->self, &h) == FANTASY_OK) {
            c->ok++;
        } else {
            c->failed++;
        }
    }
}

static int step(PGconn *pg, const char *sql, int n, const char *const *v, ExecStatusType want) {
    PGresult *r = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
    int ok = PQresultStatus(r) == want;
    PQclear(r);
    return ok;
}

/* BEGIN; SELECT … FOR UPDATE; check; UPDATE; INSERT the hold; COMMIT. */
static int pessimistic_once(PGconn *pg, int id, long long i) {
    char hold[48];
    char user[16];
    (void)snprintf(hold, sizeof hold, "b%d-%lld", id, i);
    (void)snprintf(user, sizeof user, "u%lld", (id + i * CLIENTS) % USERS);
    const char *p[] = { "\\x686f742d62" /* hot-b */, hold, user };
    if (!step(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK)) {
        return 0;
    }
    PGresult *r = PQexecParams(pg,
                               "SELECT stock - held - sold FROM fantasy_products WHERE id ="
                               " $1::bytea FOR UPDATE",
                               1, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
             strtoll(PQgetvalue(r, 0, 0), NULL, 10) >= 1;
    PQclear(r);
    ok = ok && step(pg, "UPDATE fantasy_products SET held = held + 1 WHERE id = $1::bytea", 1, p,
                    PGRES_COMMAND_OK);
    ok = ok && step(pg,
                    "INSERT INTO fantasy_holds VALUES (convert_to($2, 'UTF8'), $1::bytea,"
                    " convert_to($3, 'UTF8'), 1, 9223372036854775806, 1)",
                    3, p, PGRES_COMMAND_OK);
    ok = ok && step(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK);
    if (!ok) {
        PQclear(PQexec(pg, "ROLLBACK"));
    }
    return ok;
}

static int bare_once(PGconn *pg) {
    const char *p[] = { "\\x686f742d63" /* hot-c */ };
    PGresult *r = PQexecParams(pg,
                               "UPDATE fantasy_products SET held = held + 1 WHERE id = $1::bytea"
                               " AND stock - held - sold >= 1",
                               1, NULL, p, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return ok;
}

static void run_baseline(client *c) {
    PGconn *pg = PQconnectdb(c->b->conn);
    if (PQstatus(pg) != CONNECTION_OK) {
        c->failed++;
        PQfinish(pg);
        return;
    }
    for (long long i = 0; !atomic_load(c->stop); i++) {
        int ok = c->kind == 'b' ? pessimistic_once(pg, c->id, i) : bare_once(pg);
        if (ok) {
            c->ok++;
        } else {
            c->failed++;
        }
    }
    PQfinish(pg);
}

static void *client_run(void *arg) {
    client *c = arg;
    if (c->kind == 'a') {
        run_library(c);
    } else {
        run_baseline(c);
    }
    return NULL;
}

/* Run one case with CLIENTS threads for b->seconds; successful reserves per second. */
static double run_case(const bench *b, int kind, const fantasy_stock_store *st, long long *failed) {
    atomic_int stop;
    atomic_init(&stop, 0);
    pthread_t t[CLIENTS];
    client c[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        c[i] = (client){ .b = b, .id = i, .kind = kind, .st = st, .stop = &stop };
    }
    double t0 = now_s();
    for (int i = 0; i < CLIENTS; i++) {
        if (pthread_create(&t[i], NULL, client_run, &c[i]) != 0) {
            return -1;
        }
    }
    const struct timespec nap = { (time_t)b->seconds,
                                  (long)((b->seconds - (double)(time_t)b->seconds) * 1e9) };
    (void)nanosleep(&nap, NULL);
    atomic_store(&stop, 1);
    long long ok = 0;
    *failed = 0;
    for (int i = 0; i < CLIENTS; i++) {
        (void)pthread_join(t[i], NULL);
        ok += c[i].ok;
        *failed += c[i].failed;
    }
    return (double)ok / (now_s() - t0);
}

static int measure(bench *b) {
    fantasy_stock_store st;
    if (fantasy_postgres_stock_store_open(b->conn, NULL, &st) != FANTASY_OK) {
        (void)fprintf(stderr, "bench_postgres: %s\n", fantasy_error_last());
        return -1;
    }
    static const char *const products[] = { "hot-a", "hot-b", "hot-c" };
    for (int i = 0; i < 3; i++) {
        if (st.set_stock(st.self, products[i], 1000000000) != FANTASY_OK) {
            st.destroy(st.self);
            return -1;
        }
    }
    long long fa = 0, fb = 0, fc = 0;
    double a = run_case(b, 'a', &st, &fa);
    double pb = run_case(b, 'b', NULL, &fb);
    double pc = run_case(b, 'c', NULL, &fc);
    st.destroy(st.self);
    printf("\n%-52s %8s %12s %8s\n", "case (8 clients, one hot product)", "ok/s", "failed", "a/x");
    printf("%-52s %8.0f %12lld %8s\n", "(a) library reserve (fantasy_reserve)", a, fa, "-");
    printf("%-52s %8.0f %12lld %8.2f  target >= %.1f: %s\n",
           "(b) BEGIN; SELECT FOR UPDATE; UPDATE; INSERT; COMMIT", pb, fb, pb > 0 ? a / pb : 0.0,
           TARGET, pb > 0 && a / pb >= TARGET ? "met" : "missed");
    printf("%-52s %8.0f %12lld %8.2f  (the limit: no hold row)\n",
           "(c) bare conditional UPDATE per transaction", pc, fc, pc > 0 ? a / pc : 0.0);
    printf("BENCH\tpg_reserve_hot\tpostgres\t%d\t%.0f\tpg_select_for_update\t%.0f\n", CLIENTS, a,
           pb);
    printf("BENCH\tpg_reserve_hot\tpostgres\t%d\t%.0f\tpg_bare_update\t%.0f\n", CLIENTS, a, pc);
    return 0;
}

int main(void) {
    static bench b;
    const char *secs = getenv("BENCH_SECONDS");
    b.seconds = secs ? strtod(secs, NULL) : 0.0;
    if (!(b.seconds > 0)) {
        b.seconds = 3.0;
    }
    if (find_server(&b) != 0) {
        return 1;
    }
    char schema[64];
    (void)snprintf(schema, sizeof schema, "bench_pg_%ld", (long)getpid());
    (void)snprintf(b.conn, sizeof b.conn, "%s options='-csearch_path=%s'", b.base, schema);
    PGconn *admin = PQconnectdb(b.base);
    int rc = PQstatus(admin) == CONNECTION_OK ? 0 : 1;
    char sql[160];
    (void)snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    if (rc == 0 && exec_sql(admin, "SET client_min_messages = warning") == 0 &&
        exec_sql(admin, sql) == 0) {
        print_settings(admin);
        rc = measure(&b) == 0 ? 0 : 1;
        (void)snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
        (void)exec_sql(admin, sql);
    } else {
        (void)fprintf(stderr, "bench_postgres: cannot prepare %s: %s", b.base,
                      PQerrorMessage(admin));
        rc = 1;
    }
    PQfinish(admin);
    if (b.own_server) {
        (void)run_script(&b, "stop", NULL);
    }
    return rc;
}
