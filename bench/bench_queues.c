/* Ride virtual queues (issue 6): joins per second and position lookups per second on one ride,
 * beside a naive baseline that scans the entries in join order to compute a position.
 *
 * Two layers:
 *   store  the memory queue store's vtable (enqueue, position) at 1k, 10k and 100k entries;
 *   json   fantasy_call_system("queues.join" / "queues.get") on a park at 1k and 10k entries
 *          (every entry needs its own user, and creating users runs the KDF).
 * Before lookups a few entries are CALLED (one call) and every tenth is CANCELED, so positions
 * count WAITING entries only. The naive baseline is a plain array in join order: position = WAITING
 * entries before it + 1, people ahead = sum of their party sizes. Library and baseline are checked
 * against each other before timing. BENCH_SECONDS (default 0.3) is the time per lookup measurement.
 * Each row is also printed as a machine-readable line for bench/run.sh, tab-separated: BENCH,
 * benchmark, backend, threads, ops_per_s, baseline_name, baseline_ops_per_s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#define START_MS 1700000000000LL
#define CAPACITY 8
#define SAMPLES  4096
#define CHECKS   500
#define ID_LEN   64

typedef struct naive_entry {
    int waiting;
    int64_t party;
} naive_entry;

/* One queue as the benchmark sees it: ids in join order and the naive mirror. */
typedef struct bench_queue {
    size_t n;
    char (*entry_ids)[ID_LEN];
    char (*user_ids)[ID_LEN];
    naive_entry *naive;
    size_t samples[SAMPLES]; /* indexes of WAITING entries, random */
} bench_queue;

typedef struct result_row {
    const char *layer;
    size_t n;
    double joins_per_s;
    double lookups_per_s;
    double naive_per_s;
} result_row;

/* A position lookup: 0 on success. */
typedef int (*lookup_fn)(void *ctx, size_t i, int64_t *pos, int64_t *ahead);

typedef struct store_ctx {
    fantasy_queue_store *store;
    bench_queue *q;
} store_ctx;

typedef struct json_ctx {
    fantasy_park *park;
    bench_queue *q;
} json_ctx;

