/* park.* methods: the manual clock, run_due and stats. */
#include <stdio.h>
#include <string.h>

#include "api/method.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/collections.h"

static fantasy_status m_advance_clock(fantasy_park *park, const fantasy_actor *actor,
                                      const cJSON *args, cJSON **result) {
    (void)actor;
    int64_t ms = 0, now = 0;
    fantasy_status st = fantasy__json_int(args, "ms", 1, 0, FANTASY__JSON_MAX_INT, &ms, NULL);
    if (st == FANTASY_OK) {
        st = fantasy_park_advance_clock(park, ms, &now);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    *result = cJSON_CreateObject();
    return *result ? fantasy__json_put_int(*result, "now", now) : fantasy__oom();
}

static fantasy_status m_run_due(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                                cJSON **result) {
    (void)actor;
    (void)args;
    fantasy_due_counts c;
    fantasy_status st = fantasy_park_run_due(park, &c);
    if (st != FANTASY_OK) {
        return st;
    }
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return fantasy__oom();
    }

    const struct {
        const char *name;
        int64_t v;
    } fields[] = {
        { "holds_expired", c.holds_expired },
        { "orders_expired", c.orders_expired },
        { "no_shows", c.no_shows },
        { "payments_resolved", c.payments_resolved },
        { "events_relayed", c.events_relayed },
        { "events_purged", c.events_purged },
    };

    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && st == FANTASY_OK; i++) {
        st = fantasy__json_put_int(o, fields[i].name, fields[i].v);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *result = o;
    return FANTASY_OK;
}

/* Walk every id holding `key` in `collection`, a page at a time. */
typedef fantasy_status (*visit_fn)(fantasy_park *park, const char *id, cJSON *out);

static fantasy_status each_id(fantasy_park *park, const char *collection, const char *key,
                              visit_fn visit, cJSON *out) {
    fantasy_list *ids = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    char after[FANTASY_ID_MAX] = "";
    while (st == FANTASY_OK) {
        fantasy_list_clear(ids);
        st = park->records.find(park->records.self, collection, key, after, 100, ids);
        size_t n = fantasy_list_size(ids);
        for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
            st = visit(park, fantasy_list_str(ids, i), out);
        }
        if (st != FANTASY_OK || n < 100) {
            break;
        }
        (void)snprintf(after, sizeof after, "%s", fantasy_list_str(ids, n - 1));
    }
    fantasy_list_free(ids);
    return st;
}

static fantasy_status visit_product(fantasy_park *park, const char *id, cJSON *out) {
    fantasy_stock_counts c;
    fantasy_status st = park->stock.counts(park->stock.self, id, &c);
    if (st == FANTASY_ENOTFOUND) {
        return FANTASY_OK; /* a product whose counters were never created has nothing to show */
    }
    cJSON *o = st == FANTASY_OK ? cJSON_CreateObject() : NULL;
    if (st == FANTASY_OK && !o) {
        st = fantasy__oom();
    }
    const char *names[] = { "stock", "available", "held", "sold" };
    const int64_t vals[] = { c.stock, c.available, c.held, c.sold };
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "product_id", id);
    }
    for (size_t i = 0; i < 4 && st == FANTASY_OK; i++) {
        st = fantasy__json_put_int(o, names[i], vals[i]);
    }
    if (st == FANTASY_OK && !cJSON_AddItemToArray(out, o)) {
        st = fantasy__oom();
    } else if (st != FANTASY_OK) {
        cJSON_Delete(o);
    }
    return st;
}

static fantasy_status visit_ride(fantasy_park *park, const char *id, cJSON *out) {
    fantasy_queue_counts c;
    fantasy_status st = park->queues.counts(park->queues.self, id, &c);
    cJSON *o = st == FANTASY_OK ? cJSON_CreateObject() : NULL;
    if (st == FANTASY_OK && !o) {
        st = fantasy__oom();
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "attraction_id", id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "waiting", c.waiting);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "called", c.called);
    }
    if (st == FANTASY_OK && !cJSON_AddItemToArray(out, o)) {
        st = fantasy__oom();
    } else if (st != FANTASY_OK) {
        cJSON_Delete(o);
    }
    return st;
}

static fantasy_status order_counts(fantasy_park *park, cJSON *out) {
    static const char *const statuses[] = FANTASY__ORDER_STATUSES;
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; statuses[i] && st == FANTASY_OK; i++) {
        char key[64];
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_STATUS, statuses[i]);
        int64_t n = 0;
        st = park->records.count(park->records.self, FANTASY__COL_ORDERS, key, &n);
        if (st == FANTASY_OK) {
            st = fantasy__json_put_int(out, statuses[i], n);
        }
    }
    return st;
}

static fantasy_status bus_counts(fantasy_park *park, cJSON *out) {
    fantasy_status st = fantasy__json_put_int(out, "published", atomic_load(&park->subs.published));
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(out, "dead_lettered", atomic_load(&park->subs.dead_lettered));
    }
    return st;
}

static fantasy_status m_stats(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                              cJSON **result) {
    (void)actor;
    (void)args;
    cJSON *o = cJSON_CreateObject();
    cJSON *products = cJSON_CreateArray(), *queues = cJSON_CreateArray();
    cJSON *orders = cJSON_CreateObject(), *bus = cJSON_CreateObject();
    fantasy_status st = (o && products && queues && orders && bus) ? FANTASY_OK : fantasy__oom();
    if (st == FANTASY_OK) {
        st = each_id(park, FANTASY__COL_PRODUCTS, FANTASY__KEY_ALL, visit_product, products);
    }
    if (st == FANTASY_OK) {
        st = each_id(park, FANTASY__COL_ATTRACTIONS, FANTASY__KEY_TYPE "RIDE", visit_ride, queues);
    }
    if (st == FANTASY_OK) {
        st = order_counts(park, orders);
    }
    if (st == FANTASY_OK) {
        st = bus_counts(park, bus);
    }
    cJSON *parts[] = { products, queues, orders, bus };
    const char *names[] = { "products", "queues", "orders", "bus" };
    for (size_t i = 0; i < 4; i++) {
        if (st == FANTASY_OK && o) {
            st = fantasy__json_put(o, names[i], parts[i]); /* taken even on failure */
        } else {
            cJSON_Delete(parts[i]);
        }
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *result = o;
    return FANTASY_OK;
}

const fantasy__method fantasy__park_methods[] = {
    { "park.advance_clock", FANTASY_ROLE_SYSTEM, FANTASY__M_SYSTEM_ONLY, m_advance_clock },
    { "park.run_due", FANTASY_ROLE_SYSTEM, FANTASY__M_SYSTEM_ONLY, m_run_due },
    { "park.stats", FANTASY_ROLE_MANAGER, 0, m_stats },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
