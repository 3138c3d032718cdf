/* Issue 5 benchmark: one hot product under 2 and 8 threads, side by side in one run.
 * (1) bare C11 CAS decrement, (2) one global mutex, (3) the memory stock store's reserve,
 * (4) fantasy_orders_create (typed), (5) "orders.create" through fantasy_call_system.
 * Then 2 threads on 2 products against 1 thread on 1 product with the stock store's reserve.
 * Each case runs BENCH_SECONDS (default 0.5) seconds; BENCH_CASES and BENCH_THREADS narrow the
 * run (see bs_wanted and bs_main). Each row also prints CPU microseconds per op, which holds
 * steadier than ops/s when other work shares the cores, and a BENCH line (bench/run.sh) against
 * its baseline. Not a test: prints, exits 0. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fantasy/accounts.h"
#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"
#include "fantasy/orders.h"
#include "fantasy/products.h"

#define BS_MAX_THREADS 8
#define BS_USERS       256
#define BS_STOCK       1000000000000LL
#define BS_ORDER_STOCK 1000000000LL
#define BS_LIMIT       1000000000LL

typedef struct bs_env bs_env;
typedef int (*bs_op)(bs_env *env, int tid, uint64_t i);

struct bs_env {
    atomic_llong cas_counter;
    pthread_mutex_t mutex;
    long long mutex_counter;
    fantasy_stock_store store;
    int case_no;
    char products[BS_MAX_THREADS][FANTASY_ID_MAX];
    int product_per_thread;
    fantasy_park *park;
    char order_pid[FANTASY_ID_MAX];
    char user_ids[BS_USERS][FANTASY_ID_MAX];
    fantasy_actor actors[BS_USERS];
};

typedef struct bs_thread {
    bs_env *env;
    bs_op op;
    int tid;
    pthread_barrier_t *barrier;
    atomic_int *stop;
    uint64_t ok;
    uint64_t failed;
    double cpu; /* this thread's CPU seconds in the timed loop */
} bs_thread;

typedef struct bs_result {
    uint64_t ok;
    uint64_t failed;
    double seconds;
    double cpu; /* CPU seconds of all workers: with other load on the machine, CPU per op is
                 * the steadier measure of cost */
} bs_result;

