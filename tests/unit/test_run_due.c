/* fantasy_park_run_due: the step table, hold expiry with its event, outbox retention. */
#include <cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#include "core/bus.h"
#include "core/due.h"
#include "core/outbox.h"
#include "core/park_internal.h"

#define START_MS 1700000000000LL

static fantasy_conf *manual_conf(void) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", START_MS);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    return conf;
}

static fantasy_park *open_conf(fantasy_conf *conf) {
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

static int64_t count_key(fantasy_park *park, const char *collection, const char *key) {
    int64_t n = -1;
    assert_int_equal(park->records.count(park->records.self, collection, key, &n), FANTASY_OK);
    return n;
}

static void publish(fantasy_park *park, const char *topic) {
    assert_int_equal(fantasy__event_publish(park, topic, NULL, NULL, 0), FANTASY_OK);
}

static void event_id_at(fantasy_park *park, const char *key, size_t index,
                        char out[FANTASY_ID_MAX]) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(park->records.find(park->records.self, FANTASY__OUTBOX, key, NULL, 100, l),
                     FANTASY_OK);
    assert_true(fantasy_list_size(l) > index);
    (void)snprintf(out, FANTASY_ID_MAX, "%s", fantasy_list_str(l, index));
    fantasy_list_free(l);
}

typedef struct seen {
    int calls;
    int fail;
    char payload[2048];
} seen;

static int handler(void *ctx, const fantasy_event *ev) {
    seen *s = ctx;
    s->calls++;
    (void)snprintf(s->payload, sizeof s->payload, "%.*s", (int)ev->payload_len, ev->payload);
    return s->fail;
}

/* ------------------------------------------------------------------------------------------ */

static void step_table_is_null_terminated(void **state) {
    (void)state;
    size_t n = 0;
    while (fantasy__due_steps[n]) {
        n++;
    }
    assert_true(n >= 2);
    /* Orders expire before the orphan-hold sweep, so an order's hold is released by its order
     * (orders.expired) rather than swept as an orphan (inventory.expired). */
    size_t orders = n, holds = n;
    for (size_t i = 0; i < n; i++) {
        orders = fantasy__due_steps[i] == fantasy__due_orders ? i : orders;
        holds = fantasy__due_steps[i] == fantasy__due_holds ? i : holds;
    }
    assert_true(holds < n);
    assert_true(orders < holds);
}

static void nothing_due(void **state) {
    (void)state;
    fantasy_park *park = open_conf(manual_conf());
    fantasy_due_counts c;
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    fantasy_due_counts zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&c, &zero, sizeof c);
    assert_int_equal(fantasy_park_run_due(park, NULL), FANTASY_OK);
    fantasy_park_close(park);
}

