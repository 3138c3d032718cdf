/* `fantasy park-day`: options, the park's configuration (a SQLite file in a fresh temporary
 * directory unless the user chose a store), then setup, the day, the summary and the report.
 * Exit status: 0 every invariant held, 1 a failure or a broken invariant, 2 a usage error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "park_day.h"

#define PD_DEFAULT_VISITORS 2000
#define PD_DEFAULT_START    "1783155600000" /* 2026-07-04 09:00 UTC: the same day every run */
#define PD_DEFAULT_KDF      "scrypt:N=1024,r=8,p=1"
#define PD_DEFAULT_ACCESS   "3600000" /* the park app's session: an hour between refreshes */
#define PD_MAX_KEYS         64

static const char *const store_files[] = { "park.db", "park.db-wal", "park.db-shm",
                                           "park.db-journal" };

typedef struct pd_cmd {
    pd_options opt;
    const char *user_keys[PD_MAX_KEYS]; /* config keys the user set with -c */
    size_t nkeys;
    char tmpdir[256];
} pd_cmd;

static void usage(FILE *f) {
    (void)fputs(
        "usage: fantasy [-c key=value]... park-day [-c key=value]... [--visitors N] [--threads T]\n"
        "                [--seed S] [--report FILE.html] [--keep] [--quiet]\n"
        "Simulates a day at the park through the JSON API and prints a summary.\n"
        "  --visitors N   visitors (parties) in the day (default 2000)\n"
        "  --threads T    visitor threads (default: the number of CPUs, at least 2)\n"
        "  --seed S       the day's random seed (default 1); same seed, same visitors\n"
        "  --report FILE  also write an HTML report with SVG charts\n"
        "  --keep         keep the temporary SQLite store (its path is on standard error)\n"
        "  --quiet        no progress on standard error\n"
        "Default store: a SQLite file in a new temporary directory (memory: without SQLite);\n"
        "-c store=... chooses another. Other defaults: clock=manual, "
        "clock.start_ms=" PD_DEFAULT_START "\n(09:00 UTC), auth.kdf=" PD_DEFAULT_KDF
        ", auth.access_ttl_ms=" PD_DEFAULT_ACCESS ".\n"
        "Exit status: 0 all invariants held, 1 failure or broken invariant, 2 usage error.\n",
        f);
}

static int user_set(const pd_cmd *c, const char *key) {
    for (size_t i = 0; i < c->nkeys; i++) {
        size_t n = strlen(key);
        if (strncmp(c->user_keys[i], key, n) == 0 && c->user_keys[i][n] == '=') {
            return 1;
        }
    }
    return 0;
}

static int remember(pd_cmd *c, const char *pair) {
    if (c->nkeys == PD_MAX_KEYS) {
        (void)fprintf(stderr, "fantasy park-day: too many -c pairs\n");
        return 2;
    }
    c->user_keys[c->nkeys++] = pair;
    return 0;
}

/* Apply a -c pair given after the command: a malformed pair is usage (2), a refusal 1. */
static int apply_pair(fantasy_conf *conf, pd_cmd *c, const char *pair) {
    const char *eq = strchr(pair, '=');
    char key[128];
    if (!eq || eq == pair || (size_t)(eq - pair) >= sizeof key) {
        (void)fprintf(stderr, "fantasy park-day: -c needs key=value, got '%s'\n", pair);
        return 2;
    }
    memcpy(key, pair, (size_t)(eq - pair));
    key[eq - pair] = '\0';
    if (fantasy_conf_set(conf, key, eq + 1) != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy park-day: %s\n", fantasy_error_last());
        return 1;
    }
    return remember(c, pair);
}

static int number(const char *s, long long min, long long max, long long *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

/* One option of the command; `*i` moves past its value. 0 ok, 1 refused pair, 2 usage, 3 help. */
static int option(fantasy_conf *conf, pd_cmd *c, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
    long long n = 0;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        return 3;
    }
    if (strcmp(a, "--keep") == 0 || strcmp(a, "--quiet") == 0) {
        *(a[2] == 'k' ? &c->opt.keep_store : &c->opt.quiet) = 1;
        return 0;
    }
    if (!val) {
        (void)fprintf(stderr, "fantasy park-day: %s needs a value\n", a);
        return 2;
    }
    (*i)++;
    if (strcmp(a, "-c") == 0) {
        return apply_pair(conf, c, val);
    }
    if (strcmp(a, "--report") == 0) {
        c->opt.report = val;
        return 0;
    }
    int ok = 0;
    if (strcmp(a, "--visitors") == 0 && (ok = number(val, 1, 1000000, &n))) {
        c->opt.visitors = (int)n;
    } else if (strcmp(a, "--threads") == 0 && (ok = number(val, 1, 256, &n))) {
        c->opt.threads = (int)n;
    } else if (strcmp(a, "--seed") == 0 && (ok = number(val, 0, INT64_MAX, &n))) {
        c->opt.seed = (uint64_t)n;
    }
    if (!ok) {
        (void)fprintf(stderr, "fantasy park-day: bad option or value '%s %s'\n", a, val);
        return 2;
    }
    return 0;
}

