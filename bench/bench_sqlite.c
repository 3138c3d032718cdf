/* Issue 7 benchmark: successful reserves per second on one hot product, 8 client threads each
 * with its own SQLite connection, on a file in a temporary directory, side by side in one run:
 * (a) the library's SQLite stock store reserve (hold row, one conditional UPDATE, usage upsert
 *     in one IMMEDIATE transaction);
 * (b) the limit: a bare loop of one conditional UPDATE per IMMEDIATE transaction;
 * (c) naive: read the counters, check, write them back in separate statements of a deferred
 *     transaction, retrying the whole step on SQLITE_BUSY.
 * (b) and (c) use the store's settings (WAL, synchronous=NORMAL, busy_timeout 10 s) and a fresh
 * file each. Each case runs BENCH_SECONDS (default 2.5) seconds. Prints the rates with the CPU
 * time per successful reserve (steadier than the rate when other work shares the cores), the
 * ratios a/b (target ≥ 0.5) and a/c, and BENCH lines. Not a test: prints, exits 0 unless a case
 * could not run. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fantasy/backends/sqlite.h"

#define THREADS 8
#define STOCK   1000000000000LL
#define USERS   256

typedef struct bench_case bench_case;

typedef struct client {
    const bench_case *bc;
    sqlite3 *db;          /* (b), (c): this thread's connection */
    sqlite3_stmt *st[5];  /* (b), (c): its statements */
    uint64_t ok, retries; /* successful reserves; BUSY retries (c) */
    int tid;
    int failed; /* a case-breaking error */
} client;

struct bench_case {
    const char *name;
    int (*setup)(client *c);
    int (*step)(client *c, uint64_t i);
    fantasy_stock_store *store; /* (a) */
    const char *path;
    pthread_barrier_t *start;
    atomic_int *stop;
    atomic_ullong *clock; /* (a): the park clock's stand-in */
};

static double cpu_s(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double duration(void) {
    const char *s = getenv("BENCH_SECONDS"); /* NOLINT(concurrency-mt-unsafe): before threads */
    double d = s ? strtod(s, NULL) : 2.5;
    return d >= 0.1 && d <= 60.0 ? d : 2.5;
}

/* ---- (a) the library --------------------------------------------------------------------- */

static int lib_setup(client *c) {
    (void)c;
    return 0;
}

/* Hold ids are order ids, which the park makes time-ordered (ms + random bits), and expiries are
 * now + the order TTL: a shared counter stands for the clock, so rows land where they would. */
static int lib_step(client *c, uint64_t i) {
    char id[48];
    char user[16];
    unsigned long long tick = atomic_fetch_add(c->bc->clock, 1);
    (void)snprintf(id, sizeof id, "%016llx%02d", tick, c->tid);
    (void)snprintf(user, sizeof user, "u%llu",
                   (unsigned long long)(i * THREADS + (uint64_t)c->tid) % USERS);
    const fantasy_hold h = { id, "hot",        user,
                             1,  1000000000LL, 1700000000000LL + 600000 + (int64_t)tick };
    fantasy_status st = c->bc->store->reserve(c->bc->store->self, &h);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "reserve: %s\n", fantasy_error_last());
        return -1;
    }
    c->ok++;
    return 0;
}

/* ---- (b), (c): plain connections --------------------------------------------------------- */