static void expired_hold_is_swept_and_announced_once(void **state) {
    (void)state;
    fantasy_park *park = open_conf(manual_conf());
    seen s = { 0 };
    assert_int_equal(fantasy_park_subscribe(park, "inventory.expired", "g", handler, &s),
                     FANTASY_OK);
    assert_int_equal(park->stock.set_stock(park->stock.self, "p1", 10), FANTASY_OK);
    fantasy_hold h = { .hold_id = "h1",
                       .product_id = "p1",
                       .user_id = "u1",
                       .qty = 2,
                       .expires_at_ms = START_MS + 1000 };
    assert_int_equal(park->stock.reserve(park->stock.self, &h), FANTASY_OK);

    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.holds_expired, 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 0);

    assert_int_equal(fantasy_park_advance_clock(park, 1000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.holds_expired, 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:inventory.expired"), 1);
    fantasy_hold_info info;
    assert_int_equal(park->stock.hold(park->stock.self, "h1", &info), FANTASY_OK);
    assert_int_equal(info.state, FANTASY_HOLD_EXPIRED);
    fantasy_stock_counts counts;
    assert_int_equal(park->stock.counts(park->stock.self, "p1", &counts), FANTASY_OK);
    assert_int_equal(counts.available, 10);

    /* Again: nothing new expires, and the event is not written twice. */
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.holds_expired, 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    /* A repair writing the same event (same subject, transition and time) finds it stored. */
    char id[FANTASY_ID_MAX], derived[FANTASY_ID_MAX];
    event_id_at(park, "all", 0, id);
    fantasy__id_derived(START_MS + 1000, "h1", "inventory.expired", derived);
    assert_string_equal(id, derived);
    assert_int_equal(fantasy__event_publish(park, "inventory.expired", NULL, "h1", START_MS + 1000),
                     FANTASY_OK);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);

    assert_int_equal(fantasy_park_poll(park, 0), 1);
    cJSON *doc = cJSON_Parse(s.payload);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "inventory.expired");
    assert_string_equal(cJSON_GetObjectItem(doc, "event_id")->valuestring, id);
    assert_string_equal(cJSON_GetObjectItem(doc, "hold_id")->valuestring, "h1");
    assert_string_equal(cJSON_GetObjectItem(doc, "product_id")->valuestring, "p1");
    assert_string_equal(cJSON_GetObjectItem(doc, "user_id")->valuestring, "u1");
    assert_int_equal(cJSON_GetObjectItem(doc, "quantity")->valueint, 2);
    cJSON_Delete(doc);
    fantasy_park_close(park);
}

static void many_holds_expire_in_batches(void **state) {
    (void)state;
    fantasy_park *park = open_conf(manual_conf());
    assert_int_equal(park->stock.set_stock(park->stock.self, "p1", FANTASY_STOCK_UNLIMITED),
                     FANTASY_OK);
    for (int i = 0; i < 600; i++) {
        char hid[32];
        (void)snprintf(hid, sizeof hid, "h%04d", i);
        fantasy_hold h = { .hold_id = hid,
                           .product_id = "p1",
                           .user_id = "u1",
                           .qty = 1,
                           .expires_at_ms = START_MS + 10 };
        assert_int_equal(park->stock.reserve(park->stock.self, &h), FANTASY_OK);
    }
    assert_int_equal(fantasy_park_advance_clock(park, 10, NULL), FANTASY_OK);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.holds_expired, 600);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:inventory.expired"), 600);
    fantasy_park_close(park);
}

/* Retention: old delivered events go; undelivered ones stay while a group of this park listens. */
static void outbox_purge_respects_retention_and_subscriptions(void **state) {
    (void)state;
    fantasy_conf *conf = manual_conf();
    assert_int_equal(fantasy_conf_set(conf, "outbox.retention_ms", "10000"), FANTASY_OK);
    fantasy_park *park = open_conf(conf);
    seen s = { 0 };
    assert_int_equal(fantasy_park_subscribe(park, "t.sub", "g", handler, &s), FANTASY_OK);
    publish(park, "t.sub"); /* delivered below */
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    char delivered_id[FANTASY_ID_MAX];
    event_id_at(park, "all", 0, delivered_id);
    publish(park, "t.nosub"); /* nobody in this park listens: only retention keeps it */
    s.fail = 1;
    publish(park, "t.sub"); /* fails, stays undelivered */
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 3);

    fantasy_due_counts c;
    assert_int_equal(fantasy_park_advance_clock(park, 10000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.events_purged, 0); /* exactly retention old: not yet older */
    assert_int_equal(fantasy_park_advance_clock(park, 1, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.events_purged, 2);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t.sub"), 1);
    char key[128];
    (void)snprintf(key, sizeof key, "event:%s", delivered_id);
    assert_int_equal(count_key(park, FANTASY__BUS_STATE, key), 0); /* its done record went too */

    /* Once delivered, the last one goes as well. */
    s.fail = 0;
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.events_purged, 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 0);
    assert_int_equal(count_key(park, FANTASY__BUS_STATE, key), 0);
    fantasy_park_close(park);
}

/* An external bus: every event also carries unsent:<topic>, which keeps it past retention. */
static fantasy_status fake_publish(void *self, const fantasy_bus_msg *msg) {
    (void)self;
    (void)msg;
    return FANTASY_OK;
}

