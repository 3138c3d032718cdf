/* park-day summary: the day's numbers, read back through the API (products.get, orders.get,
 * park.stats) and checked against what the visitors did. The invariants: for every limited
 * product sold <= stock and available + held + sold == stock; for every product, sold equals
 * the units of the run's PAID orders, and park.stats agrees with products.get; no ticket
 * redeemed twice; no unexpected status. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "park_day.h"

static const char *const order_statuses[] = { "PAID",    "REFUNDED",        "CANCELED",
                                              "EXPIRED", "PENDING_PAYMENT", "PAYMENT_UNKNOWN",
                                              "PAYING",  "REFUND_PENDING" };
#define PD_ORDER_STATUSES ((int)(sizeof order_statuses / sizeof order_statuses[0]))

typedef struct audit {
    int64_t units[PD_PRODUCTS]; /* units of PAID (or REFUND_PENDING) orders */
    int64_t revenue, refunded, refunded_amount;
    int64_t by_status[PD_ORDER_STATUSES];
    int failures;
} audit;

void fantasy__pd_waits_add(pd_waits *wt, int64_t ms) {
    if (wt->n == wt->cap) {
        size_t cap = wt->cap ? wt->cap * 2 : 64;
        int64_t *ms_new = realloc(wt->ms, cap * sizeof *ms_new);
        if (!ms_new) {
            return; /* a sample lost to memory pressure only thins the percentiles */
        }
        wt->ms = ms_new;
        wt->cap = cap;
    }
    wt->ms[wt->n++] = ms;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

#define ADD(f) total->f += t->f

static void merge_one(pd_tally *total, const pd_tally *t, int nrides) {
    ADD(calls), ADD(signups), ADD(logins), ADD(refreshes), ADD(searches);
    ADD(orders_created), ADD(sold_out), ADD(limit_exceeded), ADD(declined), ADD(pay_unknown);
    ADD(refunds_asked), ADD(cancels_asked), ADD(paid_now), ADD(redeemed), ADD(double_redeem);
    ADD(joins), ADD(boarded), ADD(left_queue), ADD(no_show_chosen), ADD(missed_call);
    ADD(unexpected);
    if (t->gala_sold_out_tick > 0 &&
        (total->gala_sold_out_tick == 0 || t->gala_sold_out_tick < total->gala_sold_out_tick)) {
        total->gala_sold_out_tick = t->gala_sold_out_tick;
    }
    for (int r = 0; r < nrides; r++) {
        total->riders[r] += t->riders[r];
        for (size_t i = 0; i < t->waits[r].n; i++) {
            fantasy__pd_waits_add(&total->waits[r], t->waits[r].ms[i]);
        }
    }
}

#undef ADD

static void merge(pd_world *w) {
    for (int i = 0; i <= w->opt.threads; i++) {
        merge_one(&w->total, &w->tallies[i], w->nrides);
    }
    for (int r = 0; r < w->nrides; r++) {
        pd_waits *wt = &w->total.waits[r];
        if (wt->n > 0) {
            qsort(wt->ms, wt->n, sizeof wt->ms[0], cmp_i64);
        }
    }
}

static int64_t percentile(const pd_waits *wt, int pct) {
    if (wt->n == 0) {
        return 0;
    }
    size_t i = (wt->n * (size_t)pct + 99) / 100;
    return wt->ms[i > 0 ? i - 1 : 0];
}

static void audit_order(pd_world *w, const pd_order *o, audit *a) {
    char args[128];
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\"}", o->id);
    cJSON *r = NULL;
    pd_tally *t = &w->tallies[w->opt.threads];
    fantasy_status st = fantasy__pd_call(w, t, "orders.get", args, w->manager.access, &r);
    const char *status = st == FANTASY_OK ? fantasy__pd_str(r, "status") : NULL;
    if (!status) {
        fantasy__pd_unexpected(w, t, "orders.get", st);
        a->failures++;
    }
    for (int i = 0; status && i < PD_ORDER_STATUSES; i++) {
        if (strcmp(status, order_statuses[i]) == 0) {
            a->by_status[i]++;
        }
    }
    int64_t amount = fantasy__pd_int(cJSON_GetObjectItemCaseSensitive(r, "amount"), "amount", 0);
    if (status && (strcmp(status, "PAID") == 0 || strcmp(status, "REFUND_PENDING") == 0)) {
        a->units[o->product] += fantasy__pd_int(r, "quantity", 0);
        a->revenue += amount;
    } else if (status && strcmp(status, "REFUNDED") == 0) {
        a->refunded++;
        a->refunded_amount += amount;
    }
    cJSON_Delete(r);
}

static void audit_orders(pd_world *w, audit *a) {
    memset(a, 0, sizeof *a);
    for (int v = 0; v < w->opt.visitors; v++) {
        const pd_visitor *vis = &w->visitors[v];
        for (int i = 0; i < vis->norders; i++) {
            if (vis->orders[i].id[0] != '\0') {
                audit_order(w, &vis->orders[i], a);
            }
        }
    }
}

