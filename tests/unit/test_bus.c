/* @label concurrency */
/* The outbox and the in-process bus: delivery per group, retries on the park clock, dead
 * letters, the undelivered key, waking polls, polls from several threads and the worker. */
#include <cJSON.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

#include "core/bus.h"
#include "core/outbox.h"
#include "core/park_internal.h"

#define START_MS 1700000000000LL
#define MAX_SEEN 512

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static fantasy_park *open_park(const char *retries, const char *backoff_ms) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    char start[32];
    (void)snprintf(start, sizeof start, "%lld", START_MS);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock.start_ms", start), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "bus.retries", retries), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "bus.backoff_ms", backoff_ms), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    return park;
}

/* What a handler saw. Handlers of different groups may run at once, hence the lock. */
typedef struct recorder {
    pthread_mutex_t lock;
    int calls;
    int fail_first; /* fail this many calls, then succeed (-1: always fail) */
    int fail_rc;
    const char *fail_msg; /* set through fantasy_error_set when failing, if not NULL */
    int n_seen;
    char seen[MAX_SEEN][FANTASY_ID_MAX];
    int attempts[MAX_SEEN];
    char last_topic[256];
    char last_payload[4096];
    int64_t last_occurred_at;
} recorder;

static void rec_init(recorder *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    r->fail_rc = 1;
}

static void rec_destroy(recorder *r) {
    pthread_mutex_destroy(&r->lock);
}

static int rec_calls(recorder *r) {
    pthread_mutex_lock(&r->lock);
    int n = r->calls;
    pthread_mutex_unlock(&r->lock);
    return n;
}

static int handler(void *ctx, const fantasy_event *ev) {
    recorder *r = ctx;
    pthread_mutex_lock(&r->lock);
    int call = r->calls++;
    if (r->n_seen < MAX_SEEN) {
        (void)snprintf(r->seen[r->n_seen], FANTASY_ID_MAX, "%s", ev->id);
        r->attempts[r->n_seen++] = ev->attempt;
    }
    (void)snprintf(r->last_topic, sizeof r->last_topic, "%s", ev->topic);
    (void)snprintf(r->last_payload, sizeof r->last_payload, "%.*s", (int)ev->payload_len,
                   ev->payload);
    r->last_occurred_at = ev->occurred_at_ms;
    int fail = r->fail_first < 0 || call < r->fail_first;
    const char *msg = r->fail_msg;
    int rc = r->fail_rc;
    pthread_mutex_unlock(&r->lock);
    if (!fail) {
        return 0;
    }
    if (msg) {
        (void)fantasy_error_set(FANTASY_EBACKEND, "%s", msg);
    }
    return rc;
}

/* How many times `id` reached the recorder. */
static int rec_count(recorder *r, const char *id) {
    int n = 0;
    pthread_mutex_lock(&r->lock);
    for (int i = 0; i < r->n_seen; i++) {
        n += strcmp(r->seen[i], id) == 0;
    }
    pthread_mutex_unlock(&r->lock);
    return n;
}

static void publish(fantasy_park *park, const char *topic, const char *order_id) {
    cJSON *p = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(p, "order_id", order_id));
    assert_int_equal(fantasy__event_publish(park, topic, p, NULL, 0), FANTASY_OK);
    cJSON_Delete(p);
}

static int64_t count_key(fantasy_park *park, const char *collection, const char *key) {
    int64_t n = -1;
    assert_int_equal(park->records.count(park->records.self, collection, key, &n), FANTASY_OK);
    return n;
}

/* The id of the index-th event holding `key`, oldest first. */
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

static fantasy_status get_state(fantasy_park *park, const char *kind, const char *group,
                                const char *id) {
    char sid[256];
    (void)snprintf(sid, sizeof sid, "%s:%s:%s", kind, group, id);
    fantasy_buf *b = NULL;
    assert_int_equal(fantasy_buf_new(NULL, &b), FANTASY_OK);
    int64_t v = 0;
    fantasy_status st = park->records.get(park->records.self, FANTASY__BUS_STATE, sid, b, &v);
    fantasy_buf_free(b);
    return st;
}

