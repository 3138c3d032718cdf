/* The outbox: building event records, writing them, waking pollers and retention. */
#include "core/outbox.h"

#include <stdio.h>
#include <string.h>

#include "core/bus.h"
#include "core/json.h"
#include "core/json_print.h"
#include "core/park_internal.h"

/* Index keys are at most 512 bytes; "undelivered:" is the longest prefix we put on a topic. */
#define TOPIC_MAX  (512 - sizeof "undelivered:" + 1)
#define PURGE_PAGE 256
#define STATE_PAGE 64

/* An event's payload: a JSON object, or fields (then `obj` is NULL). */
typedef struct payload_src {
    const cJSON *obj;
    const fantasy__json_field *fields;
    size_t n_fields;
} payload_src;

static int is_event_field(const char *name) {
    /* The first letter settles most fields without a call. */
    switch (name[0]) {
    case 'e':
        return strcmp(name, "event_id") == 0;
    case 't':
        return strcmp(name, "type") == 0;
    case 'o':
        return strcmp(name, "occurred_at") == 0;
    default:
        return 0;
    }
}

/* The event document: the payload's fields, then event_id, type and occurred_at (replacing any
 * of those the caller put in), printed straight from the payload without copying it, into the
 * event's own buffer when it fits. */
static fantasy_status event_doc(const payload_src *p, const char *type, int64_t occurred_at_ms,
                                fantasy__event *ev) {
    if (p->obj && !cJSON_IsObject(p->obj)) {
        return fantasy__fail(FANTASY_EINVAL, "event %s: payload must be a JSON object", type);
    }
    if (p->n_fields > FANTASY__EVENT_MAX_FIELDS || (p->n_fields && !p->fields)) {
        return fantasy__fail(FANTASY_EINVAL, "event %s: at most %d payload fields", type,
                             FANTASY__EVENT_MAX_FIELDS);
    }
    fantasy__json_field extra[FANTASY__EVENT_MAX_FIELDS + 3];
    size_t n = 0;
    for (size_t i = 0; i < p->n_fields; i++) {
        if (!p->fields[i].name) {
            return fantasy__fail(FANTASY_EINVAL, "event %s: payload field %zu has no name", type,
                                 i);
        }
        if (!is_event_field(p->fields[i].name)) {
            extra[n++] = p->fields[i];
        }
    }
    extra[n++] = (fantasy__json_field){ .name = "event_id", .str = ev->id };
    extra[n++] = (fantasy__json_field){ .name = "type", .str = type };
    extra[n++] = (fantasy__json_field){ .name = "occurred_at", .num = occurred_at_ms };
    return fantasy__json_print_with_buf(ev->a, p->obj, extra, n, ev->doc_buf, sizeof ev->doc_buf,
                                        &ev->doc, &ev->doc_len);
}

/* snprintf(out, cap, "%s%s", a, b) without the format machinery: this runs per write. */
static void join2(char *out, size_t cap, const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    na = na < cap - 1 ? na : cap - 1;
    nb = nb < cap - 1 - na ? nb : cap - 1 - na;
    memcpy(out, a, na);
    memcpy(out + na, b, nb);
    out[na + nb] = '\0';
}

static void event_keys(const fantasy_park *park, const char *type, fantasy__event *ev) {
    size_t n = 0;
    join2(ev->key_undelivered, sizeof ev->key_undelivered, "undelivered:", type);
    ev->keys[n++] = (fantasy_index_key){ .key = ev->key_undelivered, .unique = 0 };
    ev->keys[n++] = (fantasy_index_key){ .key = "all", .unique = 0 };
    if (park->bus.version != 0) {
        /* Only a relay to an external bus ever drops this key, so only then is it written. */
        join2(ev->key_unsent, sizeof ev->key_unsent, "unsent:", type);
        ev->keys[n++] = (fantasy_index_key){ .key = ev->key_unsent, .unique = 0 };
    }
    ev->op = (fantasy_record_op){ .kind = FANTASY_OP_PUT,
                                  .mode = FANTASY_WRITE_CREATE,
                                  .collection = FANTASY__OUTBOX,
                                  .id = ev->id,
                                  .doc = ev->doc,
                                  .doc_len = ev->doc_len,
                                  .keys = ev->keys,
                                  .n_keys = n };
}

