/* The in-process bus: subscriptions, and delivery from the outbox with retries, backoff on the
 * park clock and dead-lettering (PORTS.md, "Message bus and outbox"). */
#include "core/bus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/json.h"
#include "core/outbox.h"
#include "core/worker.h"

#define PAGE         256
#define BATCH        256 /* handler calls per group per poll, so one busy topic cannot starve others */
#define STATE_ID_MAX 256
#define KEY_MAX      600

/* ------------------------------------------------------------------------------------------ */
/* Subscriptions                                                                               */
/* ------------------------------------------------------------------------------------------ */

fantasy_status fantasy__subs_init(fantasy__subs *subs) {
    memset(subs, 0, sizeof *subs);
    atomic_init(&subs->published, 0);
    atomic_init(&subs->dead_lettered, 0);
    if (pthread_mutex_init(&subs->lock, NULL) != 0) {
        memset(subs, 0, sizeof *subs);
        return fantasy__fail(FANTASY_EBACKEND, "bus: pthread_mutex_init failed");
    }
    if (fantasy__cond_init_monotonic(&subs->wake) != 0) {
        pthread_mutex_destroy(&subs->lock);
        memset(subs, 0, sizeof *subs); /* destroy then sees zeroed, never-used primitives */
        return fantasy__fail(FANTASY_EBACKEND, "bus: pthread_cond_init failed");
    }
    return FANTASY_OK;
}

static void sub_free(const fantasy_allocator *a, fantasy__sub *sub) {
    if (!sub) {
        return;
    }
    pthread_mutex_destroy(&sub->running);
    fantasy__free(a, sub->topic);
    fantasy__free(a, sub->group);
    fantasy__free(a, sub);
}

void fantasy__subs_destroy(const fantasy_allocator *a, fantasy__subs *subs) {
    for (size_t i = 0; i < subs->n; i++) {
        sub_free(a, subs->items[i]);
    }
    fantasy__free(a, subs->items);
    subs->items = NULL;
    subs->n = subs->cap = 0;
    pthread_cond_destroy(&subs->wake);
    pthread_mutex_destroy(&subs->lock);
}

/* Subscriptions are only ever added, so a pointer read under the lock stays valid until close;
 * reading one at a time lets delivery run without the lock while others subscribe. */
static fantasy__sub *sub_at(fantasy_park *park, size_t i) {
    pthread_mutex_lock(&park->subs.lock);
    fantasy__sub *sub = i < park->subs.n ? park->subs.items[i] : NULL;
    pthread_mutex_unlock(&park->subs.lock);
    return sub;
}

int fantasy__subs_has_topic(fantasy_park *park, const char *topic) {
    int found = 0;
    pthread_mutex_lock(&park->subs.lock);
    for (size_t i = 0; i < park->subs.n && !found; i++) {
        found = strcmp(park->subs.items[i]->topic, topic) == 0;
    }
    pthread_mutex_unlock(&park->subs.lock);
    return found;
}

static fantasy__sub *sub_new(const fantasy_allocator *a, const char *topic, const char *group,
                             fantasy_event_handler handler, void *ctx) {
    fantasy__sub *sub = fantasy__calloc(a, 1, sizeof *sub);
    if (!sub) {
        return NULL;
    }
    sub->topic = fantasy__strdup(a, topic);
    sub->group = fantasy__strdup(a, group);
    sub->handler = handler;
    sub->ctx = ctx;
    if (!sub->topic || !sub->group || pthread_mutex_init(&sub->running, NULL) != 0) {
        fantasy__free(a, sub->topic);
        fantasy__free(a, sub->group);
        fantasy__free(a, sub);
        return NULL;
    }
    return sub;
}