static int64_t ms_since(const struct timespec *t0) {
    struct timespec t1;
    (void)clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    (void)nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Outbox                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void event_document_and_keys(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    publish(park, "orders.paid", "o1");
    assert_int_equal(atomic_load(&park->subs.published), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid"), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    /* In-process bus: no relay, so no unsent key. */
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "unsent:orders.paid"), 0);

    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    cJSON *doc = cJSON_Parse(r.last_payload);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "event_id")->valuestring, r.seen[0]);
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "orders.paid");
    assert_string_equal(cJSON_GetObjectItem(doc, "order_id")->valuestring, "o1");
    assert_true(cJSON_GetObjectItem(doc, "occurred_at")->valuedouble == (double)START_MS);
    cJSON_Delete(doc);
    assert_string_equal(r.last_topic, "orders.paid");
    assert_int_equal(r.last_occurred_at, START_MS);
    assert_int_equal(r.attempts[0], 1);
    fantasy_park_close(park);
    rec_destroy(&r);
}

static void derived_id_is_written_once(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    cJSON *p = cJSON_CreateObject();
    assert_int_equal(fantasy__event_publish(park, "orders.expired", p, "o1", START_MS), FANTASY_OK);
    assert_int_equal(fantasy__event_publish(park, "orders.expired", p, "o1", START_MS), FANTASY_OK);
    cJSON_Delete(p);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    assert_int_equal(atomic_load(&park->subs.published), 1);
    fantasy_park_close(park);
}

/* An event goes in the same batch as the change that caused it: both or neither. */
static void event_commits_with_the_change(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    const char *order = "{\"status\":\"PAID\"}";
    fantasy__event ev;
    cJSON *p = cJSON_CreateObject();
    assert_non_null(cJSON_AddStringToObject(p, "order_id", "o1"));
    assert_int_equal(fantasy__event_make(park, "orders.paid", p, NULL, 0, &ev), FANTASY_OK);
    fantasy_record_op ops[2] = { { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = "orders",
                                   .id = "o1",
                                   .doc = order,
                                   .doc_len = strlen(order) },
                                 ev.op };
    assert_int_equal(park->records.apply(park->records.self, ops, 2, NULL), FANTASY_OK);
    fantasy__events_committed(park, 1);
    fantasy__event_clear(&ev);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid"), 1);
    assert_int_equal(atomic_load(&park->subs.published), 1);

    /* The same order again fails the batch (create-only): its event is not written either. */
    assert_int_equal(fantasy__event_make(park, "orders.paid", p, NULL, 0, &ev), FANTASY_OK);
    fantasy_record_op again[2] = { ops[0], ev.op };
    assert_int_equal(park->records.apply(park->records.self, again, 2, NULL), FANTASY_EEXISTS);
    fantasy__event_clear(&ev);
    cJSON_Delete(p);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid"), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);

    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    fantasy_park_close(park);
    rec_destroy(&r);
}

static void event_make_rejects_bad_input(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    fantasy__event ev;
    cJSON *arr = cJSON_CreateArray();
    assert_int_equal(fantasy__event_make(park, "t", arr, NULL, 0, &ev), FANTASY_EINVAL);
    cJSON_Delete(arr);
    assert_int_equal(fantasy__event_make(park, "", NULL, NULL, 0, &ev), FANTASY_EINVAL);
    char big[600];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(fantasy__event_make(park, big, NULL, NULL, 0, &ev), FANTASY_EINVAL);
    /* NULL payload: an event with only the three standard fields. */
    assert_int_equal(fantasy__event_make(park, "t", NULL, NULL, 0, &ev), FANTASY_OK);
    assert_non_null(strstr(ev.doc, "\"type\":\"t\""));
    fantasy__event_clear(&ev);
    fantasy_park_close(park);
}