static fantasy_status make(fantasy_park *park, const char *type, const payload_src *payload,
                           const char *derived_subject, int64_t occurred_at_ms,
                           fantasy__event *ev) {
    /* Only what clear and the op read: the key buffers are large and written before use. */
    ev->id[0] = '\0';
    ev->doc = NULL;
    ev->doc_len = 0;
    ev->op = (fantasy_record_op){ .kind = FANTASY_OP_PUT };
    ev->a = &park->alloc;
    if (!type || type[0] == '\0' || strlen(type) > TOPIC_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "event type must be 1..%zu bytes", TOPIC_MAX);
    }
    if (occurred_at_ms <= 0) {
        occurred_at_ms = fantasy__now(park);
    }
    fantasy_status st = FANTASY_OK;
    if (derived_subject) {
        fantasy__id_derived(occurred_at_ms, derived_subject, type, ev->id);
    } else {
        st = fantasy__id_new(&park->ids, occurred_at_ms, ev->id);
    }
    if (st == FANTASY_OK) {
        st = event_doc(payload, type, occurred_at_ms, ev);
    }
    if (st != FANTASY_OK) {
        fantasy__event_clear(ev);
        return st;
    }
    event_keys(park, type, ev);
    return FANTASY_OK;
}

fantasy_status fantasy__event_make(fantasy_park *park, const char *type, const cJSON *payload,
                                   const char *derived_subject, int64_t occurred_at_ms,
                                   fantasy__event *ev) {
    const payload_src p = { .obj = payload };
    return make(park, type, &p, derived_subject, occurred_at_ms, ev);
}

fantasy_status fantasy__event_make_fields(fantasy_park *park, const char *type,
                                          const fantasy__json_field *fields, size_t n_fields,
                                          const char *derived_subject, int64_t occurred_at_ms,
                                          fantasy__event *ev) {
    const payload_src p = { .fields = fields, .n_fields = n_fields };
    return make(park, type, &p, derived_subject, occurred_at_ms, ev);
}

void fantasy__event_clear(fantasy__event *ev) {
    if (ev->a && ev->doc != ev->doc_buf) {
        fantasy__free(ev->a, ev->doc);
    }
    ev->doc = NULL;
    ev->doc_len = 0;
    ev->a = NULL;
}

fantasy_status fantasy__event_publish(fantasy_park *park, const char *type, const cJSON *payload,
                                      const char *derived_subject, int64_t occurred_at_ms) {
    fantasy__event ev;
    fantasy_status st =
        fantasy__event_make(park, type, payload, derived_subject, occurred_at_ms, &ev);
    if (st != FANTASY_OK) {
        return st;
    }
    st = park->records.apply(park->records.self, &ev.op, 1, NULL);
    if (st == FANTASY_OK) {
        fantasy__events_committed(park, 1);
    } else if (st == FANTASY_EEXISTS) {
        /* The same derived id is already stored: a repair or a replay, nothing new to wake. */
        fantasy__error_clear();
        st = FANTASY_OK;
    }
    fantasy__event_clear(&ev);
    return st;
}

void fantasy__events_committed(fantasy_park *park, size_t n) {
    if (n == 0) {
        return;
    }
    atomic_fetch_add(&park->subs.published, (long long)n);
    /* Broadcast under the lock: a poller checks the counter under it before waiting, so the
     * wake-up cannot fall between its check and its wait. */
    pthread_mutex_lock(&park->subs.lock);
    pthread_cond_broadcast(&park->subs.wake);
    pthread_mutex_unlock(&park->subs.lock);
}