/* "1,234,500" */
static const char *money(int64_t v, char *buf, size_t cap) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v < 0 ? -v : v);
    size_t o = 0;
    if (v < 0 && o + 1 < cap) {
        buf[o++] = '-';
    }
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            buf[o++] = ',';
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

typedef struct counts {
    int64_t stock, sold, held, available;
} counts;

static counts counts_of(const cJSON *o) {
    counts c = { fantasy__pd_int(o, "stock", -2), fantasy__pd_int(o, "sold", -1),
                 fantasy__pd_int(o, "held", -1), fantasy__pd_int(o, "available", -2) };
    return c;
}

/* The same product's counts as park.stats lists them; stock -2 when it is not listed. */
static counts stats_counts(const cJSON *stats, const char *product_id) {
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(stats, "products")) {
        const char *id = fantasy__pd_str(it, "product_id");
        if (id && strcmp(id, product_id) == 0) {
            return counts_of(it);
        }
    }
    counts none = { -2, -1, -1, -2 };
    return none;
}

/* What is wrong with a product's counts, or NULL. */
static const char *judge(const counts *c, const counts *listed, int64_t paid_units) {
    if (c->stock >= 0 && c->sold > c->stock) {
        return "sold > stock";
    }
    if (c->stock >= 0 && c->available + c->held + c->sold != c->stock) {
        return "available+held+sold != stock";
    }
    if (c->stock < 0 && c->available != -1) {
        return "unlimited but available != -1";
    }
    if (c->held < 0 || c->sold < 0 || (c->stock >= 0 && c->available < 0)) {
        return "negative count";
    }
    if (c->sold != paid_units) {
        return "sold != units of PAID orders";
    }
    if (memcmp(c, listed, sizeof *c) != 0) {
        return "park.stats disagrees with products.get";
    }
    return NULL;
}

/* One product's line; returns the number of invariants it breaks. */
static int product_line(pd_world *w, FILE *out, int k, const audit *a, const cJSON *stats) {
    const pd_product *p = &w->products[k];
    char args[128];
    (void)snprintf(args, sizeof args, "{\"product_id\":\"%s\"}", p->id);
    cJSON *r = NULL;
    fantasy_status st =
        fantasy__pd_call(w, &w->tallies[w->opt.threads], "products.get", args, NULL, &r);
    if (st != FANTASY_OK) {
        (void)fprintf(out, "  %-20s products.get failed: %s\n", p->name, fantasy_status_code(st));
        cJSON_Delete(r);
        return 1;
    }
    counts c = counts_of(r);
    cJSON_Delete(r);
    counts listed = stats_counts(stats, p->id);
    const char *why = judge(&c, &listed, a->units[k]);
    (void)fprintf(out, "  %-20s %-10s %7" PRId64 " %7" PRId64 " %6" PRId64 " %9" PRId64 "  %s\n",
                  p->name, p->type, c.stock, c.sold, c.held, c.available, why ? why : "ok");
    return why ? 1 : 0;
}

static int products_section(pd_world *w, FILE *out, const audit *a, const cJSON *stats) {
    (void)fprintf(out,
                  "\nproducts               type         stock    sold   held available  check\n");
    int bad = 0;
    for (int k = 0; k < PD_PRODUCTS; k++) {
        bad += product_line(w, out, k, a, stats);
    }
    if (w->total.gala_sold_out_tick > 0) {
        char at[6];
        fantasy__pd_clock_text(w, w->total.gala_sold_out_tick - 1, at);
        (void)fprintf(out, "%s: first SOLD_OUT at %s park time\n", w->products[PD_GALA].name, at);
    }
    return bad;
}

static void orders_section(pd_world *w, FILE *out, const audit *a, const cJSON *stats) {
    char b1[32], b2[32];
    const pd_tally *t = &w->total;
    (void)fprintf(out,
                  "\nrevenue: %s KRW from %" PRId64 " paid orders; refunds: %" PRId64
                  " orders, %s KRW (%" PRId64 " asked)\n",
                  money(a->revenue, b1, sizeof b1), a->by_status[0], a->refunded,
                  money(a->refunded_amount, b2, sizeof b2), t->refunds_asked);
    (void)fprintf(out, "orders by status (park.stats):");
    const cJSON *orders = cJSON_GetObjectItemCaseSensitive(stats, "orders");
    for (int i = 0; i < PD_ORDER_STATUSES; i++) {
        (void)fprintf(out, " %s %" PRId64, order_statuses[i],
                      fantasy__pd_int(orders, order_statuses[i], 0));
    }
    (void)fprintf(out,
                  "\norders: %" PRId64 " created, %" PRId64 " refused SOLD_OUT, %" PRId64
                  " canceled before paying, %" PRId64 " expired unpaid (run_due)\n",
                  t->orders_created, t->sold_out, t->cancels_asked, w->due.orders_expired);
    (void)fprintf(out,
                  "payments: %" PRId64 " approved at once, %" PRId64 " declined, %" PRId64
                  " answered PAYMENT_UNKNOWN (run_due settled %" PRId64 ")\n",
                  t->paid_now, t->declined, t->pay_unknown, w->due.payments_resolved);
    if (t->limit_exceeded > 0) { /* a kept store: bought on an earlier day */
        (void)fprintf(out, "orders refused LIMIT_EXCEEDED: %" PRId64 "\n", t->limit_exceeded);
    }
    (void)fprintf(out, "gate: %" PRId64 " tickets redeemed, %" PRId64 " redeemed twice\n",
                  t->redeemed, t->double_redeem);
}

