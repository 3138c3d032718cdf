/* queues.* through fantasy_call: join rules, position and ETA, calls, boarding, leaving,
 * no-shows on the manual clock, a deleted ride, and concurrent joins and calls.
 * @label concurrency */
#include <pthread.h>

#include "core/outbox.h"
#include "core/park_internal.h"
#include "unit/accounts_fixture.h"

#define KDF "pbkdf2-sha256:i=1000"

static fantasy_park *open_offset(const char *offset_min) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", FX_START_MS); /* 22:13 UTC */
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", KDF), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "park.utc_offset_min", offset_min), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static fantasy_park *open_park(void) {
    return open_offset("0");
}

/* A ride open around the clock unless hours are given. */
static void ride(fantasy_park *park, int64_t capacity, const char *opens, const char *closes,
                 char *id) {
    char args[512];
    (void)snprintf(args, sizeof args,
                   "{\"name\":\"R\",\"type\":\"RIDE\",\"opens_at\":\"%s\",\"closes_at\":\"%s\","
                   "\"capacity_per_cycle\":%lld,\"cycle_seconds\":60}",
                   opens ? opens : "00:00", closes ? closes : "00:00", (long long)capacity);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "attractions.create", args, &r), FANTASY_OK);
    fx_str(r, "attraction_id", id, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static fantasy_status join(fantasy_park *park, const fx_user *u, const char *ride_id, int64_t party,
                           cJSON **out) {
    char args[512];
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"party_size\":%lld}", ride_id,
                   (long long)party);
    return fx_call(park, "queues.join", args, u->access, out);
}

static void join_ok(fantasy_park *park, const fx_user *u, const char *ride_id, int64_t party,
                    char *entry_id) {
    cJSON *r = NULL;
    assert_int_equal(join(park, u, ride_id, party, &r), FANTASY_OK);
    fx_str(r, "entry_id", entry_id, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static fx_user g_mgr;

static cJSON *entry_as(fantasy_park *park, const fx_user *u, const char *entry_id) {
    char args[512];
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", entry_id);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "queues.get", args, u->access, &r), FANTASY_OK);
    return r;
}

static const char *status_of(fantasy_park *park, const char *entry_id, char *buf) {
    cJSON *r = entry_as(park, &g_mgr, entry_id);
    fx_str(r, "status", buf, 16);
    cJSON_Delete(r);
    return buf;
}

static int is_null(const cJSON *o, const char *name) {
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, name));
}

static fantasy_park *park_with_users(fx_user *users, int n) {
    fantasy_park *park = open_park();
    fx_user_with_role(park, "manager", "MANAGER", &g_mgr);
    for (int i = 0; i < n; i++) {
        char name[32];
        (void)snprintf(name, sizeof name, "guest%d", i);
        fx_user_with_role(park, name, "USER", &users[i]);
    }
    return park;
}

/* ------------------------------------------------------------------------------------------ */