/* ------------------------------------------------------------------------------------------ */
/* Delivery                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void two_groups_each_get_each_event_once(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder a, b;
    rec_init(&a);
    rec_init(&b);
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid", "mail", handler, &a), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid", "stats", handler, &b), FANTASY_OK);
    publish(park, "orders.paid", "o1");
    publish(park, "orders.paid", "o2");
    publish(park, "orders.other", "o3");
    assert_int_equal(fantasy_park_poll(park, 0), 4);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(a.calls, 2);
    assert_int_equal(b.calls, 2);
    /* Oldest first, the same events for both groups. */
    assert_true(strcmp(a.seen[0], a.seen[1]) < 0);
    assert_string_equal(a.seen[0], b.seen[0]);
    assert_string_equal(a.seen[1], b.seen[1]);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid"), 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.other"), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 3);
    /* Done records, one per group and event. */
    assert_int_equal(get_state(park, "done", "mail", a.seen[0]), FANTASY_OK);
    assert_int_equal(get_state(park, "done", "stats", a.seen[1]), FANTASY_OK);
    fantasy_park_close(park);
    rec_destroy(&a);
    rec_destroy(&b);
}

static void events_written_before_subscribing_are_delivered(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    publish(park, "queues.called", "e1");
    assert_int_equal(fantasy_park_poll(park, 0), 0); /* nobody listens yet */
    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "queues.called", "notifier", handler, &r),
                     FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(r.calls, 1);
    fantasy_park_close(park);
    rec_destroy(&r);
}

static void undelivered_key_drops_only_after_all_groups(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder ok, flaky;
    rec_init(&ok);
    rec_init(&flaky);
    flaky.fail_first = 1;
    assert_int_equal(fantasy_park_subscribe(park, "t", "ok", handler, &ok), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "t", "flaky", handler, &flaky), FANTASY_OK);
    publish(park, "t", "x");
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 1);
    assert_int_equal(fantasy_park_advance_clock(park, 1000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "all"), 1);
    assert_int_equal(ok.calls, 1);
    assert_int_equal(flaky.calls, 2);
    fantasy_park_close(park);
    rec_destroy(&ok);
    rec_destroy(&flaky);
}

/* The done record comes only after success: fail once, succeed → delivered twice, done once. */
static void done_is_written_only_after_success(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "500");
    recorder r;
    rec_init(&r);
    r.fail_first = 1;
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    publish(park, "t", "x");
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    char id[FANTASY_ID_MAX];
    (void)snprintf(id, sizeof id, "%s", r.seen[0]);
    assert_int_equal(get_state(park, "done", "g", id), FANTASY_ENOTFOUND);
    assert_int_equal(get_state(park, "try", "g", id), FANTASY_OK);
    assert_int_equal(fantasy_park_advance_clock(park, 500, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(rec_count(&r, id), 2);
    assert_int_equal(r.attempts[0], 1);
    assert_int_equal(r.attempts[1], 2);
    assert_int_equal(get_state(park, "done", "g", id), FANTASY_OK);
    assert_int_equal(get_state(park, "try", "g", id), FANTASY_ENOTFOUND);
    char key[128];
    (void)snprintf(key, sizeof key, "event:%s", id);
    assert_int_equal(count_key(park, FANTASY__BUS_STATE, key), 1);
    assert_int_equal(fantasy_park_advance_clock(park, 5000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 2);
    fantasy_park_close(park);
    rec_destroy(&r);
}

/* Retried bus.retries times, bus.backoff_ms of park time apart, then dead-lettered. */
static void retries_back_off_then_dead_letter(void **state) {
    (void)state;
    fantasy_park *park = open_park("2", "1000");
    recorder r, dlt;
    rec_init(&r);
    rec_init(&dlt);
    r.fail_first = -1;
    r.fail_msg = "mail server said no";
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid", "mail", handler, &r), FANTASY_OK);
    publish(park, "orders.paid", "o1");
    char id[FANTASY_ID_MAX];
    event_id_at(park, "all", 0, id);

    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 1);
    assert_int_equal(fantasy_park_poll(park, 0), 0); /* backing off */
    assert_int_equal(fantasy_park_advance_clock(park, 999, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 1);
    assert_int_equal(fantasy_park_advance_clock(park, 1, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.attempts[1], 2);
    assert_int_equal(atomic_load(&park->subs.dead_lettered), 0);
    assert_int_equal(fantasy_park_advance_clock(park, 1000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 3); /* 1 + bus.retries */
    assert_int_equal(atomic_load(&park->subs.dead_lettered), 1);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid"), 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid.DLT"), 1);
    assert_int_equal(get_state(park, "done", "mail", id), FANTASY_OK);
    assert_int_equal(fantasy_park_advance_clock(park, 10000, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 3);

    /* The copy is an ordinary event on <topic>.DLT. */
    assert_int_equal(fantasy_park_subscribe(park, "orders.paid.DLT", "ops", handler, &dlt),
                     FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_string_equal(dlt.last_topic, "orders.paid.DLT");
    cJSON *doc = cJSON_Parse(dlt.last_payload);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "type")->valuestring, "orders.paid.DLT");
    assert_string_equal(cJSON_GetObjectItem(doc, "event_id")->valuestring, dlt.seen[0]);
    assert_string_not_equal(dlt.seen[0], id);
    assert_string_equal(cJSON_GetObjectItem(doc, "error")->valuestring, "mail server said no");
    assert_string_equal(cJSON_GetObjectItem(doc, "group")->valuestring, "mail");
    assert_int_equal(cJSON_GetObjectItem(doc, "attempts")->valueint, 3);
    const cJSON *orig = cJSON_GetObjectItem(doc, "original");
    assert_string_equal(cJSON_GetObjectItem(orig, "event_id")->valuestring, id);
    assert_string_equal(cJSON_GetObjectItem(orig, "order_id")->valuestring, "o1");
    cJSON_Delete(doc);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:orders.paid.DLT"), 0);
    fantasy_park_close(park);
    rec_destroy(&r);
    rec_destroy(&dlt);
}

static void dead_letter_without_message_names_the_return_code(void **state) {
    (void)state;
    fantasy_park *park = open_park("0", "1000");
    recorder r, dlt;
    rec_init(&r);
    rec_init(&dlt);
    r.fail_first = -1;
    r.fail_rc = 42;
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "t.DLT", "g", handler, &dlt), FANTASY_OK);
    publish(park, "t", "x");
    /* retries = 0: straight to the DLT, which the later subscription of the same pass gets. */
    assert_int_equal(fantasy_park_poll(park, 0), 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(dlt.calls, 1);
    assert_int_equal(atomic_load(&park->subs.dead_lettered), 1);
    cJSON *doc = cJSON_Parse(dlt.last_payload);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "error")->valuestring, "handler returned 42");
    assert_int_equal(cJSON_GetObjectItem(doc, "attempts")->valueint, 1);
    cJSON_Delete(doc);
    fantasy_park_close(park);
    rec_destroy(&r);
    rec_destroy(&dlt);
}