/* Append under the lock: EEXISTS for a repeated (topic, group). */
static fantasy_status sub_add(fantasy_park *park, fantasy__sub *sub) {
    fantasy__subs *s = &park->subs;
    fantasy_status st = FANTASY_OK;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n && st == FANTASY_OK; i++) {
        if (strcmp(s->items[i]->topic, sub->topic) == 0 &&
            strcmp(s->items[i]->group, sub->group) == 0) {
            st = fantasy__fail(FANTASY_EEXISTS, "subscribe: group '%s' already has topic '%s'",
                               sub->group, sub->topic);
        }
    }
    if (st == FANTASY_OK && s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        /* An array of pointers, so the element size is a pointer's. */
        // NOLINTNEXTLINE(bugprone-sizeof-expression)
        fantasy__sub **items = fantasy__realloc(&park->alloc, s->items, cap * sizeof *items);
        if (items) {
            s->items = items;
            s->cap = cap;
        } else {
            st = fantasy__oom();
        }
    }
    if (st == FANTASY_OK) {
        s->items[s->n++] = sub;
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

FANTASY_API fantasy_status fantasy_park_subscribe(fantasy_park *park, const char *topic,
                                                  const char *group, fantasy_event_handler handler,
                                                  void *ctx) {
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    if (!topic || !group || !handler) {
        return fantasy__fail(FANTASY_EMISUSE, "subscribe: NULL %s",
                             !topic ? "topic" : (!group ? "group" : "handler"));
    }
    if (topic[0] == '\0' || strlen(topic) > FANTASY__TOPIC_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "subscribe: topic must be 1..%d bytes",
                             FANTASY__TOPIC_MAX);
    }
    if (group[0] == '\0' || strlen(group) > FANTASY__GROUP_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "subscribe: group must be 1..%d bytes",
                             FANTASY__GROUP_MAX);
    }
    /* An external bus (park->bus.version != 0) will also get bus.subscribe here (later issue);
     * the outbox path below stays the source of in-process deliveries. */
    fantasy__sub *sub = sub_new(&park->alloc, topic, group, handler, ctx);
    if (!sub) {
        return fantasy__oom();
    }
    fantasy_status st = sub_add(park, sub);
    if (st != FANTASY_OK) {
        sub_free(&park->alloc, sub);
    }
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* One group's deliveries                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* What one delivery pass of one group works with. */
typedef struct delivery {
    fantasy_park *park;
    const fantasy__sub *sub;
    int64_t now;
    fantasy_buf *doc;   /* the event document */
    fantasy_buf *state; /* a state record */
    fantasy_list *scratch;
    int delivered;         /* handler calls that succeeded */
    int attempted;         /* handler calls made */
    int64_t next_retry_at; /* earliest next_try_at of an event skipped for backoff; 0: none */
} delivery;

/* The failures so far of one group on one event. */
typedef struct tries {
    int64_t version; /* of the try record; 0 when there is none */
    int64_t attempts;
    int64_t next_try_at;
} tries;

static void state_id(char out[STATE_ID_MAX], const char *kind, const char *group, const char *id) {
    (void)snprintf(out, STATE_ID_MAX, "%s:%s:%s", kind, group, id);
}

/* 1 when `id` holds `key`: find() is strictly-after, so start just below `id` (its last byte
 * minus one; event ids all have one length, so nothing else fits in between). */
static fantasy_status holds_key(delivery *d, const char *key, const char *id, int *held) {
    char below[STATE_ID_MAX];
    (void)snprintf(below, sizeof below, "%s", id);
    size_t n = strlen(below);
    *held = 0;
    if (n == 0) {
        return FANTASY_OK;
    }
    below[n - 1] = (char)(below[n - 1] - 1);
    fantasy_list_clear(d->scratch);
    fantasy_status st =
        d->park->records.find(d->park->records.self, FANTASY__OUTBOX, key, below, 1, d->scratch);
    *held = st == FANTASY_OK && fantasy_list_size(d->scratch) == 1 &&
            strcmp(fantasy_list_str(d->scratch, 0), id) == 0;
    return st;
}

/* FANTASY_OK with *done set, or a backend error. */
static fantasy_status group_done(delivery *d, const char *group, const char *id, int *done) {
    char sid[STATE_ID_MAX];
    state_id(sid, "done", group, id);
    int64_t version = 0;
    fantasy_status st =
        d->park->records.get(d->park->records.self, FANTASY__BUS_STATE, sid, d->state, &version);
    *done = st == FANTASY_OK;
    if (st == FANTASY_ENOTFOUND) {
        fantasy__error_clear();
        st = FANTASY_OK;
    }
    return st;
}

/* Every group of this park subscribed to the topic has a done record for the event. */
static fantasy_status all_groups_done(delivery *d, const char *id, int *all) {
    fantasy_status st = FANTASY_OK;
    *all = 1;
    for (size_t i = 0; st == FANTASY_OK && *all; i++) {
        const fantasy__sub *other = sub_at(d->park, i);
        if (!other) {
            break;
        }
        if (other != d->sub && strcmp(other->topic, d->sub->topic) == 0) {
            st = group_done(d, other->group, id, all);
        }
    }
    return st;
}

/* Rewrite the event without its undelivered key (same doc, version CAS, so a relay dropping
 * "unsent:" at the same time is never undone). */
