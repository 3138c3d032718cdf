/* Order and ticket documents, and batches of writes with their events. */
#include "domain/orders/order.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"

fantasy_status fantasy__batch_init(fantasy_park *park, fantasy__batch *b, size_t cap) {
    /* Not a memset: the inline docs are kilobytes, and only the first ndocs / nevs are read. */
    b->park = park;
    b->ndocs = b->nevs = 0;
    b->cap = cap;
    if (cap <= FANTASY__BATCH_INLINE) {
        b->docs = b->inline_docs;
        b->ops = b->inline_ops;
        return FANTASY_OK;
    }
    b->docs = fantasy__alloc(&park->alloc, cap * sizeof *b->docs);
    b->ops = fantasy__alloc(&park->alloc, (cap + FANTASY__BATCH_EVENTS) * sizeof *b->ops);
    if (!b->docs || !b->ops) {
        fantasy__batch_free(b);
        return fantasy__oom();
    }
    return FANTASY_OK;
}

fantasy_status fantasy__batch_doc(fantasy__batch *b, const char *col, const char *id,
                                  const cJSON *doc, int64_t expected, const char *const *keys,
                                  const char *unique) {
    if (b->ndocs == b->cap) {
        return fantasy__fail(FANTASY_EMISUSE, "batch full");
    }
    fantasy_status st =
        fantasy__docw_make(b->park, &b->docs[b->ndocs], col, id, doc, expected, keys, unique);
    b->ndocs++; /* counted even on failure so free clears it */
    return st;
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

fantasy_status fantasy__batch_order(fantasy__batch *b, const cJSON *doc, int64_t expected) {
    char k_status[128], k_user[128];
    join2(k_status, sizeof k_status, FANTASY__KEY_STATUS, fantasy__json_get_str(doc, "status"));
    join2(k_user, sizeof k_user, FANTASY__KEY_USER, fantasy__json_get_str(doc, "user_id"));
    const char *keys[6] = { FANTASY__KEY_ALL, k_status, k_user, NULL };
    size_t n = 3;
    if (fantasy__order_marked(doc, FANTASY__ORDER_RELEASE)) {
        keys[n++] = FANTASY__KEY_RELEASE;
    }
    if (fantasy__order_marked(doc, FANTASY__ORDER_GIVE_BACK)) {
        keys[n++] = FANTASY__KEY_GIVE_BACK;
    }
    return fantasy__batch_doc(b, FANTASY__COL_ORDERS, fantasy__json_get_str(doc, "order_id"), doc,
                              expected, keys, NULL);
}

fantasy_status fantasy__batch_event(fantasy__batch *b, const char *type, const cJSON *order) {
    if (b->nevs == FANTASY__BATCH_EVENTS) {
        return fantasy__fail(FANTASY_EMISUSE, "batch: too many events");
    }
    /* The payload straight from the order's fields: no cJSON object per event. */
    const char *order_id = fantasy__json_get_str(order, "order_id");
    const fantasy__json_field payload[] = {
        { .name = "order_id", .str = order_id },
        { .name = "hold_id", .str = order_id },
        { .name = "user_id", .str = fantasy__json_get_str(order, "user_id") },
        { .name = "product_id", .str = fantasy__json_get_str(order, "product_id") },
        { .name = "quantity", .num = fantasy__json_get_int(order, "quantity") },
    };
    fantasy_status st =
        fantasy__event_make_fields(b->park, type, payload, sizeof payload / sizeof payload[0], NULL,
                                   fantasy__now(b->park), &b->evs[b->nevs]);
    if (st == FANTASY_OK) {
        b->nevs++;
    }
    return st;
}

fantasy_status fantasy__batch_apply(fantasy__batch *b, int64_t *version) {
    size_t n = 0;
    for (size_t i = 0; i < b->ndocs; i++) {
        b->ops[n++] = b->docs[i].op;
    }
    for (size_t i = 0; i < b->nevs; i++) {
        b->ops[n++] = b->evs[i].op;
    }
    int64_t small[FANTASY__BATCH_INLINE + FANTASY__BATCH_EVENTS];
    int64_t *vers = n <= sizeof small / sizeof small[0]
                        ? small
                        : fantasy__alloc(&b->park->alloc, n * sizeof *vers);
    if (!vers) {
        return fantasy__oom();
    }
    fantasy_status st = b->park->records.apply(b->park->records.self, b->ops, n, vers);
    if (st == FANTASY_OK && version && n > 0) {
        *version = vers[0];
    }
    if (vers != small) {
        fantasy__free(&b->park->alloc, vers);
    }
    if (st == FANTASY_OK && b->nevs > 0) {
        fantasy__events_committed(b->park, b->nevs);
    }
    return st;
}

void fantasy__batch_free(fantasy__batch *b) {
    for (size_t i = 0; i < b->ndocs; i++) {
        fantasy__docw_clear(&b->docs[i]);
    }
    for (size_t i = 0; i < b->nevs; i++) {
        fantasy__event_clear(&b->evs[i]);
    }
    if (b->park && b->docs != b->inline_docs) {
        fantasy__free(&b->park->alloc, b->docs);
        fantasy__free(&b->park->alloc, b->ops);
    }
    b->docs = NULL;
    b->ops = NULL;
    b->ndocs = b->nevs = 0;
}

fantasy_status fantasy__order_load(fantasy_park *park, const fantasy_actor *actor, const char *id,
                                   int owner_only, cJSON **doc, int64_t *version) {
    fantasy_status st = fantasy__doc_load(park, FANTASY__COL_ORDERS, "order", id, doc, version);
    if (st != FANTASY_OK || !actor) {
        return st;
    }
    int staff = actor->role >= FANTASY_ROLE_MANAGER && !owner_only;
    if (!staff && strcmp(actor->user_id, fantasy__json_get_str(*doc, "user_id")) != 0) {
        /* Other users' orders are not revealed. */
        cJSON_Delete(*doc);
        *doc = NULL;
        return fantasy__fail(FANTASY_ENOTFOUND, "order %s not found", id);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__ticket_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                    cJSON **out) {
    (void)park;
    (void)version;
    static const char *const fields[] = { "ticket_id", "order_id", "product_id",
                                          "user_id",   "status",   NULL };
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? FANTASY_OK : fantasy__oom();
    for (size_t i = 0; fields[i] && st == FANTASY_OK; i++) {
        st = fantasy__json_put_str(o, fields[i], fantasy__json_get_str(doc, fields[i]));
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

static fantasy_status order_tickets(fantasy_park *park, const char *order_id, cJSON **out) {
    char key[128];
    (void)snprintf(key, sizeof key, "order:%s", order_id);
    cJSON *page = NULL;
    const fantasy__doc_query q = { FANTASY__COL_TICKETS, key, NULL, NULL, fantasy__ticket_json };
    fantasy_status st = fantasy__doc_page(park, &q, NULL, FANTASY__ORDER_MAX_QTY, &page);
    if (st == FANTASY_OK) {
        *out = cJSON_DetachItemFromObjectCaseSensitive(page, "items");
        cJSON_Delete(page);
    }
    return st;
}

/* Tickets are written in the apply that makes an order PAID, so an order that never got there
 * has none and needs no query. */
static int may_have_tickets(const char *status) {
    static const char *const before_paid[] = { "PENDING_PAYMENT", "PAYING",  "PAYMENT_UNKNOWN",
                                               "CANCELED",        "EXPIRED", NULL };
    for (size_t i = 0; before_paid[i]; i++) {
        if (strcmp(status, before_paid[i]) == 0) {
            return 0;
        }
    }
    return 1;
}

static int is_internal(const char *name) {
    static const char *const internal[] = { "lease_until",          "idempotency_key",
                                            "refund_key",           FANTASY__ORDER_GIVE_BACK,
                                            FANTASY__ORDER_RELEASE, NULL };
    for (size_t i = 0; name && internal[i]; i++) {
        /* The first letter settles most members without a call. */
        if (name[0] == internal[i][0] && strcmp(name, internal[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A copy of `item` (named as in the doc) without the members `skip` names (NULL: a full copy).
 * The copy keeps its name, so it is appended to its object as is. */
static cJSON *copy_member(const cJSON *item, const char *skip) {
    if (!skip || !cJSON_IsObject(item)) {
        return cJSON_Duplicate(item, 1);
    }
    cJSON *o = cJSON_Duplicate(item, 0);
    for (const cJSON *c = o ? item->child : NULL; c; c = c->next) {
        if (c->string && strcmp(c->string, skip) == 0) {
            continue;
        }
        cJSON *d = cJSON_Duplicate(c, 1);
        if (!d) {
            cJSON_Delete(o);
            return NULL;
        }
        cJSON_AddItemToArray(o, d);
    }
    return o;
}

/* The doc's public members in their stored order; the payment without its provider key. */
static fantasy_status public_members(const cJSON *doc, cJSON *o) {
    for (const cJSON *c = doc->child; c; c = c->next) {
        if (is_internal(c->string)) {
            continue;
        }
        int is_pay = c->string && strcmp(c->string, "payment") == 0;
        cJSON *d = copy_member(c, is_pay ? "provider_key" : NULL);
        if (!d) {
            return fantasy__oom();
        }
        cJSON_AddItemToArray(o, d);
    }
    return FANTASY_OK;
}

/* Add the tickets (none before PAID) and the version to the API object `o`. */
static fantasy_status finish_api(fantasy_park *park, const cJSON *doc, int64_t version, cJSON *o) {
    cJSON *tickets = NULL;
    fantasy_status st = FANTASY_OK;
    if (may_have_tickets(fantasy__json_get_str(doc, "status"))) {
        st = order_tickets(park, fantasy__json_get_str(doc, "order_id"), &tickets);
    } else {
        tickets = cJSON_CreateArray();
        st = tickets ? FANTASY_OK : fantasy__oom();
    }
    st = st ? st : fantasy__json_put(o, "tickets", tickets);
    return st ? st : fantasy__json_put_int(o, "version", version);
}

fantasy_status fantasy__order_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                   cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? public_members(doc, o) : fantasy__oom();
    st = st ? st : finish_api(park, doc, version, o);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

fantasy_status fantasy__order_json_take(fantasy_park *park, cJSON *doc, int64_t version,
                                        cJSON **out) {
    cJSON *next = NULL;
    for (cJSON *c = doc->child; c; c = next) {
        next = c->next;
        if (is_internal(c->string)) {
            cJSON_Delete(cJSON_DetachItemViaPointer(doc, c));
        }
    }
    cJSON *pay = fantasy__json_get(doc, "payment");
    if (cJSON_IsObject(pay)) {
        cJSON_DeleteItemFromObjectCaseSensitive(pay, "provider_key");
    }
    fantasy_status st = finish_api(park, doc, version, doc);
    if (st != FANTASY_OK) {
        cJSON_Delete(doc);
        return st;
    }
    *out = doc;
    return FANTASY_OK;
}

fantasy_status fantasy__order_set_status(cJSON *doc, const char *status) {
    return fantasy__doc_set_str(doc, "status", status);
}

fantasy_status fantasy__order_move(fantasy_park *park, cJSON *doc, int64_t *version,
                                   const char *status, const char *const *events) {
    fantasy__batch b;
    fantasy_status st = fantasy__batch_init(park, &b, 1);
    if (st != FANTASY_OK) {
        return st;
    }
    st = fantasy__order_set_status(doc, status);
    st = st ? st : fantasy__batch_order(&b, doc, *version);
    for (size_t i = 0; events && events[i] && st == FANTASY_OK; i++) {
        st = fantasy__batch_event(&b, events[i], doc);
    }
    st = st ? st : fantasy__batch_apply(&b, version);
    fantasy__batch_free(&b);
    if (st == FANTASY_ECONFLICT) {
        return fantasy__fail(st, "order %s changed meanwhile",
                             fantasy__json_get_str(doc, "order_id"));
    }
    return st;
}