/* A done record left without its key drop (a crash in between) is finished by the next poll. */
static void leftover_undelivered_key_is_dropped(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r;
    rec_init(&r);
    publish(park, "t", "x");
    char id[FANTASY_ID_MAX], sid[256], key[128];
    event_id_at(park, "all", 0, id);
    (void)snprintf(sid, sizeof sid, "done:g:%s", id);
    (void)snprintf(key, sizeof key, "event:%s", id);
    fantasy_index_key k = { .key = key };
    fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                             .mode = FANTASY_WRITE_CREATE,
                             .collection = FANTASY__BUS_STATE,
                             .id = sid,
                             .doc = "{}",
                             .doc_len = 2,
                             .keys = &k,
                             .n_keys = 1 };
    assert_int_equal(park->records.apply(park->records.self, &op, 1, NULL), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    assert_int_equal(r.calls, 0);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 0);
    fantasy_park_close(park);
    rec_destroy(&r);
}

static void many_events_are_delivered_in_batches(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    for (int i = 0; i < 300; i++) {
        publish(park, "t", "x");
    }
    int total = 0;
    for (int rounds = 0; rounds < 10 && total < 300; rounds++) {
        int n = fantasy_park_poll(park, 0);
        assert_true(n >= 0);
        total += n;
    }
    assert_int_equal(total, 300);
    assert_int_equal(r.calls, 300);
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 0);
    fantasy_park_close(park);
    rec_destroy(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Waiting and threads                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct poller {
    fantasy_park *park;
    int timeout_ms;
    int result;
    int64_t took_ms;
} poller;

static void *poll_thread(void *arg) {
    poller *p = arg;
    struct timespec t0;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    p->result = fantasy_park_poll(p->park, p->timeout_ms);
    p->took_ms = ms_since(&t0);
    return NULL;
}

static void poll_waits_then_wakes_on_publish(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);

    /* Nothing to do: waits about timeout_ms and returns 0. */
    struct timespec t0;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(fantasy_park_poll(park, 60), 0);
    int64_t took = ms_since(&t0);
    assert_true(took >= 50);
    assert_true(took < 5000);

    /* A publish from another thread ends the wait early. */
    poller p = { .park = park, .timeout_ms = 10000 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, poll_thread, &p), 0);
    sleep_ms(50);
    publish(park, "t", "x");
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(p.result, 1);
    assert_true(p.took_ms < 5000);
    assert_int_equal(rec_calls(&r), 1);
    fantasy_park_close(park);
    rec_destroy(&r);
}

