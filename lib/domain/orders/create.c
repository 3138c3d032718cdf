/* orders.create (PORTS.md step 1): idempotency record, then the hold, then one apply. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"
#include "domain/products/product.h"

/* "idem:<user_id>:orders.create:<key>", cut at `cap` as snprintf would: built per order, so
 * without the format machinery. */
static void idem_key(char *out, size_t cap, const char *user_id, const char *key) {
    const char *const parts[] = { "idem:", user_id, ":orders.create:", key };
    size_t at = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t n = strlen(parts[i]);
        n = n < cap - 1 - at ? n : cap - 1 - at;
        memcpy(out + at, parts[i], n);
        at += n;
    }
    out[at] = '\0';
}

/* The order an earlier success with this key made, when there is one (*found). */
static fantasy_status replay(fantasy_park *park, const fantasy_actor *actor, const char *ikey,
                             const char *product_id, int64_t qty, int *found, cJSON **result) {
    fantasy_list *ids = NULL;
    *found = 0;
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    st = st ? st
            : park->records.find(park->records.self, FANTASY__COL_IDEMPOTENCY, ikey, NULL, 1, ids);
    if (st != FANTASY_OK || fantasy_list_size(ids) == 0) {
        fantasy_list_free(ids);
        return st;
    }
    cJSON *order = NULL;
    int64_t ver = 0;
    st = fantasy__order_load(park, NULL, fantasy_list_str(ids, 0), 0, &order, &ver);
    fantasy_list_free(ids);
    if (st != FANTASY_OK) {
        return st;
    }
    *found = 1;
    (void)actor;
    if (strcmp(fantasy__json_get_str(order, "product_id"), product_id) != 0 ||
        fantasy__json_get_int(order, "quantity") != qty) {
        st = fantasy__fail(FANTASY_EIDEMPOTENCY, "idempotency_key was used with other arguments");
    } else {
        st = fantasy__order_json(park, order, ver, result);
    }
    cJSON_Delete(order);
    return st;
}

/* Members named by string literals: cJSON keeps the name's pointer instead of copying it, two
 * allocations fewer per member of an object made on every order. Takes `item`. */
static fantasy_status put_lit(cJSON *o, const char *name, cJSON *item) {
    if (!item || !cJSON_AddItemToObjectCS(o, name, item)) {
        cJSON_Delete(item);
        return fantasy__oom();
    }
    return FANTASY_OK;
}

