/* park-day shopping: orders with idempotency keys, paid with the sandbox's payment-key
 * conventions (docs/payments-sandbox.md), so that some are declined, some time out and get
 * settled by run_due, some are canceled or refunded and some are left to expire. */
#include <string.h>

#include "park_day.h"

/* Cumulative percentages per plan, in pd_plan order: passes are always paid in the end (no
 * pass, no visit); extras are sometimes abandoned, canceled or refunded. */
static const int pass_odds[] = { 80, 88, 94, 100, 100, 100, 100 };
static const int extra_odds[] = { 58, 66, 73, 78, 88, 92, 100 };

static pd_plan choose_plan(pd_visitor *v, int product) {
    const int *odds = product == PD_DAY_PASS || product == PD_EVENING ? pass_odds : extra_odds;
    int p = (int)fantasy__pd_range(&v->rng, 1, 100);
    int plan = 0;
    while (plan < PD_PLAN_REFUND && p > odds[plan]) {
        plan++;
    }
    return (pd_plan)plan;
}

static void order_args(const pd_order *o, char *args, size_t cap) {
    (void)snprintf(args, cap, "{\"order_id\":\"%s\"}", o->id);
}

/* Tickets of a PAID order object. */
static void take_tickets(pd_order *o, const cJSON *order) {
    const cJSON *tickets = cJSON_GetObjectItemCaseSensitive(order, "tickets");
    o->ntickets = 0;
    for (int i = 0; i < cJSON_GetArraySize(tickets) && i < PD_MAX_TICKETS; i++) {
        if (fantasy__pd_copy(cJSON_GetArrayItem(tickets, i), "ticket_id", o->tickets[o->ntickets],
                             PD_ID)) {
            o->ntickets++;
        }
    }
}

static void next_item(pd_visitor *v) {
    v->current = -1;
    v->shop_step++;
}

/* The order answered with `status`: move our side along. */
static void settle(pd_world *w, pd_visitor *v, pd_order *o, const cJSON *order) {
    const char *status = fantasy__pd_str(order, "status");
    if (status && strcmp(status, "PAID") == 0) {
        take_tickets(o, order);
        o->state = PD_ORD_PAID;
        if (o->plan == PD_PLAN_REFUND) {
            o->refund_tick = w->tick + fantasy__pd_range(&v->rng, 30, 240);
        }
        next_item(v);
    } else if (status && strcmp(status, "PAYMENT_UNKNOWN") == 0) {
        o->state = PD_ORD_UNKNOWN;
    } else if (status && strcmp(status, "PENDING_PAYMENT") == 0) {
        o->state = PD_ORD_PENDING; /* a timeout that turned out declined: pay again */
    } else {
        o->state = PD_ORD_DONE; /* EXPIRED (or anything final) */
        next_item(v);
    }
}

static void create(pd_world *w, pd_tally *t, pd_visitor *v) {
    if (v->norders == PD_MAX_ORDERS) { /* never happens: the list is as long as the orders */
        next_item(v);
        return;
    }
    int product = v->list[v->shop_step];
    const pd_product *p = &w->products[product];
    int qty = product == PD_PARKING || product == PD_MEMBERSHIP ? 1
              : product == PD_GALA                              ? (v->party > 1 ? 2 : 1)
                                                                : v->party;
    char args[512];
    /* The key names the product, so a rerun on a kept store never replays an old order. */
    (void)snprintf(args, sizeof args,
                   "{\"product_id\":\"%s\",\"quantity\":%d,\"idempotency_key\":\"o%d-%s\"}", p->id,
                   qty, v->norders, p->id);
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "orders.create", args, v->access, &r);
    if (st == FANTASY_OK) {
        pd_order *o = &v->orders[v->norders];
        memset(o, 0, sizeof *o);
        o->product = product;
        o->qty = qty;
        o->plan = choose_plan(v, product);
        o->state = PD_ORD_PENDING;
        o->amount = fantasy__pd_int(cJSON_GetObjectItemCaseSensitive(r, "amount"), "amount", 0);
        (void)fantasy__pd_copy(r, "order_id", o->id, sizeof o->id);
        if (product == PD_DAY_PASS || product == PD_EVENING) {
            v->pass_order = v->norders;
        }
        v->current = v->norders++;
        t->orders_created++;
    } else if (st == FANTASY_ESOLDOUT) {
        t->sold_out++;
        if (product == PD_GALA && t->gala_sold_out_tick == 0) {
            t->gala_sold_out_tick = w->tick + 1;
        }
        if (product == PD_GALA && v->gala_retries < 2) { /* maybe someone gives seats back */
            v->gala_retry_tick = w->tick + fantasy__pd_range(&v->rng, 20, 120);
        }
        next_item(v);
    } else if (st == FANTASY_ELIMIT) { /* a kept store: bought on an earlier run */
        t->limit_exceeded++;
        next_item(v);
    } else {
        fantasy__pd_unexpected(w, t, "orders.create", st);
        next_item(v);
    }
    cJSON_Delete(r);
}