static double bs_now(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bs_duration(void) {
    const char *s = getenv("BENCH_SECONDS");
    double d = s ? strtod(s, NULL) : 0.5;
    if (!(d >= 0.01)) {
        d = 0.5;
    }
    if (d > 60.0) {
        d = 60.0;
    }
    return d;
}

static double bs_thread_cpu(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bs_worker(void *arg) {
    bs_thread *t = arg;
    (void)pthread_barrier_wait(t->barrier);
    double cpu0 = bs_thread_cpu();
    uint64_t i = 0;
    while (!atomic_load_explicit(t->stop, memory_order_relaxed)) {
        if (t->op(t->env, t->tid, i)) {
            t->ok++;
        } else {
            t->failed++;
        }
        i++;
    }
    t->cpu = bs_thread_cpu() - cpu0;
    return NULL;
}

static void bs_sleep(double seconds) {
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static bs_result bs_run(bs_env *env, bs_op op, int threads, double seconds) {
    bs_thread t[BS_MAX_THREADS];
    pthread_t th[BS_MAX_THREADS];
    pthread_barrier_t barrier;
    atomic_int stop = 0;
    bs_result r = { 0, 0, 0.0, 0.0 };
    (void)pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
    for (int k = 0; k < threads; k++) {
        t[k] = (bs_thread){ env, op, k, &barrier, &stop, 0, 0, 0.0 };
        (void)pthread_create(&th[k], NULL, bs_worker, &t[k]);
    }
    (void)pthread_barrier_wait(&barrier);
    double t0 = bs_now();
    bs_sleep(seconds);
    atomic_store(&stop, 1);
    for (int k = 0; k < threads; k++) {
        (void)pthread_join(th[k], NULL);
        r.ok += t[k].ok;
        r.failed += t[k].failed;
        r.cpu += t[k].cpu;
    }
    r.seconds = bs_now() - t0;
    (void)pthread_barrier_destroy(&barrier);
    return r;
}

/* (1) the physical limit: a CAS decrement of one counter. */
static int op_cas(bs_env *env, int tid, uint64_t i) {
    (void)tid;
    (void)i;
    long long cur = atomic_load_explicit(&env->cas_counter, memory_order_relaxed);
    while (cur > 0) {
        if (atomic_compare_exchange_weak(&env->cas_counter, &cur, cur - 1)) {
            return 1;
        }
    }
    return 0;
}

/* (2) the original system: one global mutex around read-check-write. */
static int op_mutex(bs_env *env, int tid, uint64_t i) {
    (void)tid;
    (void)i;
    int ok = 0;
    (void)pthread_mutex_lock(&env->mutex);
    if (env->mutex_counter > 0) {
        env->mutex_counter--;
        ok = 1;
    }
    (void)pthread_mutex_unlock(&env->mutex);
    return ok;
}

static char *bs_put_uint(char *p, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        *p++ = tmp[--n];
    }
    return p;
}

/* "h<case>-<thread>-<i>" without snprintf, whose cost would otherwise be a tenth of the case. */
static void bs_hold_id(char out[64], int case_no, int tid, uint64_t i) {
    char *p = out;
    *p++ = 'h';
    p = bs_put_uint(p, (uint64_t)case_no);
    *p++ = '-';
    p = bs_put_uint(p, (uint64_t)tid);
    *p++ = '-';
    p = bs_put_uint(p, i);
    *p = '\0';
}

/* (3) the stock store's reserve: unique hold ids, a few hundred users, a per-user limit. */
static int op_reserve(bs_env *env, int tid, uint64_t i) {
    char hold_id[64];
    bs_hold_id(hold_id, env->case_no, tid, i);
    const char *pid = env->products[env->product_per_thread ? tid : 0];
    size_t u = (size_t)((i * 7u + (uint64_t)tid * 31u) % BS_USERS);
    fantasy_hold h = { .hold_id = hold_id,
                       .product_id = pid,
                       .user_id = env->user_ids[u],
                       .qty = 1,
                       .per_user_limit = BS_LIMIT,
                       .expires_at_ms = FANTASY_NEVER };
    return env->store.reserve(env->store.self, &h) == FANTASY_OK;
}

/* (4) fantasy_orders_create through the typed API. */
static int op_order_typed(bs_env *env, int tid, uint64_t i) {
    char key[64];
    (void)snprintf(key, sizeof key, "t%d-%d-%llu", env->case_no, tid, (unsigned long long)i);
    size_t u = (size_t)((i * 7u + (uint64_t)tid * 31u) % BS_USERS);
    fantasy_order *o = NULL;
    fantasy_status st =
        fantasy_orders_create(env->park, &env->actors[u], env->order_pid, 1, key, &o);
    fantasy_order_free(o);
    return st == FANTASY_OK;
}

/* (5) "orders.create" through fantasy_call_system with as_user_id. */
static int op_order_json(bs_env *env, int tid, uint64_t i) {
    char args[256];
    size_t u = (size_t)((i * 7u + (uint64_t)tid * 31u) % BS_USERS);
    (void)snprintf(args, sizeof args,
                   "{\"as_user_id\":\"%s\",\"product_id\":\"%s\",\"quantity\":1,"
                   "\"idempotency_key\":\"j%d-%d-%llu\"}",
                   env->user_ids[u], env->order_pid, env->case_no, tid, (unsigned long long)i);
    char *res = NULL;
    fantasy_status st = fantasy_call_system(env->park, "orders.create", args, &res);
    fantasy_free(res);
    return st == FANTASY_OK;
}

static int bs_store_setup(bs_env *env) {
    if (fantasy_memory_stock_store_open(NULL, &env->store) != FANTASY_OK) {
        return -1;
    }
    for (int k = 0; k < BS_MAX_THREADS; k++) {
        (void)snprintf(env->products[k], sizeof env->products[k], "prod-%d", k);
    }
    for (int u = 0; u < BS_USERS; u++) {
        (void)snprintf(env->user_ids[u], sizeof env->user_ids[u], "u%03d", u);
    }
    return 0;
}

/* A fresh stock store with a fresh hot product (or one per thread) for the next case, so no
 * case pays for the holds (and table growth) of the ones before it. */
static int bs_fresh_products(bs_env *env, int n) {
    if (env->store.destroy) {
        env->store.destroy(env->store.self);
    }
    memset(&env->store, 0, sizeof env->store);
    if (fantasy_memory_stock_store_open(NULL, &env->store) != FANTASY_OK) {
        return -1;
    }
    for (int k = 0; k < n; k++) {
        (void)snprintf(env->products[k], sizeof env->products[k], "prod-%d-%d", env->case_no, k);
        if (env->store.set_stock(env->store.self, env->products[k], BS_STOCK) != FANTASY_OK) {
            return -1;
        }
    }
    return 0;
}

static fantasy_park *bs_open_park(void) {
    fantasy_conf *conf = fantasy_conf_new();
    fantasy_park *park = NULL;
    if (!conf) {
        return NULL;
    }
    if (fantasy_conf_set(conf, "auth.kdf", "pbkdf2-sha256:i=1000") == FANTASY_OK) {
        (void)fantasy_park_open(conf, &park);
    }
    fantasy_conf_free(conf);
    return park;
}

static int bs_make_user(bs_env *env, int u) {
    char name[32];
    (void)snprintf(name, sizeof name, "bench_user_%03d", u);
    fantasy_account_new in = { .username = name,
                               .password = "bench password 1",
                               .role = FANTASY_ROLE_USER };
    fantasy_user *user = NULL;
    fantasy_status st = fantasy_accounts_create(env->park, fantasy_actor_system(), &in, &user);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "accounts.create: %s\n", fantasy_status_code(st));
        return -1;
    }
    (void)snprintf(env->user_ids[u], sizeof env->user_ids[u], "%s", user->user_id);
    fantasy_user_free(user);
    return fantasy_actor_as_user(env->park, env->user_ids[u], &env->actors[u]) == FANTASY_OK ? 0
                                                                                             : -1;
}