static fantasy_status put_lit_str(cJSON *o, const char *name, const char *s) {
    return put_lit(o, name, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static fantasy_status put_lit_int(cJSON *o, const char *name, int64_t v) {
    return put_lit(o, name, cJSON_CreateNumber((double)v));
}

/* fantasy__json_put_money, with literal names. */
static fantasy_status put_lit_money(cJSON *o, const char *name, const fantasy_money *m) {
    cJSON *amount = cJSON_CreateObject();
    fantasy_status st = amount ? put_lit_int(amount, "amount", m->amount_minor) : fantasy__oom();
    st = st ? st : put_lit_str(amount, "currency", m->currency);
    if (st != FANTASY_OK) {
        cJSON_Delete(amount);
        return st;
    }
    return put_lit(o, name, amount);
}

static fantasy_status new_order(fantasy_park *park, const char *id, const char *user_id,
                                const char *product_id, int64_t qty, const fantasy_money *amount,
                                const char *key, cJSON **out) {
    int64_t now = fantasy__now(park);
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? FANTASY_OK : fantasy__oom();
    st = st ? st : put_lit_str(o, "order_id", id);
    st = st ? st : put_lit_str(o, "user_id", user_id);
    st = st ? st : put_lit_str(o, "product_id", product_id);
    st = st ? st : put_lit_int(o, "quantity", qty);
    st = st ? st : put_lit_money(o, "amount", amount);
    st = st ? st : put_lit_str(o, "status", "PENDING_PAYMENT");
    st = st ? st : put_lit_int(o, "expires_at", now + park->settings.order_ttl_ms);
    st = st ? st : put_lit(o, "payment", cJSON_CreateNull());
    st = st ? st : put_lit_int(o, "created_at", now);
    st = st ? st : put_lit_str(o, "idempotency_key", key);
    st = st ? st : put_lit_int(o, "lease_until", 0);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

/* The one apply: order + idempotency record + events. */
static fantasy_status record_order(fantasy_park *park, const cJSON *order, const char *ikey,
                                   int64_t *ver) {
    fantasy__batch b;
    fantasy_status st = fantasy__batch_init(park, &b, 2);
    if (st != FANTASY_OK) {
        return st;
    }
    cJSON *idem = cJSON_CreateObject();
    st = idem ? put_lit_str(idem, "order_id", fantasy__json_get_str(order, "order_id"))
              : fantasy__oom();
    st = st ? st : fantasy__batch_order(&b, order, 0);
    st = st ? st
            : fantasy__batch_doc(&b, FANTASY__COL_IDEMPOTENCY,
                                 fantasy__json_get_str(order, "order_id"), idem, 0, NULL, ikey);
    st = st ? st : fantasy__batch_event(&b, "orders.created", order);
    st = st ? st : fantasy__batch_event(&b, "inventory.reserved", order);
    fantasy_stock_counts c;
    if (st == FANTASY_OK &&
        park->stock.counts(park->stock.self, fantasy__json_get_str(order, "product_id"), &c) ==
            FANTASY_OK &&
        c.available == 0) {
        st = fantasy__batch_event(&b, "inventory.sold_out", order);
    }
    st = st ? st : fantasy__batch_apply(&b, ver);
    fantasy__batch_free(&b);
    cJSON_Delete(idem);
    return st;
}

static fantasy_status reserve(fantasy_park *park, const cJSON *order, int64_t limit) {
    fantasy_hold h = {
        .hold_id = fantasy__json_get_str(order, "order_id"),
        .product_id = fantasy__json_get_str(order, "product_id"),
        .user_id = fantasy__json_get_str(order, "user_id"),
        .qty = fantasy__json_get_int(order, "quantity"),
        .per_user_limit = limit,
        .expires_at_ms = fantasy__json_get_int(order, "expires_at"),
    };
    return park->stock.reserve(park->stock.self, &h);
}

fantasy_status fantasy__orders_create(fantasy_park *park, const fantasy_actor *actor,
                                      const char *product_id, int64_t qty, const char *key,
                                      cJSON **result) {
    char ikey[600];
    idem_key(ikey, sizeof ikey, actor->user_id, key);
    int found = 0;
    fantasy_status st = replay(park, actor, ikey, product_id, qty, &found, result);
    if (st != FANTASY_OK || found) {
        return st;
    }
    fantasy_money amount;
    int64_t limit = 0, ver = 0;
    char id[FANTASY_ID_MAX];
    cJSON *order = NULL;
    st = fantasy__product_sale(park, actor, product_id, qty, &amount, &limit);
    st = st ? st : fantasy__park_id(park, id);
    st = st ? st : new_order(park, id, actor->user_id, product_id, qty, &amount, key, &order);
    st = st ? st : reserve(park, order, limit);
    if (st == FANTASY_OK) {
        st = record_order(park, order, ikey, &ver);
        if (st != FANTASY_OK) {
            /* Nothing recorded: the hold must not outlive the failure. */
            (void)park->stock.release(park->stock.self, id);
        }
        if (st == FANTASY_EEXISTS) {
            st = replay(park, actor, ikey, product_id, qty, &found, result);
            st = st == FANTASY_OK && !found
                     ? fantasy__fail(FANTASY_ECONFLICT, "idempotency race lost, winner vanished")
                     : st;
        } else if (st == FANTASY_OK) {
            st = fantasy__order_json_take(park, order, ver, result);
            order = NULL;
        }
    }
    cJSON_Delete(order);
    return st;
}