static void position_and_eta(void **state) {
    (void)state;
    fx_user u[3];
    fantasy_park *park = park_with_users(u, 3);
    char rid[FANTASY_ID_MAX], e[3][FANTASY_ID_MAX], buf[32];
    ride(park, 4, NULL, NULL, rid);
    const int64_t parties[] = { 2, 3, 1 };
    for (int i = 0; i < 3; i++) {
        join_ok(park, &u[i], rid, parties[i], e[i]);
    }
    const int64_t pos[] = { 1, 2, 3 }, eta[] = { 0, 0, 60 }; /* ahead 0, 2, 5 people; 4 per cycle */
    for (int i = 0; i < 3; i++) {
        cJSON *r = entry_as(park, &u[i], e[i]);
        assert_string_equal(fx_str(r, "status", buf, sizeof buf), "WAITING");
        assert_int_equal(fx_int(r, "position"), pos[i]);
        assert_int_equal(fx_int(r, "eta_seconds"), eta[i]);
        assert_int_equal(fx_int(r, "party_size"), parties[i]);
        assert_string_equal(fx_str(r, "user_id", buf, sizeof buf), u[i].id);
        assert_string_equal(fx_str(r, "attraction_id", buf, sizeof buf), rid);
        assert_true(is_null(r, "called_at") && is_null(r, "call_expires_at"));
        cJSON_Delete(r);
    }
    /* another USER cannot see it; a MANAGER can */
    char args[512];
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[0]);
    assert_int_equal(fx_call(park, "queues.get", args, u[1].access, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(park, "queues.get", args, g_mgr.access, NULL), FANTASY_OK);
    assert_int_equal(fx_call(park, "queues.get", "{\"entry_id\":\"nope\"}", u[0].access, NULL),
                     FANTASY_ENOTFOUND);
    /* the first leaves: everyone behind moves up */
    assert_int_equal(fx_call(park, "queues.leave", args, u[0].access, NULL), FANTASY_OK);
    cJSON *r = entry_as(park, &u[2], e[2]);
    assert_int_equal(fx_int(r, "position"), 2);
    assert_int_equal(fx_int(r, "eta_seconds"), 0); /* 3 ahead */
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void join_rules(void **state) {
    (void)state;
    fx_user u[2];
    fantasy_park *park = park_with_users(u, 2);
    char rid[FANTASY_ID_MAX], e[FANTASY_ID_MAX], args[512];
    ride(park, 4, NULL, NULL, rid);
    join_ok(park, &u[0], rid, 1, e);
    assert_int_equal(join(park, &u[0], rid, 1, NULL), FANTASY_EQUEUED);
    assert_int_equal(join(park, &u[1], rid, 0, NULL), FANTASY_EINVAL);
    assert_int_equal(join(park, &u[1], rid, 5, NULL), FANTASY_EINVAL);
    assert_int_equal(join(park, &u[1], "missing", 1, NULL), FANTASY_ENOTFOUND);
    assert_int_equal(
        fx_call(park, "queues.join", "{\"attraction_id\":\"x\",\"party_size\":1}", NULL, NULL),
        FANTASY_EAUTH);
    /* the host acts for a user with as_user_id, and must name one */
    (void)snprintf(args, sizeof args,
                   "{\"attraction_id\":\"%s\",\"party_size\":2,\"as_user_id\":\"%s\"}", rid,
                   u[1].id);
    assert_int_equal(fx_sys(park, "queues.join", args, NULL), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"party_size\":2}", rid);
    assert_int_equal(fx_sys(park, "queues.join", args, NULL), FANTASY_EINVAL);
    /* after leaving, joining again is fine */
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e);
    assert_int_equal(fx_call(park, "queues.leave", args, u[0].access, NULL), FANTASY_OK);
    join_ok(park, &u[0], rid, 1, e);
    /* PAUSED still takes joins, CLOSED does not */
    char r2[FANTASY_ID_MAX];
    ride(park, 4, NULL, NULL, r2);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"PAUSED\"}", r2);
    assert_int_equal(fx_sys(park, "attractions.set_status", args, NULL), FANTASY_OK);
    assert_int_equal(join(park, &u[0], r2, 1, NULL), FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"CLOSED\"}", r2);
    assert_int_equal(fx_sys(park, "attractions.set_status", args, NULL), FANTASY_OK);
    assert_int_equal(join(park, &u[1], r2, 1, NULL), FANTASY_ESTATE);
    /* an AREA has no queue */
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "attractions.create",
                            "{\"name\":\"A\",\"type\":\"AREA\",\"opens_at\":\"00:00\","
                            "\"closes_at\":\"00:00\"}",
                            &r),
                     FANTASY_OK);
    char area[FANTASY_ID_MAX];
    fx_str(r, "attraction_id", area, sizeof area);
    cJSON_Delete(r);
    assert_int_equal(join(park, &u[1], area, 1, NULL), FANTASY_EINVAL);
    fantasy_park_close(park);
}

