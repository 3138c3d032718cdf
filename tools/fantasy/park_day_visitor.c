/* park-day: one visitor's day, a turn per tick they are due: arrive (sign up, log in), shop,
 * pass the gate, then ride after ride (search by hashtag, queue, get called, board or not),
 * and go home. Every action is a fantasy_call with the visitor's own token, except boarding
 * and redeeming, which the ride operator and the gate do with theirs. */
#include <string.h>

#include "park_day.h"

#define PD_GALA_TICK 600 /* 19:00 on a day starting at 09:00 */

static const char *const interests[] = { "thrill",  "family", "water", "classic", "dark", "kids",
                                         "coaster", "view",   "scifi", "spooky",  "tower" };
#define PD_INTERESTS ((int)(sizeof interests / sizeof interests[0]))

void fantasy__pd_visitor_init(pd_world *w, pd_visitor *v, int index) {
    memset(v, 0, sizeof *v);
    v->index = index;
    v->rng = w->opt.seed ^ ((uint64_t)(index + 1) * 0xD1B54A32D192ED03ULL);
    (void)fantasy__pd_next(&v->rng);
    uint64_t *r = &v->rng;
    /* Most come in the morning; the rest trickle in until mid-afternoon. */
    v->arrive_tick =
        fantasy__pd_pct(r, 70) ? fantasy__pd_range(r, 0, 180) : fantasy__pd_range(r, 180, 480);
    v->leave_tick = v->arrive_tick + fantasy__pd_range(r, 180, 600);
    if (v->leave_tick > PD_DAY_TICKS) {
        v->leave_tick = PD_DAY_TICKS;
    }
    int p = (int)fantasy__pd_range(r, 1, 100);
    v->party = p <= 30 ? 1 : p <= 65 ? 2 : p <= 85 ? 3 : 4;
    v->wants_gala = fantasy__pd_pct(r, 55);
    v->wants_parking = fantasy__pd_pct(r, 30);
    v->wants_membership = fantasy__pd_pct(r, 8);
    v->no_show_chance_pct = 6;
    v->patience_ms = fantasy__pd_range(r, 40, 150) * PD_TICK_MS;
    v->phase = PD_V_AWAY;
    v->next_tick = v->arrive_tick;
    v->pass_order = -1;
    v->current = -1;
    v->ride = -1;
    v->last_ride = -1;
    v->gala_tick = PD_GALA_TICK;
    /* The shopping list, in the order the visitor goes through it. */
    v->list[v->nlist++] = v->arrive_tick >= 360 ? PD_EVENING : PD_DAY_PASS;
    if (v->wants_parking) {
        v->list[v->nlist++] = PD_PARKING;
    }
    if (v->wants_gala) {
        v->list[v->nlist++] = PD_GALA;
    }
    if (v->wants_membership) {
        v->list[v->nlist++] = PD_MEMBERSHIP;
    }
}

static int take_tokens(pd_visitor *v, const cJSON *r) {
    v->access_expires_at = fantasy__pd_int(r, "access_expires_at", 0);
    return fantasy__pd_copy(r, "access_token", v->access, sizeof v->access) &&
           fantasy__pd_copy(r, "refresh_token", v->refresh, sizeof v->refresh);
}

/* Sign up (or, on a kept store, find the account taken) and log in. */
static int arrive(pd_world *w, pd_tally *t, pd_visitor *v) {
    char args[512];
    (void)snprintf(args, sizeof args,
                   "{\"username\":\"guest-%llu-%d\",\"password\":\"visitor-%d-secret\","
                   "\"name\":\"Guest %d\",\"email\":\"guest%d@example.com\"}",
                   (unsigned long long)w->opt.seed, v->index, v->index, v->index, v->index);
    fantasy_status st = fantasy__pd_call(w, t, "accounts.signup", args, NULL, NULL);
    if (st == FANTASY_OK) {
        t->signups++;
    } else if (st != FANTASY_EEXISTS) {
        fantasy__pd_unexpected(w, t, "accounts.signup", st);
        return 0;
    }
    (void)snprintf(args, sizeof args,
                   "{\"username\":\"guest-%llu-%d\",\"password\":\"visitor-%d-secret\"}",
                   (unsigned long long)w->opt.seed, v->index, v->index);
    cJSON *r = NULL;
    st = fantasy__pd_call(w, t, "accounts.login", args, NULL, &r);
    int ok = st == FANTASY_OK && take_tokens(v, r) &&
             fantasy__pd_copy(cJSON_GetObjectItemCaseSensitive(r, "user"), "user_id", v->user_id,
                              sizeof v->user_id);
    cJSON_Delete(r);
    if (!ok) {
        fantasy__pd_unexpected(w, t, "accounts.login", st);
        return 0;
    }
    t->logins++;
    fantasy__pd_guests_add(w, v);
    /* A look at what the park offers today. */
    st = fantasy__pd_call(w, t, "hashtags.list", "{\"limit\":10}", v->access, NULL);
    if (st != FANTASY_OK) {
        fantasy__pd_unexpected(w, t, "hashtags.list", st);
    }
    return 1;
}

