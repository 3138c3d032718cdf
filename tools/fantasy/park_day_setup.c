/* park-day setup, as the host (fantasy_call_system): staff accounts, the catalog (opened for
 * sale) and a dozen rides with hashtags. Everything here runs before the first tick. */
#include <stdlib.h>
#include <string.h>

#include "park_day.h"

#define PD_STAFF_PASSWORD "park-day staff password"

typedef struct ride_spec {
    const char *name;
    const char *tags; /* a JSON array */
    int64_t capacity, cycle_s;
} ride_spec;

static const ride_spec rides[] = {
    { "Dragon Coaster", "[\"thrill\",\"coaster\",\"family\"]", 24, 120 },
    { "Haunted Mansion", "[\"dark\",\"spooky\",\"family\"]", 16, 90 },
    { "Splash Canyon", "[\"water\",\"thrill\"]", 20, 180 },
    { "Grand Carousel", "[\"family\",\"kids\",\"classic\"]", 30, 240 },
    { "Sky Tower Drop", "[\"thrill\",\"tower\"]", 12, 90 },
    { "Bumper Cars", "[\"kids\",\"family\"]", 20, 240 },
    { "Space Voyage", "[\"dark\",\"coaster\",\"scifi\"]", 18, 150 },
    { "Spinning Teacups", "[\"kids\",\"classic\"]", 24, 180 },
    { "River Rapids", "[\"water\",\"family\"]", 32, 200 },
    { "Ferris Wheel", "[\"view\",\"classic\",\"family\"]", 48, 600 },
    { "Log Flume", "[\"water\",\"classic\"]", 16, 120 },
    { "Loop Rocket", "[\"thrill\",\"coaster\"]", 8, 60 },
};

static fantasy_status staff_login(pd_world *w, pd_staff *s) {
    char args[256];
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args, "{\"username\":\"%s\",\"password\":\"%s\"}", s->username,
                   PD_STAFF_PASSWORD);
    fantasy_status st =
        fantasy__pd_call(w, &w->tallies[w->opt.threads], "accounts.login", args, NULL, &r);
    if (st == FANTASY_OK) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(r, "user");
        if (!fantasy__pd_copy(r, "access_token", s->access, sizeof s->access) ||
            !fantasy__pd_copy(r, "refresh_token", s->refresh, sizeof s->refresh) ||
            !fantasy__pd_copy(u, "user_id", s->user_id, sizeof s->user_id)) {
            st = fantasy_error_set(FANTASY_EBACKEND, "accounts.login: a field is missing");
        }
        s->access_expires_at = fantasy__pd_int(r, "access_expires_at", 0);
    }
    cJSON_Delete(r);
    return st;
}

static fantasy_status staff(pd_world *w, pd_staff *s, const char *username) {
    char args[256];
    s->username = username;
    (void)snprintf(args, sizeof args,
                   "{\"username\":\"%s\",\"password\":\"%s\",\"name\":\"%s\",\"role\":\"MANAGER\"}",
                   username, PD_STAFF_PASSWORD, username);
    fantasy_status st =
        fantasy__pd_sys(w, &w->tallies[w->opt.threads], "accounts.create", args, NULL);
    if (st != FANTASY_OK && st != FANTASY_EEXISTS) { /* a kept store: log in again */
        return st;
    }
    return staff_login(w, s);
}

fantasy_status fantasy__pd_staff_fresh(pd_world *w, pd_staff *s) {
    int64_t now = fantasy_park_now(w->park);
    if (now + 3 * PD_TICK_MS < s->access_expires_at) {
        return FANTASY_OK;
    }
    char args[FANTASY_TOKEN_MAX + 64];
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", s->refresh);
    fantasy_status st =
        fantasy__pd_call(w, &w->tallies[w->opt.threads], "accounts.refresh", args, NULL, &r);
    if (st == FANTASY_OK) {
        (void)fantasy__pd_copy(r, "access_token", s->access, sizeof s->access);
        (void)fantasy__pd_copy(r, "refresh_token", s->refresh, sizeof s->refresh);
        s->access_expires_at = fantasy__pd_int(r, "access_expires_at", 0);
    }
    cJSON_Delete(r);
    return st;
}

/* Create and open one product; `stock` -1 is unlimited. */
static fantasy_status product(pd_world *w, pd_product_kind k, const char *name, const char *type,
                              int64_t price, int64_t stock, int64_t limit, const char *about) {
    pd_product *p = &w->products[k];
    p->name = name;
    p->type = type;
    p->price = price;
    p->stock = stock;
    char args[768];
    (void)snprintf(args, sizeof args,
                   "{\"name\":\"%s\",\"type\":\"%s\",\"price\":{\"amount\":%lld,\"currency\":"
                   "\"KRW\"},\"stock\":%lld,\"per_user_limit\":%lld,\"description\":\"%s\"}",
                   name, type, (long long)price, (long long)stock, (long long)limit, about);
    cJSON *r = NULL;
    pd_tally *t = &w->tallies[w->opt.threads];
    fantasy_status st = fantasy__pd_sys(w, t, "products.create", args, &r);
    if (st == FANTASY_OK && !fantasy__pd_copy(r, "product_id", p->id, sizeof p->id)) {
        st = fantasy_error_set(FANTASY_EBACKEND, "products.create: no product_id");
    }
    cJSON_Delete(r);
    if (st == FANTASY_OK) {
        (void)snprintf(args, sizeof args, "{\"product_id\":\"%s\"}", p->id);
        st = fantasy__pd_sys(w, t, "products.open", args, NULL);
    }
    return st;
}

