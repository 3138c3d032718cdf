/* `fantasy park-day`: a simulated day at the park, driven through the public JSON surface.
 * Shared types of the park_day_*.c files. One pd_world per run. A visitor belongs to the
 * worker that picks it up during a tick, and the coordinator touches visitors only between
 * ticks (the tick gate's mutex orders the two), so visitor state needs no lock of its own. */
#ifndef FANTASY_TOOLS_PARK_DAY_H
#define FANTASY_TOOLS_PARK_DAY_H

#include <cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "fantasy/fantasy.h"

#include "cli.h"

#define PD_ID           FANTASY_ID_MAX
#define PD_MAX_RIDES    16
#define PD_MAX_ORDERS   6 /* per visitor: pass, parking, gala (tried up to 3 times), membership */
#define PD_MAX_TICKETS  4 /* per order: a party of up to 4 */
#define PD_TICK_MS      60000LL
#define PD_DAY_TICKS    720 /* 12 hours of one-minute ticks */
#define PD_SAMPLE_EVERY 5   /* ticks between two samples for the report */
#define PD_WAIT_BINS    13  /* wait histogram: 10-minute bins, the last one open */

/* What the user asked for on the command line. */
typedef struct pd_options {
    int visitors;
    int threads;
    uint64_t seed;
    const char *report;   /* NULL: no HTML report */
    int keep_store;       /* --keep: leave the temporary store in place */
    int quiet;            /* --quiet: no progress */
    char store_desc[400]; /* what the summary shows for the store */
} pd_options;

typedef enum pd_product_kind {
    PD_GALA,       /* the limited EVENT that sells out */
    PD_DAY_PASS,   /* TICKET, unlimited */
    PD_EVENING,    /* TICKET, unlimited, for late arrivals */
    PD_PARKING,    /* TICKET, limited */
    PD_MEMBERSHIP, /* MEMBERSHIP, unlimited, one per user */
    PD_PRODUCTS
} pd_product_kind;

typedef struct pd_product {
    char id[PD_ID];
    const char *name;
    const char *type;
    int64_t price;
    int64_t stock; /* -1 unlimited */
} pd_product;

typedef struct pd_ride {
    char id[PD_ID];
    const char *name;
    int64_t capacity;
    int64_t cycle_s;
    int64_t carry_ms; /* coordinator only: time since the last call */
} pd_ride;

/* A staff member's tokens; refreshed by the coordinator between ticks only. */
typedef struct pd_staff {
    const char *username;
    char user_id[PD_ID];
    char access[FANTASY_TOKEN_MAX];
    char refresh[FANTASY_TOKEN_MAX];
    int64_t access_expires_at;
} pd_staff;

/* How an order gets (or does not get) paid: the sandbox's payment-key conventions. */
typedef enum pd_plan {
    PD_PLAN_PAY,              /* an ordinary key: PAID */
    PD_PLAN_DECLINE_THEN_PAY, /* "decline…" first, then an ordinary key */
    PD_PLAN_TIMEOUT,          /* "timeout…": PAYMENT_UNKNOWN, run_due makes it PAID */
    PD_PLAN_TIMEOUT_DECLINE,  /* "timeout_decline…": back to PENDING_PAYMENT, then paid */
    PD_PLAN_ABANDON,          /* never paid: expires */
    PD_PLAN_CANCEL_UNPAID,    /* canceled before paying */
    PD_PLAN_REFUND            /* paid, later canceled: REFUNDED */
} pd_plan;

typedef enum pd_order_state {
    PD_ORD_NONE,
    PD_ORD_PENDING, /* created, payment next */
    PD_ORD_UNKNOWN, /* PAYMENT_UNKNOWN: look again after run_due */
    PD_ORD_PAID,
    PD_ORD_DONE /* nothing more to do here (expired, canceled, refunded, given up) */
} pd_order_state;