/* Access tokens live 15 minutes by default; a visitor stays for hours. */
static int fresh_token(pd_world *w, pd_tally *t, pd_visitor *v) {
    if (fantasy_park_now(w->park) + PD_TICK_MS < v->access_expires_at) {
        return 1;
    }
    char args[FANTASY_TOKEN_MAX + 64];
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", v->refresh);
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "accounts.refresh", args, NULL, &r);
    int ok = st == FANTASY_OK && take_tokens(v, r);
    cJSON_Delete(r);
    if (!ok) {
        fantasy__pd_unexpected(w, t, "accounts.refresh", st);
        return 0;
    }
    t->refreshes++;
    return 1;
}

static void entry_args(const pd_visitor *v, char *args, size_t cap) {
    (void)snprintf(args, cap, "{\"entry_id\":\"%s\"}", v->entry_id);
}

static void go_home(pd_world *w, pd_tally *t, pd_visitor *v) {
    char args[128];
    if (v->phase == PD_V_QUEUED) {
        entry_args(v, args, sizeof args);
        fantasy_status st = fantasy__pd_call(w, t, "queues.leave", args, v->access, NULL);
        if (st == FANTASY_OK) {
            t->left_queue++;
        } else if (st != FANTASY_ESTATE) { /* called, boarded or no-show in the meantime */
            fantasy__pd_unexpected(w, t, "queues.leave", st);
        }
    }
    if (v->access[0] != '\0') {
        fantasy_status st = fantasy__pd_call(w, t, "accounts.logout", "{}", v->access, NULL);
        if (st != FANTASY_OK) {
            fantasy__pd_unexpected(w, t, "accounts.logout", st);
        }
    }
    v->phase = PD_V_GONE;
}

static int ride_index(const pd_world *w, const char *id) {
    for (int i = 0; id && i < w->nrides; i++) {
        if (strcmp(w->rides[i].id, id) == 0) {
            return i;
        }
    }
    return -1;
}

/* Guests wait for the app's push when they are called; meanwhile they glance at it every
 * PD_APP_GLANCE minutes, and give up when their patience runs out. */
#define PD_APP_GLANCE 20

static int64_t next_look(const pd_world *w, const pd_visitor *v) {
    int64_t left = (v->joined_at + v->patience_ms - fantasy_park_now(w->park)) / PD_TICK_MS;
    int64_t ticks = left < PD_APP_GLANCE ? left : PD_APP_GLANCE;
    return w->tick + (ticks < 1 ? 1 : ticks);
}

/* One of the rides found, never the last one ridden. Ids carry random bits, so the choice
 * goes by our own ride order, which keeps a seed's day the same from run to run. */
static int pick_ride(const pd_world *w, pd_visitor *v, const cJSON *items) {
    int found[PD_MAX_RIDES] = { 0 };
    int n = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, items) {
        int i = ride_index(w, fantasy__pd_str(it, "attraction_id"));
        if (i >= 0 && i != v->last_ride) {
            found[i] = 1;
            n++;
        }
    }
    if (n == 0) {
        return -1;
    }
    int at = (int)fantasy__pd_range(&v->rng, 0, n - 1);
    for (int i = 0; i < w->nrides; i++) {
        if (found[i] && at-- == 0) {
            return i;
        }
    }
    return -1;
}

static int search(pd_world *w, pd_tally *t, pd_visitor *v) {
    const char *tag = interests[fantasy__pd_range(&v->rng, 0, PD_INTERESTS - 1)];
    const char *other = interests[fantasy__pd_range(&v->rng, 0, PD_INTERESTS - 1)];
    char args[256];
    if (fantasy__pd_pct(&v->rng, 30)) { /* "#water or #kids" */
        (void)snprintf(args, sizeof args,
                       "{\"tags\":[\"#%s\",\"%s\"],\"mode\":\"any\",\"type\":\"RIDE\","
                       "\"limit\":20}",
                       tag, other);
    } else {
        (void)snprintf(args, sizeof args, "{\"tags\":[\"%s\"],\"type\":\"RIDE\",\"limit\":20}",
                       tag);
    }
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "attractions.search", args, v->access, &r);
    int pick = -1;
    if (st == FANTASY_OK) {
        t->searches++;
        pick = pick_ride(w, v, cJSON_GetObjectItemCaseSensitive(r, "items"));
    } else {
        fantasy__pd_unexpected(w, t, "attractions.search", st);
    }
    cJSON_Delete(r);
    return pick;
}

static void join(pd_world *w, pd_tally *t, pd_visitor *v) {
    int ride = search(w, t, v);
    if (ride < 0 || ride == v->last_ride) {
        return; /* nothing new for that interest: look again next minute */
    }
    char args[256];
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"party_size\":%d}",
                   w->rides[ride].id, v->party);
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "queues.join", args, v->access, &r);
    if (st == FANTASY_OK && fantasy__pd_copy(r, "entry_id", v->entry_id, sizeof v->entry_id)) {
        t->joins++;
        v->phase = PD_V_QUEUED;
        v->ride = ride;
        v->joined_at = fantasy_park_now(w->park);
        v->next_tick = next_look(w, v);
    } else if (st == FANTASY_ESTATE) {
        v->leave_tick = w->tick;        /* the ride has closed for the day: time to go */
    } else if (st != FANTASY_EQUEUED) { /* an old call not yet marked no-show */
        fantasy__pd_unexpected(w, t, "queues.join", st);
    }
    cJSON_Delete(r);
}

