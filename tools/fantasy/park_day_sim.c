/* park-day: the day on the manual clock. A coordinator (the calling thread) runs the ticks;
 * each tick the coordinator, as the ride operators, first calls riders on each ride's cycle,
 * then the workers give every due visitor a turn. Between ticks it moves the clock, runs
 * park.run_due, delivers bus messages and takes a sample for the report. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "park_day.h"

#define PD_CHUNK       8  /* visitors a worker takes at once */
#define PD_NOTIFY_FAIL 23 /* the push notifier fails for good on about 1 event in this many */

typedef struct worker_arg {
    pd_world *w;
    pd_tally *t;
} worker_arg;

/* The tick gate: the coordinator opens a tick (gen + 1) and waits until every worker has
 * finished it. Unlike a barrier it copes with fewer workers than asked for. */
static int wait_tick(pd_world *w, int64_t *seen) {
    pthread_mutex_lock(&w->gate_lock);
    while (w->gen == *seen) {
        pthread_cond_wait(&w->gate_go, &w->gate_lock);
    }
    *seen = w->gen;
    int stop = w->stop;
    pthread_mutex_unlock(&w->gate_lock);
    return !stop;
}

static void tick_done(pd_world *w) {
    pthread_mutex_lock(&w->gate_lock);
    if (++w->finished == w->workers) {
        pthread_cond_signal(&w->gate_done);
    }
    pthread_mutex_unlock(&w->gate_lock);
}

static void *worker(void *p) {
    const worker_arg *a = p;
    pd_world *w = a->w;
    int64_t seen = 0;
    while (wait_tick(w, &seen)) {
        for (;;) {
            int i = atomic_fetch_add(&w->next_visitor, PD_CHUNK);
            if (i >= w->opt.visitors) {
                break;
            }
            for (int j = i; j < i + PD_CHUNK && j < w->opt.visitors; j++) {
                fantasy__pd_visitor_turn(w, a->t, &w->visitors[j]);
            }
        }
        tick_done(w);
    }
    return NULL;
}

static void open_tick(pd_world *w, int stop) {
    pthread_mutex_lock(&w->gate_lock);
    w->finished = 0;
    w->stop = stop;
    w->gen++;
    pthread_cond_broadcast(&w->gate_go);
    pthread_mutex_unlock(&w->gate_lock);
}

static void close_tick(pd_world *w) {
    pthread_mutex_lock(&w->gate_lock);
    while (w->finished < w->workers) {
        pthread_cond_wait(&w->gate_done, &w->gate_lock);
    }
    pthread_mutex_unlock(&w->gate_lock);
}

/* The ride operators: call_next once per cycle that ended during this tick. */
static void call_riders(pd_world *w, pd_tally *t) {
    for (int i = 0; i < w->nrides; i++) {
        pd_ride *r = &w->rides[i];
        char args[128];
        (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", r->id);
        r->carry_ms += PD_TICK_MS;
        while (r->carry_ms >= r->cycle_s * 1000) {
            r->carry_ms -= r->cycle_s * 1000;
            fantasy_status st =
                fantasy__pd_call(w, t, "queues.call_next", args, w->operator_.access, NULL);
            if (st != FANTASY_OK) {
                fantasy__pd_unexpected(w, t, "queues.call_next", st);
            }
        }
    }
}

static int product_index(const pd_world *w, const char *id) {
    for (int i = 0; id && i < PD_PRODUCTS; i++) {
        if (strcmp(w->products[i].id, id) == 0) {
            return i;
        }
    }
    return -1;
}

static int ride_index(const pd_world *w, const char *id) {
    for (int i = 0; id && i < w->nrides; i++) {
        if (strcmp(w->rides[i].id, id) == 0) {
            return i;
        }
    }
    return -1;
}

static fantasy_status grow_samples(pd_world *w) {
    if (w->nsamples < w->cap_samples) {
        return FANTASY_OK;
    }
    size_t cap = w->cap_samples ? w->cap_samples * 2 : 256;
    pd_sample *s = realloc(w->samples, cap * sizeof *s);
    if (!s) {
        return fantasy_error_set(FANTASY_ENOMEM, "park-day: out of memory for samples");
    }
    w->samples = s;
    w->cap_samples = cap;
    return FANTASY_OK;
}

/* Queue lengths and the gala's sales, from park.stats as the manager sees them. */
static void sample(pd_world *w, pd_tally *t) {
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "park.stats", "{}", w->manager.access, &r);
    if (st == FANTASY_OK) {
        st = grow_samples(w);
    }
    if (st != FANTASY_OK) {
        fantasy__pd_unexpected(w, t, "park.stats", st);
        cJSON_Delete(r);
        return;
    }
    pd_sample *s = &w->samples[w->nsamples++];
    memset(s, 0, sizeof *s);
    s->at = fantasy_park_now(w->park);
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "products")) {
        if (product_index(w, fantasy__pd_str(it, "product_id")) == PD_GALA) {
            s->gala_sold = fantasy__pd_int(it, "sold", 0);
            s->gala_held = fantasy__pd_int(it, "held", 0);
        }
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "queues")) {
        int i = ride_index(w, fantasy__pd_str(it, "attraction_id"));
        if (i >= 0) {
            s->waiting[i] = fantasy__pd_int(it, "waiting", 0);
        }
    }
    cJSON_Delete(r);
}