/* On the system clock, a retry coming due ends a long wait: the poll redelivers then. */
static void poll_wakes_for_a_retry_coming_due(void **state) {
    (void)state;
    fantasy_conf *conf = fantasy_conf_new();
    assert_int_equal(fantasy_conf_set(conf, "bus.backoff_ms", "50"), FANTASY_OK);
    fantasy_park *park = NULL;
    assert_int_equal(fantasy_park_open(conf, &park), FANTASY_OK);
    fantasy_conf_free(conf);
    recorder r;
    rec_init(&r);
    r.fail_first = 1;
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    publish(park, "t", "x");
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    struct timespec t0;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    int n = fantasy_park_poll(park, 10000);
    for (int i = 0; i < 10 && n == 0; i++) {
        n = fantasy_park_poll(park, 10000); /* tolerate a wake-up a hair early */
    }
    assert_int_equal(n, 1);
    assert_true(ms_since(&t0) < 5000);
    assert_int_equal(r.calls, 2);
    fantasy_park_close(park);
    rec_destroy(&r);
}

#define THREADED_EVENTS 200

typedef struct spinner {
    fantasy_park *park;
    recorder *a, *b;
    int delivered;
} spinner;

static void *spin_thread(void *arg) {
    spinner *s = arg;
    for (int i = 0;
         i < 1000 && (rec_calls(s->a) < THREADED_EVENTS || rec_calls(s->b) < THREADED_EVENTS);
         i++) {
        int n = fantasy_park_poll(s->park, 1);
        if (n > 0) {
            s->delivered += n;
        }
    }
    return NULL;
}

static void polls_from_two_threads_deliver_once_per_group(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder a, b;
    rec_init(&a);
    rec_init(&b);
    assert_int_equal(fantasy_park_subscribe(park, "t", "a", handler, &a), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "t", "b", handler, &b), FANTASY_OK);
    spinner s1 = { .park = park, .a = &a, .b = &b }, s2 = s1;
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, spin_thread, &s1), 0);
    assert_int_equal(pthread_create(&t2, NULL, spin_thread, &s2), 0);
    for (int i = 0; i < THREADED_EVENTS; i++) {
        publish(park, "t", "x");
    }
    assert_int_equal(pthread_join(t1, NULL), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_int_equal(a.calls, THREADED_EVENTS);
    assert_int_equal(b.calls, THREADED_EVENTS);
    assert_int_equal(s1.delivered + s2.delivered, 2 * THREADED_EVENTS);
    for (int i = 0; i < THREADED_EVENTS; i++) {
        assert_int_equal(rec_count(&a, a.seen[i]), 1);
        assert_int_equal(rec_count(&b, a.seen[i]), 1);
    }
    assert_int_equal(count_key(park, FANTASY__OUTBOX, "undelivered:t"), 0);
    fantasy_park_close(park);
    rec_destroy(&a);
    rec_destroy(&b);
}

static int wait_calls(recorder *r, int n) {
    for (int i = 0; i < 500 && rec_calls(r) < n; i++) {
        sleep_ms(10);
    }
    return rec_calls(r);
}