static int raw_open(client *c, const char *const *sql, int n) {
    if (sqlite3_open_v2(c->bc->path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        return -1;
    }
    (void)sqlite3_busy_timeout(c->db, 10000);
    if (sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK) {
        return -1;
    }
    for (int k = 0; k < n; k++) {
        if (sqlite3_prepare_v3(c->db, sql[k], -1, SQLITE_PREPARE_PERSISTENT, &c->st[k], NULL) !=
            SQLITE_OK) {
            (void)fprintf(stderr, "prepare %s: %s\n", sql[k], sqlite3_errmsg(c->db));
            return -1;
        }
    }
    return 0;
}

static int run(sqlite3_stmt *s) {
    int rc = sqlite3_step(s);
    (void)sqlite3_reset(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static const char *const bare_sql[] = {
    "BEGIN IMMEDIATE",
    "UPDATE stock SET held = held + 1 WHERE product = 'hot' AND user = '' AND stock - held - sold "
    ">= 1",
    "COMMIT",
};

static int bare_setup(client *c) {
    return raw_open(c, bare_sql, 3);
}

static int bare_step(client *c, uint64_t i) {
    (void)i;
    if (run(c->st[0]) != SQLITE_OK || run(c->st[1]) != SQLITE_OK) {
        return -1;
    }
    int took = sqlite3_changes(c->db) == 1;
    if (run(c->st[2]) != SQLITE_OK) {
        return -1;
    }
    c->ok += (uint64_t)took;
    return 0;
}

static const char *const naive_sql[] = {
    "BEGIN",
    "SELECT stock, held, sold FROM stock WHERE product = 'hot' AND user = ''",
    "UPDATE stock SET held = ?1 WHERE product = 'hot' AND user = ''",
    "COMMIT",
    "ROLLBACK",
};

static int naive_setup(client *c) {
    return raw_open(c, naive_sql, 5);
}

/* One try: 1 sold, 0 sold out, SQLITE_BUSY* to retry, anything else fails. */
static int naive_try(client *c) {
    sqlite3_stmt *sel = c->st[1];
    int rc = run(c->st[0]);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(sel);
    }
    if (rc != SQLITE_ROW) {
        (void)sqlite3_reset(sel);
        return rc == SQLITE_OK ? -1 : rc;
    }
    int64_t stock = sqlite3_column_int64(sel, 0);
    int64_t held = sqlite3_column_int64(sel, 1);
    int64_t sold = sqlite3_column_int64(sel, 2);
    (void)sqlite3_reset(sel);
    if (stock - held - sold < 1) {
        return run(c->st[3]) == SQLITE_OK ? 0 : -1;
    }
    (void)sqlite3_bind_int64(c->st[2], 1, held + 1);
    rc = run(c->st[2]);
    if (rc == SQLITE_OK) {
        rc = run(c->st[3]);
    }
    return rc == SQLITE_OK ? 1 : rc;
}

static int naive_step(client *c, uint64_t i) {
    (void)i;
    for (;;) {
        int rc = naive_try(c);
        if (rc == 0 || rc == 1) {
            c->ok += (uint64_t)rc;
            return 0;
        }
        if (!sqlite3_get_autocommit(c->db)) {
            (void)run(c->st[4]);
        }
        if ((rc & 0xff) != SQLITE_BUSY) {
            (void)fprintf(stderr, "naive: %s\n", sqlite3_errmsg(c->db));
            return -1;
        }
        c->retries++;
    }
}

/* ---- running a case ---------------------------------------------------------------------- */

static void *client_run(void *arg) {
    client *c = arg;
    const bench_case *bc = c->bc;
    c->failed = bc->setup(c) != 0;
    (void)pthread_barrier_wait(bc->start);
    for (uint64_t i = 0; !c->failed && !atomic_load_explicit(bc->stop, memory_order_relaxed); i++) {
        c->failed = bc->step(c, i) != 0;
    }
    for (int k = 0; k < 5; k++) {
        (void)sqlite3_finalize(c->st[k]);
    }
    (void)sqlite3_close(c->db);
    return NULL;
}

/* Successful reserves per second of one case, or -1 when it could not run. */
static double run_case(bench_case *bc, double seconds) {
    pthread_barrier_t start;
    atomic_int stop;
    atomic_init(&stop, 0);
    atomic_ullong clock;
    atomic_init(&clock, 1);
    (void)pthread_barrier_init(&start, NULL, THREADS + 1);
    bc->start = &start;
    bc->stop = &stop;
    bc->clock = &clock;
    client cl[THREADS];
    pthread_t th[THREADS];
    memset(cl, 0, sizeof cl);
    for (int t = 0; t < THREADS; t++) {
        cl[t].bc = bc;
        cl[t].tid = t;
        (void)pthread_create(&th[t], NULL, client_run, &cl[t]);
    }
    (void)pthread_barrier_wait(&start);
    double t0 = now_s();
    double c0 = cpu_s();
    struct timespec nap = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    (void)nanosleep(&nap, NULL);
    atomic_store(&stop, 1);
    uint64_t ok = 0;
    uint64_t retries = 0;
    int failed = 0;
    for (int t = 0; t < THREADS; t++) {
        (void)pthread_join(th[t], NULL);
        ok += cl[t].ok;
        retries += cl[t].retries;
        failed += cl[t].failed;
    }
    double elapsed = now_s() - t0;
    double cpu = cpu_s() - c0;
    (void)pthread_barrier_destroy(&start);
    double rate = failed ? -1.0 : (double)ok / elapsed;
    printf("  %-54s %8.0f reserves/s %7.1f us CPU each  (%llu in %.2f s, %llu BUSY retries)\n",
           bc->name, rate, ok ? cpu * 1e6 / (double)ok : 0.0, (unsigned long long)ok, elapsed,
           (unsigned long long)retries);
    return rate;
}

/* A fresh file with the product, through the library (so it has the store's schema). */
static int fresh_file(const char *dir, const char *name, char *path, size_t cap,
                      fantasy_stock_store *keep) {
    (void)snprintf(path, cap, "%s/%s", dir, name);
    fantasy_stock_store ss;
    if (fantasy_sqlite_stock_store_open(path, NULL, &ss) != FANTASY_OK ||
        ss.set_stock(ss.self, "hot", STOCK) != FANTASY_OK) {
        (void)fprintf(stderr, "%s: %s\n", path, fantasy_error_last());
        return -1;
    }
    if (keep) {
        *keep = ss;
    } else {
        ss.destroy(ss.self);
    }
    return 0;
}

static void remove_file(const char *path) {
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < 3; i++) {
        char p[192];
        (void)snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        (void)unlink(p);
    }
}

int main(void) {
    char dir[] = "/tmp/fantasy-bench-sqlite-XXXXXX";
    if (!mkdtemp(dir)) {
        return 1;
    }
    double seconds = duration();
    char pa[128];
    char pb[128];
    char pc[128];
    fantasy_stock_store store;
    if (fresh_file(dir, "lib.db", pa, sizeof pa, &store) ||
        fresh_file(dir, "bare.db", pb, sizeof pb, NULL) ||
        fresh_file(dir, "naive.db", pc, sizeof pc, NULL)) {
        return 1;
    }
    printf("SQLite reserves on one hot product, %d threads, own connection each, %.1f s per case\n",
           THREADS, seconds);
    bench_case a = {
        "(a) library stock store reserve", lib_setup, lib_step, &store, pa, NULL, NULL
    };
    bench_case b = { "(b) bare conditional UPDATE per IMMEDIATE txn (limit)",
                     bare_setup,
                     bare_step,
                     NULL,
                     pb,
                     NULL,
                     NULL };
    bench_case c = {
        "(c) naive read-check-write, retry on BUSY", naive_setup, naive_step, NULL, pc, NULL, NULL
    };
    double ra = run_case(&a, seconds);
    double rb = run_case(&b, seconds);
    double rc = run_case(&c, seconds);
    store.destroy(store.self);
    remove_file(pa);
    remove_file(pb);
    remove_file(pc);
    (void)rmdir(dir);
    if (ra < 0 || rb <= 0 || rc <= 0) {
        return 1;
    }
    printf("  a/b = %.2f (target >= 0.50)   a/c = %.2f\n", ra / rb, ra / rc);
    printf("BENCH\tsqlite reserve, one hot product\tsqlite\t%d\t%.0f\tbare conditional UPDATE per "
           "IMMEDIATE txn\t%.0f\n",
           THREADS, ra, rb);
    printf("BENCH\tsqlite reserve, one hot product\tsqlite\t%d\t%.0f\tnaive read-check-write with "
           "BUSY retries\t%.0f\n",
           THREADS, ra, rc);
    return 0;
}