typedef struct pd_order {
    char id[PD_ID];
    int product;
    int qty;
    int64_t amount;
    pd_plan plan;
    pd_order_state state;
    int attempts;
    int64_t refund_tick;
    int ntickets;
    char tickets[PD_MAX_TICKETS][PD_ID];
    int redeemed;
} pd_order;

typedef enum pd_phase {
    PD_V_AWAY,   /* not yet arrived */
    PD_V_SHOP,   /* orders in progress */
    PD_V_GATE,   /* pass paid: redeem at the gate */
    PD_V_PICK,   /* choose a ride */
    PD_V_QUEUED, /* waiting in a ride's queue */
    PD_V_RIDING, /* riding or walking to the next ride */
    PD_V_GONE    /* went home */
} pd_phase;

typedef struct pd_visitor {
    int index;
    uint64_t rng;
    pd_phase phase;
    int64_t next_tick;
    int64_t arrive_tick, leave_tick;
    int party;
    int list[PD_MAX_ORDERS]; /* the shopping list: product kinds */
    int nlist;
    int shop_step; /* which item of the shopping list is next */
    int current;   /* the order in progress, -1 none */
    int wants_gala, wants_parking, wants_membership, gala_retries;
    int64_t gala_retry_tick;
    int no_show_chance_pct;
    int64_t patience_ms;
    char user_id[PD_ID];
    char access[FANTASY_TOKEN_MAX];
    char refresh[FANTASY_TOKEN_MAX];
    int64_t access_expires_at;
    int norders;
    pd_order orders[PD_MAX_ORDERS];
    int pass_order; /* index into orders, -1 none */
    int ride;       /* current queue's ride index, -1 none */
    int last_ride;
    char entry_id[PD_ID];
    int64_t joined_at;
    int64_t gala_tick; /* when the evening event takes place */
} pd_visitor;

/* Counters and samples one worker collects; merged at the end. */
typedef struct pd_waits {
    int64_t *ms;
    size_t n, cap;
} pd_waits;

typedef struct pd_tally {
    int64_t calls;
    int64_t signups, logins, refreshes, searches;
    int64_t orders_created, sold_out, limit_exceeded, declined, pay_unknown, refunds_asked,
        cancels_asked, paid_now;
    int64_t redeemed, double_redeem;
    int64_t joins, boarded, left_queue, no_show_chosen, missed_call;
    int64_t unexpected;
    int64_t gala_sold_out_tick; /* 1 + the first tick the gala answered SOLD_OUT; 0 never */
    char last_error[256];       /* the message of this worker's last failed call */
    pd_waits waits[PD_MAX_RIDES];
    int64_t riders[PD_MAX_RIDES];
} pd_tally;

typedef struct pd_sample {
    int64_t at;
    int64_t gala_sold, gala_held;
    int64_t waiting[PD_MAX_RIDES];
} pd_sample;

typedef struct pd_world {
    fantasy_park *park;
    pd_options opt;
    int64_t start_ms;
    int64_t tick; /* the current tick; written by the coordinator between ticks */
    char open_hhmm[6], close_hhmm[6];
    pd_product products[PD_PRODUCTS];
    int nrides;
    pd_ride rides[PD_MAX_RIDES];
    pd_staff manager, gate, operator_;
    pd_visitor *visitors;
    pd_tally *tallies; /* one per worker, plus one for the coordinator (the last) */
    atomic_int next_visitor;
    pthread_mutex_t gate_lock; /* the tick gate (park_day_sim.c) */
    pthread_cond_t gate_go, gate_done;
    int64_t gen;
    int finished, workers, stop;
    int64_t settle_ms; /* after closing: order.ttl_ms and queue.call_timeout_ms, and a tick */
    pd_tally total;    /* the tallies merged, for the summary and the report */
    pd_sample *samples;
    size_t nsamples, cap_samples;
    fantasy_due_counts due; /* summed over every run_due */
    atomic_llong notified, notify_failures;
    double wall_s;
    int64_t day_calls;      /* calls made during the day (the wall time's calls) */
    int64_t utc_offset_min; /* park.utc_offset_min, for clock times on screen */
    int progress_pct;
    pthread_mutex_t msg_lock;   /* serialises the first few unexpected-error messages */
    pthread_mutex_t guest_lock; /* the guest directory (park_day_guests.c) */
    int *guest_slots;           /* visitor index + 1, 0 empty */
    size_t guest_cap;
    int messages;
} pd_world;