static void queues_section(pd_world *w, FILE *out) {
    const pd_tally *t = &w->total;
    (void)fprintf(out, "\nqueues                 riders  called  wait p50  wait p95\n");
    for (int r = 0; r < w->nrides; r++) {
        const pd_waits *wt = &t->waits[r];
        (void)fprintf(out, "  %-20s %7" PRId64 " %7zu %6.1f min %6.1f min\n", w->rides[r].name,
                      t->riders[r], wt->n, (double)percentile(wt, 50) / 60000.0,
                      (double)percentile(wt, 95) / 60000.0);
    }
    (void)fprintf(out,
                  "parties: %" PRId64 " joined, %" PRId64 " boarded, %" PRId64
                  " left the queue; %" PRId64 " no-shows marked by run_due (%" PRId64
                  " walked off when called, %" PRId64 " found out too late: push lost)\n",
                  t->joins, t->boarded, t->left_queue, w->due.no_shows, t->no_show_chosen,
                  t->missed_call);
}

static void events_section(pd_world *w, FILE *out, const cJSON *stats) {
    const cJSON *bus = cJSON_GetObjectItemCaseSensitive(stats, "bus");
    const pd_tally *t = &w->total;
    (void)fprintf(out,
                  "\nevents: %" PRId64 " published, %" PRId64 " dead-lettered; push notifier: %lld "
                  "delivered, %lld failed attempts\n",
                  fantasy__pd_int(bus, "published", 0), fantasy__pd_int(bus, "dead_lettered", 0),
                  (long long)atomic_load(&w->notified),
                  (long long)atomic_load(&w->notify_failures));
    (void)fprintf(out,
                  "visitors: %" PRId64 " signed up, %" PRId64 " logged in, %" PRId64
                  " token refreshes, %" PRId64 " hashtag searches\n",
                  t->signups, t->logins, t->refreshes, t->searches);
    (void)fprintf(out, "calls: %" PRId64 " in %.1f s of wall time, %.0f calls/s\n", w->day_calls,
                  w->wall_s, w->wall_s > 0 ? (double)w->day_calls / w->wall_s : 0.0);
}

int fantasy__pd_summary(pd_world *w, FILE *out) {
    pd_tally *coord = &w->tallies[w->opt.threads];
    fantasy_status st = fantasy__pd_staff_fresh(w, &w->manager);
    merge(w);
    audit a;
    audit_orders(w, &a);
    cJSON *stats = NULL;
    if (st == FANTASY_OK) {
        st = fantasy__pd_call(w, coord, "park.stats", "{}", w->manager.access, &stats);
    }
    if (st != FANTASY_OK) {
        fantasy__pd_unexpected(w, coord, "park.stats", st);
        w->total.unexpected++; /* counted after the merge */
    }
    (void)fprintf(out, "fantasy park-day: %d visitors, %d threads, seed %" PRIu64 ", store %s\n",
                  w->opt.visitors, w->opt.threads, w->opt.seed, w->opt.store_desc);
    (void)fprintf(out, "day %s-%s park time, %d ticks of %lld s on the manual clock\n",
                  w->open_hhmm, w->close_hhmm, PD_DAY_TICKS, (long long)(PD_TICK_MS / 1000));
    int bad = products_section(w, out, &a, stats);
    orders_section(w, out, &a, stats);
    queues_section(w, out);
    events_section(w, out, stats);
    cJSON_Delete(stats);
    bad += a.failures + (w->total.double_redeem > 0);
    if (w->total.unexpected > 0) {
        (void)fprintf(out, "unexpected statuses: %" PRId64 " (see standard error)\n",
                      w->total.unexpected);
        bad++;
    }
    if (bad == 0) {
        (void)fprintf(out,
                      "\ninvariants: OK (sold <= stock, available+held+sold == stock, sold == "
                      "paid units, park.stats == products.get for %d products; no ticket "
                      "redeemed twice)\n",
                      PD_PRODUCTS);
    } else {
        (void)fprintf(out, "\ninvariants: FAILED (%d problems)\n", bad);
    }
    return bad == 0 ? 0 : 1;
}