/* ------------------------------------------------------------------------------------------ */
/* Retention                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* The milliseconds an id starts with (ids.h layout); -1 when it is not one of ours. */
static int64_t id_ms(const char *id) {
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (!id || strlen(id) < 10) {
        return -1;
    }
    int64_t ms = 0;
    for (int i = 0; i < 10; i++) {
        const char *at = id[i] ? strchr(alphabet, id[i]) : NULL;
        if (!at) {
            return -1;
        }
        ms = ms * 32 + (int64_t)(at - alphabet);
    }
    return ms;
}

/* Keys that keep an event: "unsent:*" (a relay still has to publish it) and the undelivered key
 * of every topic some group of this park subscribes to. */
static fantasy_status protecting_keys(fantasy_park *park, fantasy_list *keys) {
    fantasy_list *found = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &found);
    for (int pass = 0; pass < 2 && st == FANTASY_OK; pass++) {
        const char *prefix = pass == 0 ? "unsent:" : "undelivered:";
        char after[600] = "";
        size_t got = PURGE_PAGE;
        while (st == FANTASY_OK && got == PURGE_PAGE) {
            fantasy_list_clear(found);
            st = park->records.find_keys(park->records.self, FANTASY__OUTBOX, prefix, after,
                                         PURGE_PAGE, found);
            got = st == FANTASY_OK ? fantasy_list_size(found) : 0;
            for (size_t i = 0; i < got && st == FANTASY_OK; i++) {
                const char *k = fantasy_list_str(found, i);
                if (pass == 0 || fantasy__subs_has_topic(park, k + strlen(prefix))) {
                    st = fantasy_list_add(keys, k, 0);
                }
                (void)snprintf(after, sizeof after, "%s", k);
            }
        }
    }
    fantasy_list_free(found);
    return st;
}

/* Mark (num = 1) the page items that hold `key`. Every event holds "all", so the ids holding
 * `key` after `cursor` that fall in this page are among the first `n` of them. */
static fantasy_status mark_held(fantasy_park *park, const char *key, const char *cursor,
                                fantasy_list *page, int *held, fantasy_list *scratch) {
    size_t n = fantasy_list_size(page);
    fantasy_list_clear(scratch);
    fantasy_status st =
        park->records.find(park->records.self, FANTASY__OUTBOX, key, cursor, n, scratch);
    for (size_t i = 0, j = 0; st == FANTASY_OK && i < fantasy_list_size(scratch); i++) {
        const char *id = fantasy_list_str(scratch, i);
        while (j < n && strcmp(fantasy_list_str(page, j), id) < 0) {
            j++;
        }
        if (j < n && strcmp(fantasy_list_str(page, j), id) == 0) {
            held[j] = 1;
        }
    }
    return st;
}

/* Delete the bus state records that name event `id`, after the event itself is gone. */
static fantasy_status purge_state(fantasy_park *park, const char *key, fantasy_list *scratch,
                                  size_t first_n, fantasy_record_op *ops, size_t n_ops) {
    fantasy_status st = FANTASY_OK;
    size_t n = first_n;
    while (st == FANTASY_OK && n == STATE_PAGE) {
        fantasy_list_clear(scratch);
        st = park->records.find(park->records.self, FANTASY__BUS_STATE, key, NULL, STATE_PAGE,
                                scratch);
        n = st == FANTASY_OK ? fantasy_list_size(scratch) : 0;
        for (size_t i = 0; i < n && i < n_ops; i++) {
            ops[i] = (fantasy_record_op){ .kind = FANTASY_OP_DEL,
                                          .mode = FANTASY_WRITE_ANY,
                                          .collection = FANTASY__BUS_STATE,
                                          .id = fantasy_list_str(scratch, i) };
        }
        if (n > 0) {
            st = park->records.apply(park->records.self, ops, n, NULL);
        }
    }
    return st;
}

/* Delete one event, unless it changed meanwhile, with the bus state records that name it: the
 * first page in the same batch, so a group never loses its done record while the event lives. */