static int parse(fantasy_cli *cli, pd_cmd *c, int argc, char **argv, int cmd) {
    if (cli->system || cli->token) {
        (void)fprintf(stderr, "fantasy park-day: --system and --token do not apply\n");
        return 2;
    }
    for (int i = 1; i < cmd; i++) { /* pairs before the command: already applied by main */
        const char *a = argv[i];
        int rc = strcmp(a, "-c") == 0 && i + 1 < cmd ? remember(c, argv[++i])
                 : strncmp(a, "-c", 2) == 0          ? remember(c, a + 2)
                                                     : 0;
        if (rc) {
            return rc;
        }
    }
    for (int i = cmd + 1; i < argc; i++) {
        int rc = option(cli->conf, c, argc, argv, &i);
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static int set_default(fantasy_conf *conf, const pd_cmd *c, const char *key, const char *value) {
    if (user_set(c, key) || fantasy_conf_set(conf, key, value) == FANTASY_OK) {
        return 0;
    }
    (void)fprintf(stderr, "fantasy park-day: %s\n", fantasy_error_last());
    return 1;
}

static void remove_store(pd_cmd *c) {
    if (c->tmpdir[0] == '\0') {
        return;
    }
    for (size_t i = 0; i < sizeof store_files / sizeof store_files[0]; i++) {
        char path[320];
        (void)snprintf(path, sizeof path, "%s/%s", c->tmpdir, store_files[i]);
        (void)unlink(path);
    }
    if (rmdir(c->tmpdir) != 0) {
        (void)fprintf(stderr, "fantasy park-day: could not remove %s\n", c->tmpdir);
    }
    c->tmpdir[0] = '\0';
}

/* The default store: SQLite in a fresh directory, or memory: when this build lacks SQLite. */
static int default_store(fantasy_conf *conf, pd_cmd *c) {
    if (user_set(c, "store")) {
        char buf[sizeof c->opt.store_desc];
        (void)fantasy_conf_get(conf, "store", buf, sizeof buf);
        /* A conninfo may hold a password: the summary names the backend only. */
        (void)snprintf(c->opt.store_desc, sizeof c->opt.store_desc, "%s",
                       strncmp(buf, "postgres:", 9) == 0 ? "postgres:" : buf);
        return 0;
    }
    (void)snprintf(c->tmpdir, sizeof c->tmpdir, "/tmp/fantasy-park-day-XXXXXX");
    if (!mkdtemp(c->tmpdir)) {
        (void)fprintf(stderr, "fantasy park-day: cannot create a temporary directory\n");
        c->tmpdir[0] = '\0';
        return 1;
    }
    char store[320];
    (void)snprintf(store, sizeof store, "sqlite:%s/park.db", c->tmpdir);
    fantasy_status st = fantasy_conf_set(conf, "store", store);
    if (st == FANTASY_OK) {
        (void)fprintf(stderr, "fantasy park-day: store %s (%s)\n", store,
                      c->opt.keep_store ? "kept: --keep" : "removed at the end; --keep keeps it");
        (void)snprintf(c->opt.store_desc, sizeof c->opt.store_desc, "%s (temporary%s)", store,
                       c->opt.keep_store ? ", kept" : "");
        return 0;
    }
    if (st != FANTASY_EINVAL) {
        (void)fprintf(stderr, "fantasy park-day: %s\n", fantasy_error_last());
        return 1;
    }
    (void)fprintf(stderr, "fantasy park-day: no SQLite in this build (%s); using memory:\n",
                  fantasy_error_last());
    remove_store(c);
    (void)snprintf(c->opt.store_desc, sizeof c->opt.store_desc, "memory:");
    return fantasy_conf_set(conf, "store", "memory:") == FANTASY_OK ? 0 : 1;
}

static int configure(fantasy_conf *conf, pd_cmd *c) {
    int rc = set_default(conf, c, "clock", "manual");
    if (!rc) {
        rc = set_default(conf, c, "clock.start_ms", PD_DEFAULT_START);
    }
    if (!rc) {
        rc = set_default(conf, c, "auth.kdf", PD_DEFAULT_KDF);
    }
    if (!rc) {
        rc = set_default(conf, c, "auth.access_ttl_ms", PD_DEFAULT_ACCESS);
    }
    return rc ? rc : default_store(conf, c);
}

static int64_t conf_int(const fantasy_conf *conf, const char *key) {
    char buf[32];
    return fantasy_conf_get(conf, key, buf, sizeof buf) == FANTASY_OK ? strtoll(buf, NULL, 10) : 0;
}

static void world_free(pd_world *w) {
    if (w->tallies) {
        for (int i = 0; i <= w->opt.threads; i++) {
            for (int r = 0; r < PD_MAX_RIDES; r++) {
                free(w->tallies[i].waits[r].ms);
            }
        }
    }
    for (int r = 0; r < PD_MAX_RIDES; r++) {
        free(w->total.waits[r].ms);
    }
    fantasy__pd_guests_free(w);
    free(w->tallies);
    free(w->visitors);
    free(w->samples);
    pthread_mutex_destroy(&w->msg_lock);
    pthread_mutex_destroy(&w->gate_lock);
    pthread_cond_destroy(&w->gate_go);
    pthread_cond_destroy(&w->gate_done);
}

static int world_init(pd_world *w, const pd_options *opt, const fantasy_conf *conf) {
    memset(w, 0, sizeof *w);
    w->opt = *opt;
    w->progress_pct = -1;
    int64_t ttl = conf_int(conf, "order.ttl_ms"), call = conf_int(conf, "queue.call_timeout_ms");
    w->settle_ms = (ttl > call ? ttl : call) + PD_TICK_MS;
    atomic_init(&w->next_visitor, 0);
    atomic_init(&w->notified, 0);
    atomic_init(&w->notify_failures, 0);
    (void)pthread_mutex_init(&w->msg_lock, NULL);
    (void)pthread_mutex_init(&w->gate_lock, NULL);
    (void)pthread_cond_init(&w->gate_go, NULL);
    (void)pthread_cond_init(&w->gate_done, NULL);
    w->visitors = calloc((size_t)opt->visitors, sizeof *w->visitors);
    w->tallies = calloc((size_t)opt->threads + 1, sizeof *w->tallies);
    return w->visitors && w->tallies && fantasy__pd_guests_init(w);
}

/* Setup, the day, the summary and the report on an open park. */
static int run(pd_world *w, const fantasy_conf *conf) {
    fantasy_status st = fantasy__pd_setup(w, conf);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy park-day: setup failed: %s: %s\n", fantasy_status_code(st),
                      fantasy_error_last());
        return 1;
    }
    for (int i = 0; i < w->opt.visitors; i++) {
        fantasy__pd_visitor_init(w, &w->visitors[i], i);
    }
    st = fantasy__pd_run_day(w);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy park-day: the day failed: %s: %s\n", fantasy_status_code(st),
                      fantasy_error_last());
        return 1;
    }
    int rc = fantasy__pd_summary(w, stdout);
    (void)fflush(stdout);
    if (w->opt.report) {
        st = fantasy__pd_report(w, w->opt.report);
        if (st != FANTASY_OK) {
            (void)fprintf(stderr, "fantasy park-day: %s\n", fantasy_error_last());
            rc = 1;
        } else {
            (void)fprintf(stderr, "fantasy park-day: report written to %s\n", w->opt.report);
        }
    }
    return rc;
}