/* Off the queue: ride (when boarded) and walk to the next one. */
static void move_on(pd_world *w, pd_visitor *v, int64_t busy_ticks) {
    v->last_ride = v->ride;
    v->ride = -1;
    v->phase = PD_V_RIDING;
    v->next_tick = w->tick + busy_ticks + fantasy__pd_range(&v->rng, 3, 15);
}

static void called(pd_world *w, pd_tally *t, pd_visitor *v, const cJSON *entry) {
    int64_t called_at = fantasy__pd_int(entry, "called_at", 0);
    fantasy__pd_waits_add(&t->waits[v->ride], called_at - v->joined_at);
    if (fantasy__pd_pct(&v->rng, v->no_show_chance_pct)) {
        t->no_show_chosen++; /* wandered off: run_due marks the no-show */
        move_on(w, v, 0);
        return;
    }
    char args[128];
    entry_args(v, args, sizeof args);
    fantasy_status st = fantasy__pd_call(w, t, "queues.board", args, w->operator_.access, NULL);
    if (st == FANTASY_OK) {
        t->boarded++;
        t->riders[v->ride] += v->party;
    } else {
        fantasy__pd_unexpected(w, t, "queues.board", st);
    }
    const pd_ride *ride = &w->rides[v->ride];
    move_on(w, v, (ride->cycle_s + 59) / 60);
}

static void poll_queue(pd_world *w, pd_tally *t, pd_visitor *v) {
    char args[128];
    entry_args(v, args, sizeof args);
    cJSON *r = NULL;
    fantasy_status st = fantasy__pd_call(w, t, "queues.get", args, v->access, &r);
    const char *status = st == FANTASY_OK ? fantasy__pd_str(r, "status") : NULL;
    if (!status) {
        fantasy__pd_unexpected(w, t, "queues.get", st);
        move_on(w, v, 0);
    } else if (strcmp(status, "CALLED") == 0) {
        called(w, t, v, r);
    } else if (strcmp(status, "WAITING") != 0) { /* NO_SHOW: the push got lost, looked too late */
        t->missed_call++;
        move_on(w, v, 0);
    } else if (fantasy_park_now(w->park) - v->joined_at > v->patience_ms) {
        st = fantasy__pd_call(w, t, "queues.leave", args, v->access, NULL);
        if (st == FANTASY_OK) {
            t->left_queue++;
        } else if (st != FANTASY_ESTATE) {
            fantasy__pd_unexpected(w, t, "queues.leave", st);
        }
        move_on(w, v, 0);
    } else {
        v->next_tick = next_look(w, v);
    }
    cJSON_Delete(r);
}

/* Between rides: second thoughts about purchases, the evening gala, then the next queue. */
static void pick(pd_world *w, pd_tally *t, pd_visitor *v) {
    if (fantasy__pd_shop_later(w, t, v)) {
        return;
    }
    if (w->tick >= v->gala_tick) {
        for (int i = 0; i < v->norders; i++) {
            pd_order *o = &v->orders[i];
            if (o->product == PD_GALA && o->state == PD_ORD_PAID && !o->redeemed) {
                fantasy__pd_redeem(w, t, o);
            }
        }
    }
    join(w, t, v);
}

static void gate(pd_world *w, pd_tally *t, pd_visitor *v) {
    for (int i = 0; i < v->norders; i++) {
        pd_order *o = &v->orders[i];
        int at_entry = o->product == PD_DAY_PASS || o->product == PD_EVENING ||
                       o->product == PD_PARKING || o->product == PD_MEMBERSHIP;
        if (at_entry && o->state == PD_ORD_PAID && !o->redeemed) {
            fantasy__pd_redeem(w, t, o);
        }
    }
    v->phase = PD_V_PICK;
}

void fantasy__pd_visitor_turn(pd_world *w, pd_tally *t, pd_visitor *v) {
    if (v->phase == PD_V_GONE || w->tick < v->next_tick) {
        return;
    }
    v->next_tick = w->tick + 1;
    if (v->phase == PD_V_AWAY) {
        v->phase = arrive(w, t, v) ? PD_V_SHOP : PD_V_GONE;
        if (v->phase == PD_V_GONE) {
            return;
        }
    }
    if (!fresh_token(w, t, v) || w->tick >= v->leave_tick) {
        go_home(w, t, v);
        return;
    }
    switch (v->phase) {
    case PD_V_SHOP:
        fantasy__pd_shop(w, t, v);
        break;
    case PD_V_GATE:
        gate(w, t, v);
        break;
    case PD_V_QUEUED:
        poll_queue(w, t, v);
        break;
    case PD_V_RIDING:
    case PD_V_PICK:
        v->phase = PD_V_PICK;
        pick(w, t, v);
        break;
    case PD_V_AWAY:
    case PD_V_GONE:
        break;
    }
}