static void pay(pd_world *w, pd_tally *t, pd_visitor *v, pd_order *o) {
    const char *prefix = "pk";
    if (o->attempts == 0) {
        prefix = o->plan == PD_PLAN_DECLINE_THEN_PAY  ? "decline"
                 : o->plan == PD_PLAN_TIMEOUT         ? "timeout"
                 : o->plan == PD_PLAN_TIMEOUT_DECLINE ? "timeout_decline"
                                                      : "pk";
    }
    char args[512];
    (void)snprintf(args, sizeof args,
                   "{\"order_id\":\"%s\",\"payment_key\":\"%s-%llu-%d-%d-%d\",\"amount\":{"
                   "\"amount\":%lld,\"currency\":\"KRW\"}}",
                   o->id, prefix, (unsigned long long)w->opt.seed, v->index, (int)(o - v->orders),
                   o->attempts, (long long)o->amount);
    o->attempts++;
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "orders.pay", args, v->access, &r);
    if (st == FANTASY_OK) {
        t->paid_now++;
        settle(w, v, o, r);
    } else if (st == FANTASY_EDECLINED) {
        t->declined++; /* still payable: the next turn pays with another card */
    } else if (st == FANTASY_EPAYUNKNOWN) {
        t->pay_unknown++;
        o->state = PD_ORD_UNKNOWN;
    } else if (st == FANTASY_EEXPIRED) {
        o->state = PD_ORD_DONE;
        next_item(v);
    } else {
        fantasy__pd_unexpected(w, t, "orders.pay", st);
        o->state = PD_ORD_DONE;
        next_item(v);
    }
    cJSON_Delete(r);
}

/* After a lost answer: run_due has asked the provider since; see what became of it. */
static void look_again(pd_world *w, pd_tally *t, pd_visitor *v, pd_order *o) {
    char args[128];
    order_args(o, args, sizeof args);
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "orders.get", args, v->access, &r);
    if (st == FANTASY_OK) {
        settle(w, v, o, r);
    } else {
        fantasy__pd_unexpected(w, t, "orders.get", st);
        o->state = PD_ORD_DONE;
        next_item(v);
    }
    cJSON_Delete(r);
}

static void cancel(pd_world *w, pd_tally *t, pd_visitor *v, pd_order *o) {
    char args[256];
    (void)snprintf(args, sizeof args, "{\"order_id\":\"%s\",\"reason\":\"changed my mind\"}",
                   o->id);
    fantasy_status st = fantasy__pd_call(w, t, "orders.cancel", args, v->access, NULL);
    if (st == FANTASY_OK) {
        if (o->state == PD_ORD_PAID) {
            t->refunds_asked++;
        } else {
            t->cancels_asked++;
        }
    } else if (st != FANTASY_ESTATE) { /* expired meanwhile */
        fantasy__pd_unexpected(w, t, "orders.cancel", st);
    }
    o->state = PD_ORD_DONE;
}

static void finish_shopping(pd_visitor *v) {
    int has_pass = v->pass_order >= 0 && v->orders[v->pass_order].state == PD_ORD_PAID;
    if (!has_pass) {
        v->leave_tick = 0; /* could not pay for entry: goes home */
    } else {
        v->phase = v->orders[v->pass_order].redeemed ? PD_V_PICK : PD_V_GATE;
    }
}

void fantasy__pd_shop(pd_world *w, pd_tally *t, pd_visitor *v) {
    if (v->current < 0) {
        if (v->shop_step >= v->nlist) {
            finish_shopping(v);
            return;
        }
        create(w, t, v);
        if (v->current < 0) {
            return;
        }
    }
    pd_order *o = &v->orders[v->current];
    if (o->state == PD_ORD_UNKNOWN) {
        look_again(w, t, v, o);
    } else if (o->plan == PD_PLAN_ABANDON) {
        o->state = PD_ORD_DONE; /* walks off; run_due expires the order with its hold */
        next_item(v);
    } else if (o->plan == PD_PLAN_CANCEL_UNPAID) {
        cancel(w, t, v, o);
        next_item(v);
    } else {
        pay(w, t, v, o);
    }
}

int fantasy__pd_shop_later(pd_world *w, pd_tally *t, pd_visitor *v) {
    for (int i = 0; i < v->norders; i++) {
        pd_order *o = &v->orders[i];
        if (o->state == PD_ORD_PAID && o->plan == PD_PLAN_REFUND && !o->redeemed &&
            w->tick >= o->refund_tick) {
            cancel(w, t, v, o);
            return 1;
        }
    }
    if (v->gala_retry_tick > 0 && w->tick >= v->gala_retry_tick && v->norders < PD_MAX_ORDERS &&
        v->nlist < PD_MAX_ORDERS) {
        v->gala_retry_tick = 0;
        v->gala_retries++;
        v->list[v->nlist++] = PD_GALA;
        v->phase = PD_V_SHOP;
        fantasy__pd_shop(w, t, v);
        return 1;
    }
    return 0;
}

void fantasy__pd_redeem(pd_world *w, pd_tally *t, pd_order *o) {
    for (int i = 0; i < o->ntickets; i++) {
        char args[128];
        (void)snprintf(args, sizeof args, "{\"ticket_id\":\"%s\"}", o->tickets[i]);
        fantasy_status st = fantasy__pd_call(w, t, "tickets.redeem", args, w->gate.access, NULL);
        if (st == FANTASY_OK) {
            t->redeemed++;
        } else if (st == FANTASY_EREDEEMED) {
            t->double_redeem++; /* counted: a ticket must never be redeemed twice */
        } else {
            fantasy__pd_unexpected(w, t, "tickets.redeem", st);
        }
    }
    o->redeemed = 1;
}