static int open_and_run(const fantasy_conf *conf, const pd_options *opt) {
    pd_world *w = malloc(sizeof *w);
    if (!w || !world_init(w, opt, conf)) {
        (void)fprintf(stderr, "fantasy park-day: out of memory\n");
        if (w) {
            world_free(w);
        }
        free(w);
        return 1;
    }
    int rc = 1;
    fantasy_status st = fantasy_park_open(conf, &w->park);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy park-day: cannot open park: %s\n", fantasy_error_last());
    } else {
        rc = run(w, conf);
        fantasy_park_close(w->park);
    }
    world_free(w);
    free(w);
    return rc;
}

int fantasy__park_day_main(fantasy_cli *cli, int argc, char **argv, int cmd) {
    pd_cmd c;
    memset(&c, 0, sizeof c);
    c.opt.visitors = PD_DEFAULT_VISITORS;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c.opt.threads = cpus > 2 ? (int)(cpus < 64 ? cpus : 64) : 2;
    c.opt.seed = 1;
    int rc = parse(cli, &c, argc, argv, cmd);
    if (rc == 3) {
        usage(stdout);
        return 0;
    }
    if (rc == 2) {
        usage(stderr);
    }
    if (rc) {
        return rc;
    }
    rc = configure(cli->conf, &c);
    if (!rc) {
        rc = open_and_run(cli->conf, &c.opt);
    }
    if (!c.opt.keep_store) {
        remove_store(&c);
    }
    return rc;
}