static void operating_hours_in_local_time(void **state) {
    (void)state;
    /* 22:13 UTC; at +540 it is 07:13 local */
    fantasy_park *park = open_offset("540");
    fx_user u;
    fx_user_with_role(park, "early", "USER", &u);
    char day[FANTASY_ID_MAX], night[FANTASY_ID_MAX], morning[FANTASY_ID_MAX];
    ride(park, 4, "09:00", "21:00", day);
    ride(park, 4, "22:00", "02:00", night);
    ride(park, 4, "07:00", "08:00", morning);
    assert_int_equal(join(park, &u, day, 1, NULL), FANTASY_ESTATE);
    assert_int_equal(join(park, &u, night, 1, NULL), FANTASY_ESTATE);
    assert_int_equal(join(park, &u, morning, 1, NULL), FANTASY_OK);
    fantasy_park_close(park);

    park = open_park(); /* 22:13 local: inside hours that cross midnight */
    fx_user_with_role(park, "late", "USER", &u);
    ride(park, 4, "22:00", "02:00", night);
    ride(park, 4, "09:00", "21:00", day);
    assert_int_equal(join(park, &u, night, 1, NULL), FANTASY_OK);
    assert_int_equal(join(park, &u, day, 1, NULL), FANTASY_ESTATE);
    fx_advance(park, 3LL * 3600 * 1000); /* 01:13: still inside 22:00-02:00 */
    char e[FANTASY_ID_MAX];
    fx_user v;
    fx_user_with_role(park, "later", "USER", &v);
    join_ok(park, &v, night, 1, e);
    fx_advance(park, 3600LL * 1000); /* 02:13 */
    fx_user w;
    fx_user_with_role(park, "latest", "USER", &w);
    assert_int_equal(join(park, &w, night, 1, NULL), FANTASY_ESTATE);
    fantasy_park_close(park);
}

static int64_t events(fantasy_park *park, const char *topic) {
    char key[128];
    (void)snprintf(key, sizeof key, "undelivered:%s", topic);
    int64_t n = -1;
    assert_int_equal(park->records.count(park->records.self, FANTASY__OUTBOX, key, &n), FANTASY_OK);
    return n;
}

static cJSON *call_next(fantasy_park *park, const char *rid, fantasy_status want) {
    char args[512];
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", rid);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "queues.call_next", args, g_mgr.access, &r), want);
    return r;
}

static int sub_ok(void *ctx, const fantasy_event *ev) {
    (void)ctx;
    (void)ev;
    return 0;
}

static void call_board_and_no_show(void **state) {
    (void)state;
    fx_user u[4];
    fantasy_park *park = park_with_users(u, 4);
    const char *topics[] = { "queues.joined", "queues.called", "queues.boarded", "queues.no_show",
                             "queues.left" };
    for (int i = 0; i < 5; i++) {
        assert_int_equal(fantasy_park_subscribe(park, topics[i], "t", sub_ok, NULL), FANTASY_OK);
    }
    char rid[FANTASY_ID_MAX], e[4][FANTASY_ID_MAX], buf[32], args[512];
    ride(park, 4, NULL, NULL, rid);
    const int64_t parties[] = { 2, 3, 1, 1 };
    for (int i = 0; i < 4; i++) {
        join_ok(park, &u[i], rid, parties[i], e[i]);
    }
    assert_int_equal(events(park, "queues.joined"), 4);
    /* 2 fits; 3 does not fit in the 2 left, and nobody behind overtakes it */
    cJSON *r = call_next(park, rid, FANTASY_OK);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    const cJSON *it = cJSON_GetArrayItem(items, 0);
    assert_string_equal(fx_str(it, "entry_id", buf, sizeof buf), e[0]);
    assert_string_equal(fx_str(it, "status", buf, sizeof buf), "CALLED");
    assert_true(is_null(it, "position"));
    assert_int_equal(fx_int(it, "called_at"), FX_START_MS);
    assert_int_equal(fx_int(it, "call_expires_at"), FX_START_MS + 300000);
    cJSON_Delete(r);
    assert_int_equal(events(park, "queues.called"), 1);
    r = entry_as(park, &u[1], e[1]);
    assert_int_equal(fx_int(r, "position"), 1);
    cJSON_Delete(r);
    /* next call: 3 then 1 fit exactly; the last one waits */
    r = call_next(park, rid, FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 2);
    cJSON_Delete(r);
    /* board: only CALLED */
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[3]);
    assert_int_equal(fx_call(park, "queues.board", args, g_mgr.access, NULL), FANTASY_ESTATE);
    assert_int_equal(fx_call(park, "queues.board", args, u[3].access, NULL), FANTASY_EPERM);
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[0]);
    assert_int_equal(fx_call(park, "queues.board", args, g_mgr.access, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "status", buf, sizeof buf), "DONE");
    cJSON_Delete(r);
    assert_int_equal(fx_call(park, "queues.board", args, g_mgr.access, NULL), FANTASY_ESTATE);
    assert_int_equal(fx_call(park, "queues.leave", args, u[0].access, NULL), FANTASY_ESTATE);
    assert_int_equal(events(park, "queues.boarded"), 1);
    /* e[1], e[2] are CALLED: not yet due, then past the deadline */
    fantasy_due_counts c;
    fx_advance(park, 299999);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.no_shows, 0);
    fx_advance(park, 1);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.no_shows, 2);
    assert_string_equal(status_of(park, e[1], buf), "NO_SHOW");
    assert_string_equal(status_of(park, e[2], buf), "NO_SHOW");
    assert_string_equal(status_of(park, e[3], buf), "WAITING");
    assert_int_equal(events(park, "queues.no_show"), 2);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.no_shows, 0);
    /* PAUSED or CLOSED rides are not called */
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"PAUSED\"}", rid);
    assert_int_equal(fx_sys(park, "attractions.set_status", args, NULL), FANTASY_OK);
    cJSON_Delete(call_next(park, rid, FANTASY_ESTATE));
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"CLOSED\"}", rid);
    assert_int_equal(fx_sys(park, "attractions.set_status", args, NULL), FANTASY_OK);
    cJSON_Delete(call_next(park, rid, FANTASY_ESTATE));
    fantasy_park_close(park);
}