static volatile int64_t g_sink;
static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static double now_s(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_seconds(void) {
    const char *s = getenv("BENCH_SECONDS");
    double v = s ? strtod(s, NULL) : 0.0;
    if (v <= 0.0) {
        v = 0.3;
    }
    return v > 30.0 ? 30.0 : v;
}

static int fail(const char *what, const char *detail) {
    (void)fprintf(stderr, "bench_queues: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* ---- the queue mirror --------------------------------------------------------------------- */

static int queue_alloc(bench_queue *q, size_t n) {
    memset(q, 0, sizeof *q);
    q->n = n;
    q->entry_ids = calloc(n, sizeof *q->entry_ids);
    q->user_ids = calloc(n, sizeof *q->user_ids);
    q->naive = calloc(n, sizeof *q->naive);
    if (!q->entry_ids || !q->user_ids || !q->naive) {
        return fail("out of memory", NULL);
    }
    return 0;
}

static void queue_free(bench_queue *q) {
    free(q->entry_ids);
    free(q->user_ids);
    free(q->naive);
    memset(q, 0, sizeof *q);
}

static int64_t party_of(size_t i) {
    return (int64_t)(1 + (i * 7919U) % 4U);
}

static int is_canceled_slot(size_t i) {
    return i % 10U == 3U;
}

/* Random WAITING indexes for the lookups. */
static int pick_samples(bench_queue *q) {
    for (size_t k = 0; k < SAMPLES; k++) {
        size_t i = (size_t)(rng_next() % q->n);
        size_t tries = 0;
        while (!q->naive[i].waiting && tries++ < q->n) {
            i = (i + 1) % q->n;
        }
        if (!q->naive[i].waiting) {
            return fail("no WAITING entries", NULL);
        }
        q->samples[k] = i;
    }
    return 0;
}

static int naive_position(void *ctx, size_t i, int64_t *pos, int64_t *ahead) {
    const bench_queue *q = ctx;
    int64_t p = 0, people = 0;
    for (size_t k = 0; k < i; k++) {
        if (q->naive[k].waiting) {
            p++;
            people += q->naive[k].party;
        }
    }
    *pos = p + 1;
    *ahead = people;
    return 0;
}

/* ---- timing ---------------------------------------------------------------------------------- */

static double measure(lookup_fn fn, void *ctx, const bench_queue *q, double secs) {
    size_t ops = 0;
    int64_t sum = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < secs) {
        for (int b = 0; b < 16; b++) {
            int64_t pos = 0, ahead = 0;
            if (fn(ctx, q->samples[ops % SAMPLES], &pos, &ahead) != 0) {
                return -1.0;
            }
            sum += pos + ahead;
            ops++;
        }
        t = now_s();
    }
    g_sink = sum;
    return (double)ops / (t - t0);
}

/* The library against the baseline on CHECKS samples. */
static int verify(lookup_fn fn, void *ctx, bench_queue *q) {
    for (size_t k = 0; k < CHECKS; k++) {
        size_t i = q->samples[k];
        int64_t p1 = 0, a1 = 0, p2 = 0, a2 = 0;
        if (fn(ctx, i, &p1, &a1) != 0) {
            return fail("lookup failed", q->entry_ids[i]);
        }
        (void)naive_position(q, i, &p2, &a2);
        if (p1 != p2 || (a1 >= 0 && a1 != a2)) {
            (void)fprintf(stderr, "entry %zu: library %lld/%lld, naive %lld/%lld\n", i,
                          (long long)p1, (long long)a1, (long long)p2, (long long)a2);
            return fail("position mismatch", q->entry_ids[i]);
        }
    }
    return 0;
}

static int lookups(lookup_fn fn, void *ctx, bench_queue *q, result_row *row) {
    double secs = bench_seconds();
    if (pick_samples(q) != 0 || verify(fn, ctx, q) != 0) {
        return 1;
    }
    row->lookups_per_s = measure(fn, ctx, q, secs);
    row->naive_per_s = measure(naive_position, q, q, secs);
    return row->lookups_per_s < 0.0 ? fail("lookup failed", row->layer) : 0;
}

/* ---- layer (a): the memory queue store ------------------------------------------------------- */

static int store_lookup(void *ctx, size_t i, int64_t *pos, int64_t *ahead) {
    store_ctx *c = ctx;
    return c->store->position(c->store->self, c->q->entry_ids[i], pos, ahead) == FANTASY_OK ? 0 : 1;
}

static int store_joins(fantasy_queue_store *s, bench_queue *q, result_row *row) {
    for (size_t i = 0; i < q->n; i++) {
        (void)snprintf(q->entry_ids[i], ID_LEN, "entry-%zu", i);
        (void)snprintf(q->user_ids[i], ID_LEN, "user-%zu", i);
    }
    double t0 = now_s();
    for (size_t i = 0; i < q->n; i++) {
        fantasy_queue_join j = { q->entry_ids[i], "ride-1", q->user_ids[i], party_of(i),
                                 START_MS + (int64_t)i };
        int64_t seq = 0;
        if (s->enqueue(s->self, &j, &seq) != FANTASY_OK) {
            return fail("enqueue failed", q->entry_ids[i]);
        }
    }
    row->joins_per_s = (double)q->n / (now_s() - t0);
    return 0;
}

/* One call of CAPACITY people, then every tenth entry canceled; mirror what the store holds. */
static int store_mutate(fantasy_queue_store *s, bench_queue *q) {
    fantasy_list *called = NULL;
    if (fantasy_list_new(NULL, &called) != FANTASY_OK) {
        return fail("out of memory", NULL);
    }
    int64_t now = START_MS + (int64_t)q->n;
    fantasy_status st = s->call(s->self, "ride-1", CAPACITY, now, now + 60000, called);
    fantasy_list_free(called);
    for (size_t i = 0; i < q->n && st == FANTASY_OK; i++) {
        if (is_canceled_slot(i)) {
            st = s->finish(s->self, q->entry_ids[i], FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED,
                           FANTASY_ENTRY_CANCELED, now);
        }
    }
    for (size_t i = 0; i < q->n && st == FANTASY_OK; i++) {
        fantasy_queue_entry e;
        st = s->entry(s->self, q->entry_ids[i], &e);
        q->naive[i].waiting = e.status == FANTASY_ENTRY_WAITING;
        q->naive[i].party = e.party_size;
    }
    return st == FANTASY_OK ? 0 : fail("store mutation failed", NULL);
}

static int bench_store(size_t n, result_row *row) {
    fantasy_queue_store s;
    bench_queue q;
    row->layer = "store";
    row->n = n;
    if (fantasy_memory_queue_store_open(NULL, &s) != FANTASY_OK) {
        return fail("fantasy_memory_queue_store_open failed", NULL);
    }
    int rc = queue_alloc(&q, n);
    if (rc == 0) {
        rc = store_joins(&s, &q, row);
    }
    if (rc == 0) {
        rc = store_mutate(&s, &q);
    }
    if (rc == 0) {
        store_ctx c = { &s, &q };
        rc = lookups(store_lookup, &c, &q, row);
    }
    queue_free(&q);
    s.destroy(s.self);
    return rc;
}

/* ---- layer (b): the JSON surface --------------------------------------------------------------
 */

/* The string value of "key" in flat JSON, copied into out. */
static int json_str(const char *json, const char *key, char *out, size_t cap) {
    char pat[64];
    (void)snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p) {
        return 1;
    }
    p += strlen(pat);
    size_t len = strcspn(p, "\"");
    if (len >= cap) {
        return 1;
    }
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

/* The integer value of "key" in flat JSON; -1 when absent or null. */
static int64_t json_int(const char *json, const char *key) {
    char pat[64];
    (void)snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p || p[strlen(pat)] == 'n') {
        return -1;
    }
    return (int64_t)strtoll(p + strlen(pat), NULL, 10);
}

/* A system call whose result's string field `key` is copied to out (out may be NULL). */
static int sys_call(fantasy_park *park, const char *method, const char *args, const char *key,
                    char *out, size_t cap) {
    char *res = NULL;
    fantasy_status st = fantasy_call_system(park, method, args, &res);
    int rc = st == FANTASY_OK ? 0 : 1;
    if (rc == 0 && key) {
        rc = json_str(res, key, out, cap);
    }
    if (rc != 0) {
        (void)fprintf(stderr, "%s %s -> %s\n", method, args, res ? res : "(null)");
    }
    fantasy_free(res);
    return rc ? fail("call failed", method) : 0;
}

static fantasy_park *open_park(void) {
    fantasy_conf *conf = fantasy_conf_new();
    fantasy_park *park = NULL;
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", START_MS);
    if (conf && fantasy_conf_set(conf, "clock", "manual") == FANTASY_OK &&
        fantasy_conf_set(conf, "clock.start_ms", start) == FANTASY_OK &&
        fantasy_conf_set(conf, "auth.kdf", "pbkdf2-sha256:i=1000") == FANTASY_OK) {
        (void)fantasy_park_open(conf, &park);
    }
    fantasy_conf_free(conf);
    return park;
}

static int create_users(fantasy_park *park, bench_queue *q) {
    char args[256];
    for (size_t i = 0; i < q->n; i++) {
        (void)snprintf(args, sizeof args,
                       "{\"username\":\"guest%zu\",\"password\":\"correct horse battery\","
                       "\"role\":\"USER\"}",
                       i);
        if (sys_call(park, "accounts.create", args, "user_id", q->user_ids[i], ID_LEN) != 0) {
            return 1;
        }
    }
    return 0;
}

static int create_ride(fantasy_park *park, char *ride_id) {
    char args[256];
    (void)snprintf(args, sizeof args,
                   "{\"name\":\"Bench Ride\",\"type\":\"RIDE\",\"opens_at\":\"00:00\","
                   "\"closes_at\":\"23:59\",\"capacity_per_cycle\":%d,\"cycle_seconds\":60}",
                   CAPACITY);
    return sys_call(park, "attractions.create", args, "attraction_id", ride_id, ID_LEN);
}

static int json_joins(fantasy_park *park, const char *ride_id, bench_queue *q, result_row *row) {
    char args[256];
    double t0 = now_s();
    for (size_t i = 0; i < q->n; i++) {
        (void)snprintf(args, sizeof args,
                       "{\"as_user_id\":\"%s\",\"attraction_id\":\"%s\",\"party_size\":%lld}",
                       q->user_ids[i], ride_id, (long long)party_of(i));
        if (sys_call(park, "queues.join", args, "entry_id", q->entry_ids[i], ID_LEN) != 0) {
            return 1;
        }
    }
    row->joins_per_s = (double)q->n / (now_s() - t0);
    return 0;
}

/* queues.get as the entry's owner; people ahead are not in the JSON (-1: not compared). */
static int json_lookup(void *ctx, size_t i, int64_t *pos, int64_t *ahead) {
    json_ctx *c = ctx;
    char args[256], *res = NULL;
    (void)snprintf(args, sizeof args, "{\"as_user_id\":\"%s\",\"entry_id\":\"%s\"}",
                   c->q->user_ids[i], c->q->entry_ids[i]);
    fantasy_status st = fantasy_call_system(c->park, "queues.get", args, &res);
    *pos = st == FANTASY_OK ? json_int(res, "position") : -1;
    *ahead = -1;
    fantasy_free(res);
    return *pos > 0 ? 0 : 1;
}

/* One call_next, every tenth entry leaves; the mirror reads each entry's status back. */
static int json_mutate(fantasy_park *park, const char *ride_id, bench_queue *q) {
    char args[256], status[32] = "";
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", ride_id);
    int rc = sys_call(park, "queues.call_next", args, NULL, NULL, 0);
    for (size_t i = 0; i < q->n && rc == 0; i++) {
        (void)snprintf(args, sizeof args, "{\"as_user_id\":\"%s\",\"entry_id\":\"%s\"}",
                       q->user_ids[i], q->entry_ids[i]);
        if (is_canceled_slot(i)) {
            rc = sys_call(park, "queues.leave", args, NULL, NULL, 0);
        }
        if (rc == 0) {
            rc = sys_call(park, "queues.get", args, "status", status, sizeof status);
        }
        q->naive[i].waiting = strcmp(status, "WAITING") == 0;
        q->naive[i].party = party_of(i);
    }
    return rc;
}

static int json_run(fantasy_park *park, bench_queue *q, result_row *row) {
    char ride_id[ID_LEN];
    double t0 = now_s();
    int rc = create_users(park, q);
    if (rc == 0) {
        (void)fprintf(stderr, "json %zu: %zu users created in %.1f s\n", q->n, q->n, now_s() - t0);
        rc = create_ride(park, ride_id);
    }
    if (rc == 0) {
        rc = json_joins(park, ride_id, q, row);
    }
    if (rc == 0) {
        rc = json_mutate(park, ride_id, q);
    }
    if (rc == 0) {
        json_ctx c = { park, q };
        rc = lookups(json_lookup, &c, q, row);
    }
    return rc;
}

static int bench_json(size_t n, result_row *row) {
    bench_queue q;
    row->layer = "json";
    row->n = n;
    fantasy_park *park = open_park();
    if (!park) {
        return fail("fantasy_park_open failed", NULL);
    }
    int rc = queue_alloc(&q, n);
    if (rc == 0) {
        rc = json_run(park, &q, row);
    }
    queue_free(&q);
    fantasy_park_close(park);
    return rc;
}

/* ---- report ---------------------------------------------------------------------------------- */

static void print_header(void) {
    printf("%-6s %8s %12s %14s %14s %12s %12s %14s\n", "layer", "entries", "joins/s", "lookups/s",
           "naive/s", "lib ns/op", "naive ns/op", "ratio lib/naive");
}

/* The runner's line: one position-lookup measurement beside the naive scan, single-threaded. */
static void print_bench_line(const result_row *r) {
    int store = strcmp(r->layer, "store") == 0;
    printf("BENCH\t%s, %zu entries\tmemory\t1\t%.0f\tnaive scan\t%.0f\n",
           store ? "queue position (store)" : "queues.get position (JSON)", r->n, r->lookups_per_s,
           r->naive_per_s);
}

static void print_row(const result_row *r) {
    printf("%-6s %8zu %12.0f %14.0f %14.0f %12.0f %12.0f %14.2f\n", r->layer, r->n, r->joins_per_s,
           r->lookups_per_s, r->naive_per_s, 1e9 / r->lookups_per_s, 1e9 / r->naive_per_s,
           r->lookups_per_s / r->naive_per_s);
    print_bench_line(r);
    (void)fflush(stdout);
}

int main(void) {
    static const size_t store_sizes[] = { 1000, 10000, 100000 };
    static const size_t json_sizes[] = { 1000, 10000 };
    printf("queues: one ride, party sizes 1-4, one call of %d people, every 10th entry canceled; "
           "%.2f s per lookup measurement\n",
           CAPACITY, bench_seconds());
    print_header();
    for (size_t k = 0; k < sizeof store_sizes / sizeof store_sizes[0]; k++) {
        result_row row = { 0 };
        if (bench_store(store_sizes[k], &row) != 0) {
            return 1;
        }
        print_row(&row);
    }
    for (size_t k = 0; k < sizeof json_sizes / sizeof json_sizes[0]; k++) {
        result_row row = { 0 };
        if (bench_json(json_sizes[k], &row) != 0) {
            return 1;
        }
        print_row(&row);
    }
    return 0;
}