static fantasy_status drop_undelivered(delivery *d, const char *id) {
    fantasy_park *park = d->park;
    char unsent[KEY_MAX], undelivered[KEY_MAX];
    (void)snprintf(unsent, sizeof unsent, "unsent:%s", d->sub->topic);
    (void)snprintf(undelivered, sizeof undelivered, "undelivered:%s", d->sub->topic);
    fantasy_status st = FANTASY_ECONFLICT;
    for (int attempt = 0; attempt < 3 && st == FANTASY_ECONFLICT; attempt++) {
        int64_t version = 0;
        int still = 1, has_unsent = 0;
        st = park->records.get(park->records.self, FANTASY__OUTBOX, id, d->doc, &version);
        if (st == FANTASY_OK && attempt > 0) {
            st = holds_key(d, undelivered, id, &still); /* another group may have dropped it */
        }
        if (st == FANTASY_OK && park->bus.version != 0) {
            st = holds_key(d, unsent, id, &has_unsent);
        }
        if (st != FANTASY_OK || !still) {
            break;
        }
        fantasy_index_key keys[2] = { { .key = "all" }, { .key = unsent } };
        fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                 .mode = FANTASY_WRITE_IF_VERSION,
                                 .collection = FANTASY__OUTBOX,
                                 .id = id,
                                 .doc = fantasy_buf_data(d->doc),
                                 .doc_len = fantasy_buf_len(d->doc),
                                 .expected_version = version,
                                 .keys = keys,
                                 .n_keys = has_unsent ? 2 : 1 };
        st = park->records.apply(park->records.self, &op, 1, NULL);
    }
    if (st == FANTASY_ENOTFOUND || st == FANTASY_ECONFLICT) {
        /* Purged meanwhile, or still contended: the next poll of any group tries again. */
        fantasy__error_clear();
        st = FANTASY_OK;
    }
    return st;
}

static fantasy_status maybe_drop(delivery *d, const char *id) {
    int all = 0;
    fantasy_status st = all_groups_done(d, id, &all);
    if (st == FANTASY_OK && all) {
        st = drop_undelivered(d, id);
    }
    return st;
}

static fantasy_status read_tries(delivery *d, const char *id, tries *t) {
    char sid[STATE_ID_MAX];
    state_id(sid, "try", d->sub->group, id);
    *t = (tries){ 0 };
    fantasy_status st =
        d->park->records.get(d->park->records.self, FANTASY__BUS_STATE, sid, d->state, &t->version);
    if (st == FANTASY_ENOTFOUND) {
        fantasy__error_clear();
        t->version = 0;
        return FANTASY_OK;
    }
    cJSON *j = NULL;
    if (st == FANTASY_OK) {
        st = fantasy__json_parse_doc(fantasy_buf_data(d->state), fantasy_buf_len(d->state), &j);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_int(j, "attempts", 1, 0, FANTASY__JSON_MAX_INT, &t->attempts, NULL);
    }
    if (st == FANTASY_OK) {
        st =
            fantasy__json_int(j, "next_try_at", 1, 0, FANTASY__JSON_MAX_INT, &t->next_try_at, NULL);
    }
    cJSON_Delete(j);
    if (st == FANTASY_EINVAL) {
        st = fantasy__error_wrap(FANTASY_EBACKEND, "bus: corrupt try record");
    }
    return st;
}

/* A state record document: {"group","event_id"} plus the caller's fields, printed. */
static fantasy_status state_doc(delivery *d, const char *id, cJSON *extra, char **out,
                                size_t *len) {
    fantasy_status st = fantasy__json_put_str(extra, "group", d->sub->group);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(extra, "event_id", id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_print(&d->park->alloc, extra, out, len);
    }
    return st;
}

/* The done record (create-only) and, in the same batch, the removal of the try record. With
 * `ev`, the dead-letter copy goes in that batch too, so it is written exactly once. */