/* A crash between the store's call and the publish loses the event; run_due writes it, once. */
static void run_due_repairs_a_lost_call_event(void **state) {
    (void)state;
    fx_user u[1];
    fantasy_park *park = park_with_users(u, 1);
    assert_int_equal(fantasy_park_subscribe(park, "queues.called", "t", sub_ok, NULL), FANTASY_OK);
    char rid[FANTASY_ID_MAX], e[FANTASY_ID_MAX];
    ride(park, 4, NULL, NULL, rid);
    join_ok(park, &u[0], rid, 1, e);
    fantasy_list *ids = NULL;
    assert_int_equal(fantasy_list_new(NULL, &ids), FANTASY_OK);
    int64_t now = fantasy_park_now(park);
    assert_int_equal(park->queues.call(park->queues.self, rid, 4, now, now + 300000, ids),
                     FANTASY_OK); /* the "crash": no event */
    fantasy_list_free(ids);
    assert_int_equal(events(park, "queues.called"), 0);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(events(park, "queues.called"), 1);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(events(park, "queues.called"), 1);
    fantasy_park_close(park);
}

static void leave_owner_or_manager(void **state) {
    (void)state;
    fx_user u[2];
    fantasy_park *park = park_with_users(u, 2);
    char rid[FANTASY_ID_MAX], e[2][FANTASY_ID_MAX], args[512], buf[32];
    ride(park, 4, NULL, NULL, rid);
    join_ok(park, &u[0], rid, 1, e[0]);
    join_ok(park, &u[1], rid, 1, e[1]);
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[0]);
    assert_int_equal(fx_call(park, "queues.leave", args, u[1].access, NULL), FANTASY_ENOTFOUND);
    assert_string_equal(status_of(park, e[0], buf), "WAITING");
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "queues.leave", args, g_mgr.access, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "status", buf, sizeof buf), "CANCELED");
    assert_true(is_null(r, "position") && is_null(r, "eta_seconds"));
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[1]);
    assert_int_equal(fx_call(park, "queues.leave", args, u[1].access, NULL), FANTASY_OK);
    fantasy_park_close(park);
}