/* A fresh open product for the next orders case. */
static int bs_order_product(bs_env *env) {
    fantasy_product_new in = {
        .name = "Bench pass", .type = "TICKET", .stock = BS_ORDER_STOCK, .per_user_limit = BS_LIMIT
    };
    in.price.amount_minor = 1000;
    memcpy(in.price.currency, "KRW", 4);
    fantasy_product *p = NULL;
    fantasy_status st = fantasy_products_create(env->park, fantasy_actor_system(), &in, &p);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "products.create: %s\n", fantasy_status_code(st));
        return -1;
    }
    (void)snprintf(env->order_pid, sizeof env->order_pid, "%s", p->product_id);
    fantasy_product_free(p);
    st = fantasy_products_open(env->park, fantasy_actor_system(), env->order_pid, &p);
    fantasy_product_free(p);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "products.open: %s\n", fantasy_status_code(st));
        return -1;
    }
    return 0;
}

static int bs_park_setup(bs_env *env) {
    env->park = bs_open_park();
    if (!env->park) {
        return -1;
    }
    for (int u = 0; u < BS_USERS; u++) {
        if (bs_make_user(env, u) != 0) {
            return -1;
        }
    }
    return 0;
}

typedef struct bs_case {
    const char *name;
    const char *bench; /* the BENCH line's name; the first case's is the baseline's */
    bs_op op;
    int kind;      /* 0 plain, 1 stock store, 2 orders */
    double target; /* fraction of (1); 0: none */
} bs_case;

static const bs_case bs_cases[] = {
    { "(1) C11 CAS decrement", "C11 CAS decrement, one counter", op_cas, 0, 0.0 },
    { "(2) global mutex", "global mutex read-check-write, one hot product", op_mutex, 0, 0.0 },
    { "(3) stock store reserve", "stock store reserve, one hot product", op_reserve, 1, 1.0 / 10 },
    { "(4) orders_create typed", "fantasy_orders_create, one hot product", op_order_typed, 2,
      1.0 / 200 },
    { "(5) call orders.create", "fantasy_call orders.create, one hot product", op_order_json, 2,
      1.0 / 400 },
};

static int bs_prepare(bs_env *env, const bs_case *c) {
    env->case_no++;
    atomic_store(&env->cas_counter, BS_STOCK);
    env->mutex_counter = BS_STOCK;
    env->product_per_thread = 0;
    if (c->kind == 1) {
        return bs_fresh_products(env, 1);
    }
    if (c->kind == 2) {
        return bs_order_product(env);
    }
    return 0;
}

/* One table row; `vs_base` adds the BENCH line against the CAS loop (not for the loop itself). */
static void bs_print_row(const bs_case *c, int threads, const bs_result *r, double base,
                         int vs_base) {
    double rate = r->seconds > 0 ? (double)r->ok / r->seconds : 0.0;
    double frac = base > 0 ? rate / base : 0.0;
    double cpu_us = r->ok ? r->cpu * 1e6 / (double)r->ok : 0.0;
    char tgt[32] = "-";
    const char *verdict = "";
    if (c->target > 0) {
        (void)snprintf(tgt, sizeof tgt, ">= 1/%.0f", 1.0 / c->target);
        verdict = frac >= c->target ? "met" : "missed";
    }
    printf("%-26s %7d %11llu %6llu %8.3f %14.0f %10.3f %11.5f (1/%-7.0f) %-10s %s\n", c->name,
           threads, (unsigned long long)r->ok, (unsigned long long)r->failed, r->seconds, rate,
           cpu_us, frac, frac > 0 ? 1.0 / frac : 0.0, tgt, verdict);
    if (vs_base) {
        printf("BENCH\t%s\tmemory\t%d\t%.0f\t%s\t%.0f\n", c->bench, threads, rate,
               bs_cases[0].bench, base);
    }
}