static void worker_delivers_and_stops(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r, expired;
    rec_init(&r);
    rec_init(&expired);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "inventory.expired", "g", handler, &expired),
                     FANTASY_OK);
    assert_int_equal(fantasy_park_start_worker(park, 20), FANTASY_OK);
    assert_int_equal(fantasy_park_start_worker(park, 20), FANTASY_ESTATE);
    publish(park, "t", "x");
    publish(park, "t", "y");
    assert_int_equal(wait_calls(&r, 2), 2);

    /* run_due in the background: a hold past its expiry is swept and announced. */
    assert_int_equal(park->stock.set_stock(park->stock.self, "p1", 5), FANTASY_OK);
    fantasy_hold h = { .hold_id = "h1",
                       .product_id = "p1",
                       .user_id = "u1",
                       .qty = 1,
                       .expires_at_ms = START_MS + 100 };
    assert_int_equal(park->stock.reserve(park->stock.self, &h), FANTASY_OK);
    assert_int_equal(fantasy_park_advance_clock(park, 100, NULL), FANTASY_OK);
    assert_int_equal(wait_calls(&expired, 1), 1);

    assert_int_equal(fantasy_park_stop_worker(park), FANTASY_OK);
    assert_int_equal(fantasy_park_stop_worker(park), FANTASY_OK);
    publish(park, "t", "z");
    sleep_ms(50);
    assert_int_equal(rec_calls(&r), 2); /* stopped: nobody delivers now */
    assert_int_equal(fantasy_park_start_worker(park, 1), FANTASY_OK);
    assert_int_equal(wait_calls(&r, 3), 3);
    fantasy_park_close(park); /* stops the running worker */
    rec_destroy(&r);
    rec_destroy(&expired);
}

static void worker_stops_promptly_with_a_long_interval(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_start_worker(park, 60000), FANTASY_OK);
    publish(park, "t", "x");
    assert_int_equal(wait_calls(&r, 1), 1); /* a publish wakes the sleeping worker */
    sleep_ms(20);
    struct timespec t0;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(fantasy_park_stop_worker(park), FANTASY_OK);
    assert_true(ms_since(&t0) < 5000);
    fantasy_park_close(park);
    rec_destroy(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* Misuse                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void misuse(void **state) {
    (void)state;
    fantasy_park *park = open_park("3", "1000");
    recorder r;
    rec_init(&r);
    assert_int_equal(fantasy_park_subscribe(NULL, "t", "g", handler, &r), FANTASY_EMISUSE);
    assert_non_null(strstr(fantasy_error_last(), "NULL or closed park"));
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", NULL, &r), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_subscribe(park, NULL, "g", handler, &r), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_subscribe(park, "t", NULL, handler, &r), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_subscribe(park, "", "g", handler, &r), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "topic"));
    assert_int_equal(fantasy_park_subscribe(park, "t", "", handler, &r), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "group"));
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_subscribe(park, "t", "g", handler, &r), FANTASY_EEXISTS);
    assert_non_null(strstr(fantasy_error_last(), "already"));
    assert_int_equal(fantasy_park_subscribe(park, "t", "g2", handler, &r), FANTASY_OK);
    assert_int_equal(fantasy_park_poll(NULL, 0), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_start_worker(NULL, 10), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_start_worker(park, 0), FANTASY_EINVAL);
    assert_int_equal(fantasy_park_stop_worker(NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_park_stop_worker(park), FANTASY_OK); /* not running */
    assert_int_equal(fantasy_park_poll(park, 0), 0);
    fantasy_park_close(park);
    rec_destroy(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_document_and_keys),
        cmocka_unit_test(derived_id_is_written_once),
        cmocka_unit_test(event_commits_with_the_change),
        cmocka_unit_test(event_make_rejects_bad_input),
        cmocka_unit_test(two_groups_each_get_each_event_once),
        cmocka_unit_test(events_written_before_subscribing_are_delivered),
        cmocka_unit_test(undelivered_key_drops_only_after_all_groups),
        cmocka_unit_test(done_is_written_only_after_success),
        cmocka_unit_test(retries_back_off_then_dead_letter),
        cmocka_unit_test(dead_letter_without_message_names_the_return_code),
        cmocka_unit_test(leftover_undelivered_key_is_dropped),
        cmocka_unit_test(many_events_are_delivered_in_batches),
        cmocka_unit_test(poll_waits_then_wakes_on_publish),
        cmocka_unit_test(poll_wakes_for_a_retry_coming_due),
        cmocka_unit_test(polls_from_two_threads_deliver_once_per_group),
        cmocka_unit_test(worker_delivers_and_stops),
        cmocka_unit_test(worker_stops_promptly_with_a_long_interval),
        cmocka_unit_test(misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