static void list_pages_and_statuses(void **state) {
    (void)state;
    fx_user u[5];
    fantasy_park *park = park_with_users(u, 5);
    char rid[FANTASY_ID_MAX], e[5][FANTASY_ID_MAX], args[512];
    ride(park, 2, NULL, NULL, rid);
    for (int i = 0; i < 5; i++) {
        join_ok(park, &u[i], rid, 1, e[i]);
    }
    cJSON_Delete(call_next(park, rid, FANTASY_OK)); /* e0, e1 CALLED */
    (void)snprintf(args, sizeof args, "{\"entry_id\":\"%s\"}", e[4]);
    assert_int_equal(fx_call(park, "queues.leave", args, u[4].access, NULL), FANTASY_OK);
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"limit\":3}", rid);
    assert_int_equal(fx_call(park, "queues.list", args, g_mgr.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 3);
    char cur[32];
    fx_str(r, "next_cursor", cur, sizeof cur);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"limit\":3,\"cursor\":\"%s\"}",
                   rid, cur);
    assert_int_equal(fx_call(park, "queues.list", args, g_mgr.access, &r), FANTASY_OK);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1); /* WAITING + CALLED: 4 in all */
    char buf[FANTASY_ID_MAX];
    assert_string_equal(fx_str(cJSON_GetArrayItem(items, 0), "entry_id", buf, sizeof buf), e[3]);
    assert_true(is_null(r, "next_cursor"));
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"CANCELED\"}", rid);
    assert_int_equal(fx_call(park, "queues.list", args, g_mgr.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"GONE\"}", rid);
    assert_int_equal(fx_call(park, "queues.list", args, g_mgr.access, NULL), FANTASY_EINVAL);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", rid);
    assert_int_equal(fx_call(park, "queues.list", args, u[0].access, NULL), FANTASY_EPERM);
    fantasy_park_close(park);
}

static void deleting_a_ride_cancels_its_queue(void **state) {
    (void)state;
    fx_user u[3];
    fantasy_park *park = park_with_users(u, 3);
    assert_int_equal(fantasy_park_subscribe(park, "queues.left", "t", sub_ok, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "attractions.deleted", "t", sub_ok, NULL),
                     FANTASY_OK);
    char rid[FANTASY_ID_MAX], e[3][FANTASY_ID_MAX], args[512], buf[32];
    ride(park, 1, NULL, NULL, rid);
    for (int i = 0; i < 3; i++) {
        join_ok(park, &u[i], rid, 1, e[i]);
    }
    cJSON_Delete(call_next(park, rid, FANTASY_OK)); /* e0 CALLED */
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", rid);
    assert_int_equal(fx_sys(park, "attractions.delete", args, NULL), FANTASY_OK);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(status_of(park, e[i], buf), "CANCELED");
    }
    assert_int_equal(events(park, "queues.left"), 3);
    assert_int_equal(events(park, "attractions.deleted"), 1);
    assert_int_equal(join(park, &u[0], rid, 1, NULL), FANTASY_ENOTFOUND);
    fantasy_park_close(park);
}

/* ---- concurrency ----------------------------------------------------------------------------- */

typedef struct racer {
    fantasy_park *park;
    const fx_user *user;
    const char *ride;
    fantasy_status st;
    int called;
} racer;

static void *join_racer(void *arg) {
    racer *r = arg;
    char args[512], *json = NULL;
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"party_size\":1}", r->ride);
    r->st = fantasy_call(r->park, "queues.join", args, r->user->access, &json);
    fantasy_free(json);
    return NULL;
}

static void concurrent_joins_of_one_user(void **state) {
    (void)state;
    fx_user u[1];
    fantasy_park *park = park_with_users(u, 1);
    char rid[FANTASY_ID_MAX];
    ride(park, 4, NULL, NULL, rid);

    enum {
        N = 8
    };

    pthread_t t[N];
    racer r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){ park, &u[0], rid, FANTASY_OK, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, join_racer, &r[i]), 0);
    }
    int ok = 0, queued = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        ok += r[i].st == FANTASY_OK;
        queued += r[i].st == FANTASY_EQUEUED;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(queued, N - 1);
    fantasy_park_close(park);
}

static void *call_racer(void *arg) {
    racer *r = arg;
    for (int i = 0; i < 10; i++) {
        char args[512], *json = NULL;
        (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", r->ride);
        fantasy_status st = fantasy_call_system(r->park, "queues.call_next", args, &json);
        cJSON *j = cJSON_Parse(json);
        fantasy_free(json);
        if (st == FANTASY_OK) {
            r->called += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "items"));
        } else {
            r->st = st;
        }
        cJSON_Delete(j);
    }
    return NULL;
}