static fantasy_status catalog(pd_world *w) {
    /* Demand for the gala is about half the visitors, 1-2 seats each: stock far below it. */
    int64_t gala = w->opt.visitors / 8 > 4 ? w->opt.visitors / 8 : 4;
    int64_t parking = w->opt.visitors / 4 > 4 ? w->opt.visitors / 4 : 4;
    fantasy_status st = product(w, PD_GALA, "Fireworks Gala", "EVENT", 45000, gala, 2,
                                "Evening fireworks with reserved seats");
    if (st == FANTASY_OK) {
        st = product(w, PD_DAY_PASS, "Day Pass", "TICKET", 59000, -1, 8, "Entry for the day");
    }
    if (st == FANTASY_OK) {
        st = product(w, PD_EVENING, "Evening Pass", "TICKET", 35000, -1, 8, "Entry after 15:00");
    }
    if (st == FANTASY_OK) {
        st = product(w, PD_PARKING, "Parking", "TICKET", 15000, parking, 1, "One car, all day");
    }
    if (st == FANTASY_OK) {
        st = product(w, PD_MEMBERSHIP, "Annual Membership", "MEMBERSHIP", 199000, -1, 1,
                     "A year of visits");
    }
    return st;
}

/* Local "HH:MM" of the park clock at `ms`, with the park's UTC offset. */
static void hhmm(int64_t ms, int64_t offset_min, char out[6]) {
    int64_t minutes = (ms / 60000 + offset_min) % 1440;
    if (minutes < 0) {
        minutes += 1440;
    }
    (void)snprintf(out, 6, "%02d:%02d", (int)(minutes / 60), (int)(minutes % 60));
}

static fantasy_status attractions(pd_world *w, int64_t offset_min) {
    hhmm(w->start_ms, offset_min, w->open_hhmm);
    hhmm(w->start_ms + PD_DAY_TICKS * PD_TICK_MS, offset_min, w->close_hhmm);
    pd_tally *t = &w->tallies[w->opt.threads];
    fantasy_status st = fantasy__pd_sys(
        w, t, "attractions.create",
        "{\"name\":\"Food Court\",\"type\":\"AREA\",\"opens_at\":\"00:00\",\"closes_at\":"
        "\"00:00\",\"hashtags\":[\"food\",\"family\"]}",
        NULL);
    w->nrides = 0;
    for (size_t i = 0; i < sizeof rides / sizeof rides[0] && st == FANTASY_OK; i++) {
        char args[768];
        (void)snprintf(args, sizeof args,
                       "{\"name\":\"%s\",\"type\":\"RIDE\",\"opens_at\":\"%s\",\"closes_at\":"
                       "\"%s\",\"capacity_per_cycle\":%lld,\"cycle_seconds\":%lld,"
                       "\"min_height_cm\":%d,\"hashtags\":%s}",
                       rides[i].name, w->open_hhmm, w->close_hhmm, (long long)rides[i].capacity,
                       (long long)rides[i].cycle_s, strstr(rides[i].tags, "thrill") ? 120 : 0,
                       rides[i].tags);
        cJSON *r = NULL;
        pd_ride *ride = &w->rides[w->nrides];
        st = fantasy__pd_sys(w, t, "attractions.create", args, &r);
        if (st == FANTASY_OK && !fantasy__pd_copy(r, "attraction_id", ride->id, sizeof ride->id)) {
            st = fantasy_error_set(FANTASY_EBACKEND, "attractions.create: no attraction_id");
        }
        cJSON_Delete(r);
        ride->name = rides[i].name;
        ride->capacity = rides[i].capacity;
        ride->cycle_s = rides[i].cycle_s;
        ride->carry_ms = 0;
        w->nrides++;
    }
    return st;
}

static int64_t utc_offset(const fantasy_conf *conf) {
    char buf[32];
    if (fantasy_conf_get(conf, "park.utc_offset_min", buf, sizeof buf) != FANTASY_OK) {
        return 0;
    }
    return strtoll(buf, NULL, 10);
}

fantasy_status fantasy__pd_setup(pd_world *w, const fantasy_conf *conf) {
    w->start_ms = fantasy_park_now(w->park);
    fantasy_status st = staff(w, &w->manager, "pd-manager");
    if (st == FANTASY_OK) {
        st = staff(w, &w->gate, "pd-gate");
    }
    if (st == FANTASY_OK) {
        st = staff(w, &w->operator_, "pd-operator");
    }
    if (st == FANTASY_OK) {
        st = catalog(w);
    }
    if (st == FANTASY_OK) {
        w->utc_offset_min = utc_offset(conf);
        st = attractions(w, w->utc_offset_min);
    }
    return st;
}