/* park.run_due as the host, its counts added to the day's. */
static void run_due(pd_world *w, pd_tally *t) {
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_sys(w, t, "park.run_due", "{}", &r);
    if (st == FANTASY_OK) {
        w->due.holds_expired += fantasy__pd_int(r, "holds_expired", 0);
        w->due.orders_expired += fantasy__pd_int(r, "orders_expired", 0);
        w->due.no_shows += fantasy__pd_int(r, "no_shows", 0);
        w->due.payments_resolved += fantasy__pd_int(r, "payments_resolved", 0);
        w->due.events_relayed += fantasy__pd_int(r, "events_relayed", 0);
    } else {
        fantasy__pd_unexpected(w, t, "park.run_due", st);
    }
    cJSON_Delete(r);
    /* A poll delivers a batch per group; a busy minute may take a few. */
    int delivered = 1;
    for (int round = 0; round < 16 && delivered > 0; round++) {
        delivered = fantasy_park_poll(w->park, 0);
    }
    if (delivered < 0) {
        fantasy__pd_unexpected(w, t, "fantasy_park_poll", (fantasy_status)delivered);
    }
}

static fantasy_status advance(pd_world *w, pd_tally *t, int64_t ms) {
    char args[64];
    (void)snprintf(args, sizeof args, "{\"ms\":%lld}", (long long)ms);
    fantasy_status st = fantasy__pd_sys(w, t, "park.advance_clock", args, NULL);
    if (st == FANTASY_ESTATE) {
        return fantasy_error_set(st, "park-day needs the manual clock (clock=manual)");
    }
    return st;
}

/* The push notifier: wakes the guest whose entry was called, for the coming tick. Its gateway
 * refuses some messages for good (chosen by the call's minute, ride and party size, so the
 * same on every run): the bus retries them, then dead-letters them (PORTS.md), and that guest
 * finds out only at the next glance at the app, often too late. Runs inside fantasy_park_poll
 * on the coordinator, between ticks, when no worker moves visitors. */
static int notify(void *ctx, const fantasy_event *ev) {
    pd_world *w = ctx;
    cJSON *p = cJSON_ParseWithLength(ev->payload, ev->payload_len);
    int64_t key = ev->occurred_at_ms / PD_TICK_MS + 7 * fantasy__pd_int(p, "party_size", 0) +
                  13 * (int64_t)ride_index(w, fantasy__pd_str(p, "attraction_id"));
    int doomed = key % PD_NOTIFY_FAIL == 0;
    pd_visitor *v = doomed ? NULL : fantasy__pd_guests_find(w, fantasy__pd_str(p, "user_id"));
    const char *entry = fantasy__pd_str(p, "entry_id");
    if (v && v->phase == PD_V_QUEUED && entry && strcmp(v->entry_id, entry) == 0) {
        v->next_tick = w->tick + 1;
    }
    cJSON_Delete(p);
    atomic_fetch_add(doomed ? &w->notify_failures : &w->notified, 1);
    return doomed;
}