static fantasy_status fake_subscribe(void *self, const char *topic, const char *group) {
    (void)self;
    (void)topic;
    (void)group;
    return FANTASY_OK;
}

static fantasy_status fake_poll(void *self, int timeout_ms, fantasy_bus_deliver_fn deliver,
                                void *ctx, size_t *delivered) {
    (void)self;
    (void)timeout_ms;
    (void)deliver;
    (void)ctx;
    *delivered = 0;
    return FANTASY_OK;
}

static void unsent_events_are_kept(void **state) {
    (void)state;
    fantasy_conf *conf = manual_conf();
    assert_int_equal(fantasy_conf_set(conf, "outbox.retention_ms", "1000"), FANTASY_OK);
    fantasy_bus bus = FANTASY_BUS_INIT;
    bus.publish = fake_publish;
    bus.subscribe = fake_subscribe;
    bus.poll = fake_poll;
    assert_int_equal(fantasy_conf_set_bus(conf, &bus), FANTASY_OK);
    fantasy_park *park = open_conf(conf);
    seen s = { 0 };
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &s), FANTASY_OK);
    publish(park, "t");
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "unsent:t"), 1);
    assert_int_equal(fantasy_park_poll(park, 0), 1); /* in-process delivery still serves */
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "unsent:t"), 1); /* kept for the relay */
    assert_int_equal(fantasy_park_advance_clock(park, 5000, NULL), FANTASY_OK);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_OK);
    assert_int_equal(c.events_purged, 0);
    assert_int_equal(c.events_relayed, 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    fantasy_park_close(park);
}

/* A failing step does not stop the others; its error (and message) is what run_due returns. */
static fantasy_status failing_expire(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    (void)self;
    (void)now_ms;
    (void)max;
    (void)out;
    return fantasy_error_set(FANTASY_EUNAVAILABLE, "stock store is down");
}

static void a_failing_step_does_not_stop_the_rest(void **state) {
    (void)state;
    fantasy_stock_store real;
    assert_int_equal(fantasy_memory_stock_store_open(NULL, &real), FANTASY_OK);
    fantasy_stock_store broken = real;
    broken.expire = failing_expire;
    fantasy_conf *conf = manual_conf();
    assert_int_equal(fantasy_conf_set(conf, "outbox.retention_ms", "0"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_stock_store(conf, &broken), FANTASY_OK);
    fantasy_park *park = open_conf(conf);
    publish(park, "t"); /* no subscriber: purgeable once older than retention */
    assert_int_equal(fantasy_park_advance_clock(park, 1, NULL), FANTASY_OK);
    fantasy_due_counts c;
    assert_int_equal(fantasy_park_run_due(park, &c), FANTASY_EUNAVAILABLE);
    assert_non_null(strstr(fantasy_error_last(), "stock store is down"));
    assert_int_equal(c.events_purged, 1);
    fantasy_park_close(park);
    real.destroy(real.self);
}

static void misuse(void **state) {
    (void)state;
    fantasy_due_counts c;
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(fantasy_park_run_due(NULL, &c), FANTASY_EMISUSE);
    assert_int_equal(c.holds_expired, 0);
    assert_int_equal(c.events_purged, 0);
    assert_non_null(strstr(fantasy_error_last(), "NULL or closed park"));
    assert_int_equal(fantasy_park_run_due(NULL, NULL), FANTASY_EMISUSE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_table_is_null_terminated),
        cmocka_unit_test(nothing_due),
        cmocka_unit_test(expired_hold_is_swept_and_announced_once),
        cmocka_unit_test(many_holds_expire_in_batches),
        cmocka_unit_test(outbox_purge_respects_retention_and_subscriptions),
        cmocka_unit_test(unsent_events_are_kept),
        cmocka_unit_test(a_failing_step_does_not_stop_the_rest),
        cmocka_unit_test(misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