/* BENCH_CASES (e.g. "34s") picks cases by number and "s" for the scaling run, to profile one
 * at a time; the CAS baseline (1) always runs. Unset: everything. */
static int bs_wanted(char which) {
    const char *s = getenv("BENCH_CASES");
    return !s || !*s || which == '1' || strchr(s, which) != NULL;
}

static int bs_table(bs_env *env, int threads, double seconds) {
    double base = 0.0;
    printf("\n%-26s %7s %11s %6s %8s %14s %10s %22s %-10s %s\n", "case", "threads", "ops", "fail",
           "seconds", "ops/s", "cpu us/op", "fraction of (1)", "target", "");
    for (size_t k = 0; k < sizeof bs_cases / sizeof bs_cases[0]; k++) {
        const bs_case *c = &bs_cases[k];
        if (!bs_wanted((char)('1' + k))) {
            continue;
        }
        if (bs_prepare(env, c) != 0) {
            return -1;
        }
        bs_result r = bs_run(env, c->op, threads, seconds);
        if (k == 0) {
            base = (double)r.ok / r.seconds;
        }
        bs_print_row(c, threads, &r, base, k > 0);
        (void)fflush(stdout);
    }
    return 0;
}

/* ops/s of the stock store's reserve with `threads` threads, each on its own fresh product. */
static double bs_per_product(bs_env *env, int threads, double seconds, uint64_t *failed) {
    env->case_no++;
    env->product_per_thread = 1;
    if (bs_fresh_products(env, threads) != 0) {
        return -1.0;
    }
    bs_result r = bs_run(env, op_reserve, threads, seconds);
    *failed += r.failed;
    return (double)r.ok / r.seconds;
}

/* 1 thread on 1 product against 2 threads on 2 products, alternated 3 times, best of each. */
static int bs_scaling(bs_env *env, double seconds) {
    double r1 = 0.0, r2 = 0.0;
    uint64_t failed = 0;
    for (int round = 0; round < 3; round++) {
        double a = bs_per_product(env, 1, seconds, &failed);
        double b = bs_per_product(env, 2, seconds, &failed);
        if (a < 0 || b < 0) {
            return -1;
        }
        r1 = a > r1 ? a : r1;
        r2 = b > r2 ? b : r2;
    }
    printf("\nMany products (stock store reserve, one product per thread, best of 3):\n");
    printf("  1 thread  x 1 product : %12.0f ops/s\n", r1);
    printf("  2 threads x 2 products: %12.0f ops/s (%llu fail in all rounds)\n", r2,
           (unsigned long long)failed);
    printf("  scaling %.2fx (target near 2x on 2 cores): %s\n", r2 / r1,
           r2 / r1 >= 1.6 ? "met" : "missed");
    printf("BENCH\tstock store reserve, 2 threads on 2 products\tmemory\t2\t%.0f\t"
           "stock store reserve, 1 thread on 1 product\t%.0f\n",
           r2, r1);
    return 0;
}

static int bs_main(bs_env *env, double seconds) {
    if (bs_store_setup(env) != 0 || bs_park_setup(env) != 0) {
        (void)fprintf(stderr, "bench_stock: setup failed\n");
        return -1;
    }
    printf("bench_stock: one hot product, %.2f s per case, %d users\n", seconds, BS_USERS);
    /* BENCH_THREADS=n runs the table at n threads (1..8) instead of at 2 and 8. */
    const char *only = getenv("BENCH_THREADS");
    int threads[] = { 2, 8 };
    size_t n_tables = 2;
    if (only && *only) {
        long n = strtol(only, NULL, 10);
        threads[0] = n < 1 ? 1 : n > BS_MAX_THREADS ? BS_MAX_THREADS : (int)n;
        n_tables = 1;
    }
    for (size_t k = 0; k < n_tables; k++) {
        if (bs_table(env, threads[k], seconds) != 0) {
            return -1;
        }
    }
    return bs_wanted('s') ? bs_scaling(env, seconds) : 0;
}

int main(void) {
    static bs_env env;
    double seconds = bs_duration();
    (void)pthread_mutex_init(&env.mutex, NULL);
    int rc = bs_main(&env, seconds);
    if (env.park) {
        fantasy_park_close(env.park);
    }
    if (env.store.destroy) {
        env.store.destroy(env.store.self);
    }
    (void)pthread_mutex_destroy(&env.mutex);
    return rc == 0 ? 0 : 1;
}