static double seconds(void) {
    /* Wall time for calls per second; the park itself only sees its manual clock. */
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static fantasy_status one_tick(pd_world *w, pd_tally *t, int64_t tick) {
    w->tick = tick;
    atomic_store(&w->next_visitor, 0);
    fantasy_status st = fantasy__pd_staff_fresh(w, &w->manager);
    if (st == FANTASY_OK) {
        st = fantasy__pd_staff_fresh(w, &w->gate);
    }
    if (st == FANTASY_OK) {
        st = fantasy__pd_staff_fresh(w, &w->operator_);
    }
    /* Calls first, then the visitors: with one worker thread a seed's day is exactly the same
     * on every run; with more, only the interleaving of visitors differs. */
    if (st == FANTASY_OK && tick < PD_DAY_TICKS) {
        call_riders(w, t);
    }
    open_tick(w, 0);
    close_tick(w);
    if (st == FANTASY_OK && tick % PD_SAMPLE_EVERY == 0) {
        sample(w, t);
    }
    if (st == FANTASY_OK) {
        st = advance(w, t, PD_TICK_MS);
    }
    if (st == FANTASY_OK) {
        run_due(w, t);
    }
    return st;
}

static fantasy_status day(pd_world *w, pd_tally *t) {
    fantasy_status st = FANTASY_OK;
    /* Tick PD_DAY_TICKS is closing time: the last visitors leave, nobody is called. */
    for (int64_t tick = 0; tick <= PD_DAY_TICKS && st == FANTASY_OK; tick++) {
        st = one_tick(w, t, tick);
        if (!w->opt.quiet) {
            fantasy__pd_progress(w, tick + 1, PD_DAY_TICKS + 1, 0);
        }
    }
    return st;
}

/* After closing: long enough for every unpaid order to expire and every call to lapse. */
static fantasy_status settle(pd_world *w, pd_tally *t) {
    fantasy_status st = advance(w, t, w->settle_ms);
    if (st == FANTASY_OK) {
        run_due(w, t);
        run_due(w, t); /* deliveries retried after a backoff */
        sample(w, t);
    }
    return st;
}

fantasy_status fantasy__pd_run_day(pd_world *w) {
    int n = w->opt.threads;
    pd_tally *coord = &w->tallies[n];
    pthread_t *tids = calloc((size_t)n, sizeof *tids);
    worker_arg *args = calloc((size_t)n, sizeof *args);
    if (!tids || !args) {
        free(tids);
        free(args);
        return fantasy_error_set(FANTASY_ENOMEM, "park-day: out of memory for threads");
    }
    fantasy_status st =
        fantasy_park_subscribe(w->park, "queues.called", "push-notifier", notify, w);
    int started = 0;
    for (; st == FANTASY_OK && started < n; started++) {
        args[started] = (worker_arg){ .w = w, .t = &w->tallies[started] };
        if (pthread_create(&tids[started], NULL, worker, &args[started]) != 0) {
            st = fantasy_error_set(FANTASY_EBACKEND, "park-day: cannot start %d threads", n);
            break;
        }
    }
    pthread_mutex_lock(&w->gate_lock);
    w->workers = started;
    pthread_mutex_unlock(&w->gate_lock);
    double t0 = seconds();
    if (st == FANTASY_OK) {
        st = day(w, coord);
    }
    w->wall_s = seconds() - t0;
    for (int i = 0; i <= n; i++) {
        w->day_calls += w->tallies[i].calls;
    }
    open_tick(w, 1);
    for (int i = 0; i < started; i++) {
        (void)pthread_join(tids[i], NULL);
    }
    free(tids);
    free(args);
    if (st == FANTASY_OK) {
        st = settle(w, coord);
    }
    if (!w->opt.quiet) {
        fantasy__pd_progress(w, PD_DAY_TICKS + 1, PD_DAY_TICKS + 1, 1);
    }
    return st;
}