static fantasy_status write_done(delivery *d, const char *id, const tries *t, int dead,
                                 const fantasy__event *ev) {
    char done_id[STATE_ID_MAX], try_id[STATE_ID_MAX], key[KEY_MAX];
    state_id(done_id, "done", d->sub->group, id);
    state_id(try_id, "try", d->sub->group, id);
    (void)snprintf(key, sizeof key, "event:%s", id);
    cJSON *j = cJSON_CreateObject();
    fantasy_status st = j ? fantasy__json_put_int(j, "at", d->now) : fantasy__oom();
    if (st == FANTASY_OK && dead) {
        st = fantasy__json_put_bool(j, "dead_lettered", 1);
    }
    char *doc = NULL;
    size_t len = 0;
    if (st == FANTASY_OK) {
        st = state_doc(d, id, j, &doc, &len);
    }
    cJSON_Delete(j);
    fantasy_index_key k = { .key = key };
    fantasy_record_op ops[3];
    size_t n = 0;
    if (ev) {
        ops[n++] = ev->op;
    }
    ops[n++] = (fantasy_record_op){ .kind = FANTASY_OP_PUT,
                                    .mode = FANTASY_WRITE_CREATE,
                                    .collection = FANTASY__BUS_STATE,
                                    .id = done_id,
                                    .doc = doc,
                                    .doc_len = len,
                                    .keys = &k,
                                    .n_keys = 1 };
    if (t->version > 0) {
        ops[n++] = (fantasy_record_op){ .kind = FANTASY_OP_DEL,
                                        .mode = FANTASY_WRITE_ANY,
                                        .collection = FANTASY__BUS_STATE,
                                        .id = try_id };
    }
    if (st == FANTASY_OK) {
        st = d->park->records.apply(d->park->records.self, ops, n, NULL);
    }
    fantasy__free(&d->park->alloc, doc);
    return st;
}

/* Record one more failure; the event waits bus.backoff_ms of park time before the next try. */
static fantasy_status write_try(delivery *d, const char *id, const tries *t, int64_t attempts,
                                const char *error) {
    char try_id[STATE_ID_MAX], key[KEY_MAX];
    state_id(try_id, "try", d->sub->group, id);
    (void)snprintf(key, sizeof key, "event:%s", id);
    int64_t now = fantasy__now(d->park);
    cJSON *j = cJSON_CreateObject();
    fantasy_status st = j ? fantasy__json_put_int(j, "attempts", attempts) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(j, "next_try_at", now + d->park->settings.bus_backoff_ms);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(j, "last_error", error);
    }
    char *doc = NULL;
    size_t len = 0;
    if (st == FANTASY_OK) {
        st = state_doc(d, id, j, &doc, &len);
    }
    cJSON_Delete(j);
    fantasy_index_key k = { .key = key };
    fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                             .mode = FANTASY_WRITE_IF_VERSION,
                             .collection = FANTASY__BUS_STATE,
                             .id = try_id,
                             .doc = doc,
                             .doc_len = len,
                             .expected_version = t->version,
                             .keys = &k,
                             .n_keys = 1 };
    if (st == FANTASY_OK) {
        st = d->park->records.apply(d->park->records.self, &op, 1, NULL);
    }
    fantasy__free(&d->park->alloc, doc);
    if (st == FANTASY_ECONFLICT || st == FANTASY_ENOTFOUND) {
        fantasy__error_clear(); /* another process recorded this failure first */
        st = FANTASY_OK;
    }
    return st;
}

/* The DLT payload: the original event (as JSON, or its bytes as a string if they are not),
 * the error, the group and how many attempts were made. */
static fantasy_status dlt_payload(delivery *d, const cJSON *original, const char *error,
                                  int64_t attempts, cJSON **out) {
    cJSON *p = cJSON_CreateObject();
    if (!p) {
        return fantasy__oom();
    }
    cJSON *orig =
        original ? cJSON_Duplicate(original, 1) : cJSON_CreateString(fantasy_buf_data(d->doc));
    fantasy_status st = fantasy__json_put(p, "original", orig);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "error", error);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "group", d->sub->group);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(p, "attempts", attempts);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(p);
        return st;
    }
    *out = p;
    return FANTASY_OK;
}

/* Copy the event to <topic>.DLT and mark it done for the group, in one batch. */
static fantasy_status dead_letter(delivery *d, const char *id, const tries *t,
                                  const cJSON *original, int64_t attempts, const char *error) {
    char topic[KEY_MAX];
    (void)snprintf(topic, sizeof topic, "%s.DLT", d->sub->topic);
    cJSON *payload = NULL;
    fantasy__event ev;
    memset(&ev, 0, sizeof ev);
    fantasy_status st = dlt_payload(d, original, error, attempts, &payload);
    if (st == FANTASY_OK) {
        st = fantasy__event_make(d->park, topic, payload, NULL, 0, &ev);
    }
    cJSON_Delete(payload);
    if (st == FANTASY_OK) {
        st = write_done(d, id, t, 1, &ev);
    }
    fantasy__event_clear(&ev);
    if (st == FANTASY_OK) {
        atomic_fetch_add(&d->park->subs.dead_lettered, 1);
        fantasy__events_committed(d->park, 1);
    } else if (st == FANTASY_EEXISTS) {
        fantasy__error_clear(); /* another process finished this group's delivery first */
        st = FANTASY_OK;
    }
    return st;
}