/* Entry point, called by main.c: argv[cmd] is "park-day". Returns the exit status. */
int fantasy__park_day_main(fantasy_cli *cli, int argc, char **argv, int cmd);

/* park_day_call.c: calls through the public surface, counted in `t`; *out parsed when given. */
fantasy_status fantasy__pd_call(pd_world *w, pd_tally *t, const char *method, const char *args,
                                const char *token, cJSON **out);
fantasy_status fantasy__pd_sys(pd_world *w, pd_tally *t, const char *method, const char *args,
                               cJSON **out);
/* An unexpected status: counted, and the first few printed on stderr. */
void fantasy__pd_unexpected(pd_world *w, pd_tally *t, const char *what, fantasy_status st);
const char *fantasy__pd_str(const cJSON *o, const char *name);
int64_t fantasy__pd_int(const cJSON *o, const char *name, int64_t fallback);
int fantasy__pd_copy(const cJSON *o, const char *name, char *buf, size_t cap);
/* Deterministic per-visitor randomness (splitmix64): no rand(), no shared state. */
uint64_t fantasy__pd_next(uint64_t *state);
int fantasy__pd_pct(uint64_t *state, int percent);                  /* true with that chance */
int64_t fantasy__pd_range(uint64_t *state, int64_t lo, int64_t hi); /* lo..hi inclusive */

/* park_day_guests.c: user id -> visitor, for the push notifier. */
int fantasy__pd_guests_init(pd_world *w);
void fantasy__pd_guests_free(pd_world *w);
void fantasy__pd_guests_add(pd_world *w, const pd_visitor *v);
pd_visitor *fantasy__pd_guests_find(pd_world *w, const char *user_id);

/* park_day_setup.c: staff, catalog and attractions, as the host. */
fantasy_status fantasy__pd_setup(pd_world *w, const fantasy_conf *conf);
/* Refresh a staff member's tokens when the access token is close to its end (coordinator,
 * between ticks). */
fantasy_status fantasy__pd_staff_fresh(pd_world *w, pd_staff *s);

/* park_day_visitor.c: one visitor's turn in the current tick. */
void fantasy__pd_visitor_init(pd_world *w, pd_visitor *v, int index);
void fantasy__pd_visitor_turn(pd_world *w, pd_tally *t, pd_visitor *v);

/* park_day_shop.c: the shopping part of a visitor's day. */
void fantasy__pd_shop(pd_world *w, pd_tally *t, pd_visitor *v);
/* Refunds and second tries at the sold-out event during the day; returns 1 when it acted. */
int fantasy__pd_shop_later(pd_world *w, pd_tally *t, pd_visitor *v);
/* Redeem a paid order's tickets at the gate, with the gate's staff token. */
void fantasy__pd_redeem(pd_world *w, pd_tally *t, pd_order *o);

/* park_day_sim.c: the day itself. */
fantasy_status fantasy__pd_run_day(pd_world *w);

/* park_day_stats.c: the summary; returns 0 when every invariant holds. */
void fantasy__pd_waits_add(pd_waits *wt, int64_t ms);
int fantasy__pd_summary(pd_world *w, FILE *out);

/* park_day_report.c: the HTML report. */
fantasy_status fantasy__pd_report(const pd_world *w, const char *path);

/* park_day_progress.c; the clock text is the park-local "HH:MM" of a tick. */
void fantasy__pd_clock_text(const pd_world *w, int64_t tick, char out[6]);
void fantasy__pd_progress(pd_world *w, int64_t tick, int64_t total, int done);

#endif