static void concurrent_calls_call_each_once(void **state) {
    (void)state;

    enum {
        USERS = 24,
        N = 4
    };

    fx_user u[USERS];
    fantasy_park *park = park_with_users(u, USERS);
    char rid[FANTASY_ID_MAX], e[FANTASY_ID_MAX];
    ride(park, 3, NULL, NULL, rid);
    for (int i = 0; i < USERS; i++) {
        join_ok(park, &u[i], rid, 1, e);
    }
    pthread_t t[N];
    racer r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){ park, NULL, rid, FANTASY_OK, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, call_racer, &r[i]), 0);
    }
    int called = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(r[i].st, FANTASY_OK);
        called += r[i].called;
    }
    assert_int_equal(called, USERS);
    fantasy_queue_counts c;
    assert_int_equal(park->queues.counts(park->queues.self, rid, &c), FANTASY_OK);
    assert_int_equal(c.called, USERS);
    assert_int_equal(c.waiting, 0);
    fantasy_park_close(park);
}

static void typed_api_mirrors_the_methods(void **state) {
    (void)state;
    fx_user u[2];
    fantasy_park *park = park_with_users(u, 2);
    char rid[FANTASY_ID_MAX];
    ride(park, 2, NULL, NULL, rid);
    fantasy_actor a0, a1;
    assert_int_equal(fantasy_actor_as_user(park, u[0].id, &a0), FANTASY_OK);
    assert_int_equal(fantasy_actor_as_user(park, u[1].id, &a1), FANTASY_OK);
    fantasy_entry *e = NULL, *f = NULL;
    assert_int_equal(fantasy_queues_join(park, NULL, rid, 1, &e), FANTASY_EAUTH);
    assert_int_equal(fantasy_queues_join(park, fantasy_actor_system(), rid, 1, &e),
                     FANTASY_EINVAL); /* the host must act for a user */
    assert_int_equal(fantasy_queues_join(park, &a0, rid, 2, &e), FANTASY_OK);
    assert_int_equal(fantasy_queues_join(park, &a0, rid, 1, &f), FANTASY_EQUEUED);
    assert_null(f);
    assert_int_equal(fantasy_queues_join(park, &a1, rid, 1, &f), FANTASY_OK);
    assert_int_equal(e->status, FANTASY_ENTRY_WAITING);
    assert_int_equal(e->position, 1);
    assert_int_equal(f->position, 2);
    assert_int_equal(f->eta_seconds, 60);
    fantasy_entry *g = NULL;
    assert_int_equal(fantasy_queues_get(park, &a1, e->entry_id, &g), FANTASY_ENOTFOUND);
    assert_int_equal(fantasy_queues_board(park, &a0, e->entry_id, NULL), FANTASY_EPERM);
    fantasy_entry_list *called = NULL;
    assert_int_equal(fantasy_queues_call_next(park, fantasy_actor_system(), rid, &called),
                     FANTASY_OK);
    assert_int_equal(called->n, 1);
    assert_string_equal(called->items[0].entry_id, e->entry_id);
    assert_int_equal(called->items[0].status, FANTASY_ENTRY_CALLED);
    assert_int_equal(called->items[0].eta_seconds, -1);
    fantasy_entry_list_free(called);
    assert_int_equal(fantasy_queues_board(park, fantasy_actor_system(), e->entry_id, &g),
                     FANTASY_OK);
    assert_int_equal(g->status, FANTASY_ENTRY_DONE);
    fantasy_entry_free(g);
    assert_int_equal(fantasy_queues_leave(park, &a1, f->entry_id, &g), FANTASY_OK);
    assert_int_equal(g->status, FANTASY_ENTRY_CANCELED);
    assert_int_equal(g->position, 0);
    fantasy_entry_free(g);
    fantasy_entry_free(e);
    fantasy_entry_free(f);
    fantasy_entry_list_free(NULL);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(position_and_eta),
        cmocka_unit_test(join_rules),
        cmocka_unit_test(operating_hours_in_local_time),
        cmocka_unit_test(call_board_and_no_show),
        cmocka_unit_test(run_due_repairs_a_lost_call_event),
        cmocka_unit_test(leave_owner_or_manager),
        cmocka_unit_test(list_pages_and_statuses),
        cmocka_unit_test(deleting_a_ride_cancels_its_queue),
        cmocka_unit_test(concurrent_joins_of_one_user),
        cmocka_unit_test(concurrent_calls_call_each_once),
        cmocka_unit_test(typed_api_mirrors_the_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