/* After a handler: done on success; else a try record, or the DLT once retries are spent.
 * *done tells whether the group is now finished with the event. */
static fantasy_status settle(delivery *d, const char *id, const tries *t, const cJSON *original,
                             int rc, int *done) {
    fantasy_status st;
    if (rc == 0) {
        d->delivered++;
        *done = 1;
        st = write_done(d, id, t, 0, NULL);
        if (st == FANTASY_EEXISTS) {
            fantasy__error_clear();
            st = FANTASY_OK;
        }
        return st;
    }
    /* The handler's own message is read before any other call can overwrite it. */
    char error[512];
    const char *last = fantasy_error_last();
    if (last[0] != '\0') {
        (void)snprintf(error, sizeof error, "%s", last);
    } else {
        (void)snprintf(error, sizeof error, "handler returned %d", rc);
    }
    int64_t attempts = t->attempts + 1;
    if (attempts > d->park->settings.bus_retries) {
        *done = 1;
        return dead_letter(d, id, t, original, attempts, error);
    }
    return write_try(d, id, t, attempts, error);
}

/* Hand the event (already in d->doc) to the group's handler and record the outcome. */
static fantasy_status deliver_one(delivery *d, const char *id, const tries *t) {
    cJSON *root = NULL;
    int64_t occurred_at = 0;
    if (fantasy__json_parse_doc(fantasy_buf_data(d->doc), fantasy_buf_len(d->doc), &root) ==
            FANTASY_OK &&
        fantasy__json_int(root, "occurred_at", 0, 0, FANTASY__JSON_MAX_INT, &occurred_at, NULL) !=
            FANTASY_OK) {
        occurred_at = 0; /* a foreign or odd document is still delivered as it is */
    }
    fantasy_event ev = { .topic = d->sub->topic,
                         .id = id,
                         .payload = fantasy_buf_data(d->doc),
                         .payload_len = fantasy_buf_len(d->doc),
                         .occurred_at_ms = occurred_at,
                         .attempt = (int)(t->attempts + 1) };
    d->attempted++;
    fantasy__error_clear(); /* so a message after the call is the handler's own */
    int rc = d->sub->handler(d->sub->ctx, &ev);
    int done = 0;
    fantasy_status st = settle(d, id, t, root, rc, &done);
    cJSON_Delete(root);
    if (st == FANTASY_OK && done) {
        st = maybe_drop(d, id);
    }
    return st;
}

/* One event for one group: skip it when done (finishing a drop a crash may have left) or
 * backing off, else deliver it. */
static fantasy_status consider(delivery *d, const char *id) {
    int done = 0;
    fantasy_status st = group_done(d, d->sub->group, id, &done);
    if (st != FANTASY_OK || done) {
        return st == FANTASY_OK ? maybe_drop(d, id) : st;
    }
    tries t;
    st = read_tries(d, id, &t);
    if (st == FANTASY_OK && t.version > 0 && t.next_try_at > d->now) {
        if (d->next_retry_at == 0 || t.next_try_at < d->next_retry_at) {
            d->next_retry_at = t.next_try_at;
        }
        return FANTASY_OK;
    }
    if (st != FANTASY_OK) {
        return st;
    }
    int64_t version = 0;
    st = d->park->records.get(d->park->records.self, FANTASY__OUTBOX, id, d->doc, &version);
    if (st == FANTASY_ENOTFOUND) {
        fantasy__error_clear(); /* purged since find() listed it */
        return FANTASY_OK;
    }
    return st == FANTASY_OK ? deliver_one(d, id, &t) : st;
}

/* Oldest undelivered events of the group's topic first, at most BATCH handler calls. */
static fantasy_status deliver_group(delivery *d) {
    char key[KEY_MAX], cursor[STATE_ID_MAX] = "";
    (void)snprintf(key, sizeof key, "undelivered:%s", d->sub->topic);
    fantasy_list *page = NULL;
    fantasy_status st = fantasy_list_new(&d->park->alloc, &page);
    size_t got = PAGE;
    while (st == FANTASY_OK && got == PAGE && d->attempted < BATCH) {
        fantasy_list_clear(page);
        st = d->park->records.find(d->park->records.self, FANTASY__OUTBOX, key, cursor, PAGE, page);
        got = st == FANTASY_OK ? fantasy_list_size(page) : 0;
        for (size_t i = 0; i < got && st == FANTASY_OK && d->attempted < BATCH; i++) {
            st = consider(d, fantasy_list_str(page, i));
        }
        if (got > 0) {
            (void)snprintf(cursor, sizeof cursor, "%s", fantasy_list_str(page, got - 1));
        }
    }
    fantasy_list_free(page);
    return st;
}