static fantasy_status purge_one(fantasy_park *park, const char *id, int64_t version,
                                fantasy_list *scratch, int64_t *purged) {
    char key[128];
    (void)snprintf(key, sizeof key, "event:%s", id);
    fantasy_list_clear(scratch);
    fantasy_status st =
        park->records.find(park->records.self, FANTASY__BUS_STATE, key, NULL, STATE_PAGE, scratch);
    size_t n = st == FANTASY_OK ? fantasy_list_size(scratch) : 0;
    fantasy_record_op ops[1 + STATE_PAGE];
    ops[0] = (fantasy_record_op){ .kind = FANTASY_OP_DEL,
                                  .mode = FANTASY_WRITE_IF_VERSION,
                                  .collection = FANTASY__OUTBOX,
                                  .id = id,
                                  .expected_version = version };
    for (size_t i = 0; i < n; i++) {
        ops[1 + i] = (fantasy_record_op){ .kind = FANTASY_OP_DEL,
                                          .mode = FANTASY_WRITE_ANY,
                                          .collection = FANTASY__BUS_STATE,
                                          .id = fantasy_list_str(scratch, i) };
    }
    if (st == FANTASY_OK) {
        st = park->records.apply(park->records.self, ops, 1 + n, NULL);
    }
    if (st == FANTASY_OK) {
        (*purged)++;
        st = purge_state(park, key, scratch, n, ops, STATE_PAGE);
    } else if (st == FANTASY_ECONFLICT || st == FANTASY_ENOTFOUND) {
        /* Changed or gone since we looked: the next run decides again. */
        fantasy__error_clear();
        st = FANTASY_OK;
    }
    return st;
}

/* One page of "all": purge the old unprotected ones. *more = 0 once a young event is reached. */
static fantasy_status purge_page(fantasy_park *park, const fantasy_list *keys, int64_t cutoff,
                                 fantasy_list *page, const char *cursor, int *more,
                                 int64_t *purged) {
    size_t n = fantasy_list_size(page);
    int held[PURGE_PAGE] = { 0 };
    fantasy_list *scratch = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &scratch);
    for (size_t k = 0; st == FANTASY_OK && k < fantasy_list_size(keys); k++) {
        st = mark_held(park, fantasy_list_str(keys, k), cursor, page, held, scratch);
    }
    *more = n == PURGE_PAGE;
    for (size_t i = 0; st == FANTASY_OK && i < n; i++) {
        const char *id = fantasy_list_str(page, i);
        int64_t ms = id_ms(id);
        if (ms >= cutoff) {
            *more = 0; /* ids are time-ordered: everything after this one is younger */
            break;
        }
        if (ms >= 0 && !held[i]) {
            st = purge_one(park, id, fantasy_list_num(page, i), scratch, purged);
        }
    }
    fantasy_list_free(scratch);
    return st;
}

fantasy_status fantasy__outbox_purge(fantasy_park *park, int64_t *purged) {
    *purged = 0;
    int64_t now = fantasy__now(park);
    int64_t retention = park->settings.outbox_retention_ms;
    if (now - retention <= 0) {
        return FANTASY_OK;
    }
    int64_t cutoff = now - retention;
    fantasy_list *keys = NULL, *page = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &keys);
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &page);
    }
    if (st == FANTASY_OK) {
        st = protecting_keys(park, keys);
    }
    char cursor[FANTASY_ID_MAX] = "";
    int more = 1;
    while (st == FANTASY_OK && more) {
        fantasy_list_clear(page);
        st = park->records.find(park->records.self, FANTASY__OUTBOX, "all", cursor, PURGE_PAGE,
                                page);
        if (st == FANTASY_OK) {
            st = purge_page(park, keys, cutoff, page, cursor, &more, purged);
        }
        if (st == FANTASY_OK && more) {
            (void)snprintf(cursor, sizeof cursor, "%s",
                           fantasy_list_str(page, fantasy_list_size(page) - 1));
        }
    }
    fantasy_list_free(page);
    fantasy_list_free(keys);
    return st;
}