static fantasy_status delivery_open(fantasy_park *park, delivery *d) {
    memset(d, 0, sizeof *d);
    d->park = park;
    fantasy_status st = fantasy_buf_new(&park->alloc, &d->doc);
    if (st == FANTASY_OK) {
        st = fantasy_buf_new(&park->alloc, &d->state);
    }
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &d->scratch);
    }
    return st;
}

static void delivery_close(delivery *d) {
    fantasy_buf_free(d->doc);
    fantasy_buf_free(d->state);
    fantasy_list_free(d->scratch);
}

/* ------------------------------------------------------------------------------------------ */
/* Poll                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* What one pass did, over every group. */
typedef struct pass {
    int delivered;
    int attempted;
    int64_t next_retry_at; /* park time of the earliest retry waiting for its backoff; 0: none */
} pass;

static void pass_add(pass *p, const delivery *d) {
    p->delivered += d->delivered;
    p->attempted += d->attempted;
    if (d->next_retry_at > 0 && (p->next_retry_at == 0 || d->next_retry_at < p->next_retry_at)) {
        p->next_retry_at = d->next_retry_at;
    }
}

/* Every group whose deliveries no other thread is running right now. Later groups still run
 * after one fails; the first error is returned. */
static fantasy_status deliver_inproc(fantasy_park *park, pass *p) {
    delivery d;
    fantasy_status first = delivery_open(park, &d);
    for (size_t i = 0; first == FANTASY_OK; i++) {
        fantasy__sub *sub = sub_at(park, i);
        if (!sub) {
            break;
        }
        if (pthread_mutex_trylock(&sub->running) != 0) {
            continue;
        }
        d.sub = sub;
        d.now = fantasy__now(park);
        d.delivered = d.attempted = 0;
        d.next_retry_at = 0;
        fantasy_status st = deliver_group(&d);
        pthread_mutex_unlock(&sub->running);
        pass_add(p, &d);
        if (st != FANTASY_OK) {
            first = st;
        }
    }
    delivery_close(&d);
    return first;
}

/* One pass over every source of deliveries. With an external bus (park->bus.version != 0) its
 * poll joins here later, handing messages to the same handlers; for now the outbox serves. */
static fantasy_status deliver_all(fantasy_park *park, pass *p) {
    memset(p, 0, sizeof *p);
    return deliver_inproc(park, p);
}

/* Sleep until an event is committed, the worker running this is told to stop, or the time is
 * up. The park clock may be manual, so the wait is measured in real (monotonic) time. */
static void wait_for_events(fantasy_park *park, long long seen, int64_t timeout_ms) {
    struct timespec ts = fantasy__deadline_in_ms(timeout_ms);
    int rc = 0;
    pthread_mutex_lock(&park->subs.lock);
    while (rc != ETIMEDOUT && atomic_load(&park->subs.published) == seen &&
           !fantasy__worker_stopping(park)) {
        rc = pthread_cond_timedwait(&park->subs.wake, &park->subs.lock, &ts);
    }
    pthread_mutex_unlock(&park->subs.lock);
}

FANTASY_API int fantasy_park_poll(fantasy_park *park, int timeout_ms) {
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    /* Read before the pass, so an event committed during it ends the wait at once. */
    long long seen = atomic_load(&park->subs.published);
    pass p;
    fantasy_status st = deliver_all(park, &p);
    if (st != FANTASY_OK) {
        return st;
    }
    if (p.attempted > 0 || timeout_ms <= 0) {
        return p.delivered; /* a negative timeout is taken as 0: no wait */
    }
    int64_t wait_ms = timeout_ms;
    if (p.next_retry_at > 0) {
        /* A retry comes due before the timeout: wake for it (on a system clock, park time and
         * real time run together; on a manual one this only ends the wait early). */
        int64_t until = p.next_retry_at - fantasy__now(park);
        wait_ms = until < wait_ms ? (until > 0 ? until : 0) : wait_ms;
    }
    wait_for_events(park, seen, wait_ms);
    st = deliver_all(park, &p);
    return st != FANTASY_OK ? st : p.delivered;
}
