/* orders.* and tickets.* JSON methods (API.md). */
#include <stdio.h>
#include <string.h>

#include "api/method.h"
#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

static fantasy_status read_order_id(const cJSON *args, const char *const *fields, const char **id) {
    fantasy_status st = fantasy__json_only(args, fields);
    return st ? st : fantasy__json_str(args, "order_id", 1, id, NULL);
}

static fantasy_status need_user(const fantasy_actor *actor) {
    if (!actor->user_id[0]) {
        return fantasy__fail(FANTASY_EINVAL, "this method acts for a user");
    }
    return FANTASY_OK;
}

static fantasy_status m_create(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    static const char *const fields[] = { "product_id", "quantity", "idempotency_key", NULL };
    const char *pid = NULL, *key = NULL;
    int64_t qty = 0;
    fantasy_status st = need_user(actor);
    st = st ? st : fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "product_id", 1, &pid, NULL);
    st = st ? st : fantasy__json_int(args, "quantity", 1, 1, FANTASY__ORDER_MAX_QTY, &qty, NULL);
    st = st ? st : fantasy__json_str(args, "idempotency_key", 1, &key, NULL);
    if (st == FANTASY_OK && (!key[0] || strlen(key) > 200)) {
        st = fantasy__fail(FANTASY_EINVAL, "idempotency_key must be 1-200 bytes");
    }
    return st ? st : fantasy__orders_create(park, actor, pid, qty, key, result);
}

static fantasy_status m_pay(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    static const char *const fields[] = { "order_id", "payment_key", "amount", NULL };
    const char *id = NULL, *key = NULL;
    fantasy_money amount;
    fantasy_status st = read_order_id(args, fields, &id);
    st = st ? st : fantasy__json_str(args, "payment_key", 1, &key, NULL);
    if (st == FANTASY_OK && (!key[0] || strlen(key) > 200)) {
        st = fantasy__fail(FANTASY_EINVAL, "payment_key must be 1-200 bytes");
    }
    st = st ? st : fantasy__json_money(args, "amount", 1, &amount, NULL);
    return st ? st : fantasy__orders_pay(park, actor, id, key, &amount, result);
}

static fantasy_status m_cancel(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    static const char *const fields[] = { "order_id", "reason", NULL };
    const char *id = NULL, *reason = NULL;
    fantasy_status st = read_order_id(args, fields, &id);
    st = st ? st : fantasy__json_str(args, "reason", 0, &reason, NULL);
    return st ? st : fantasy__orders_cancel(park, actor, id, reason, result);
}

static fantasy_status m_get(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    static const char *const fields[] = { "order_id", NULL };
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = read_order_id(args, fields, &id);
    st = st ? st : fantasy__order_load(park, actor, id, 0, &doc, &ver);
    st = st ? st : fantasy__order_json(park, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

typedef struct order_filter {
    const char *status;
    const char *user_id;
} order_filter;

static int keep_order(const cJSON *doc, const void *ctx) {
    const order_filter *f = ctx;
    return (!f->status || strcmp(f->status, fantasy__json_get_str(doc, "status")) == 0) &&
           (!f->user_id || strcmp(f->user_id, fantasy__json_get_str(doc, "user_id")) == 0);
}

static fantasy_status m_list(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    static const char *const fields[] = { "status", "user_id", "cursor", "limit", NULL };
    order_filter f = { NULL, NULL };
    int64_t limit = 0;
    const char *cursor = NULL;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "status", 0, &f.status, NULL);
    st = st ? st : fantasy__json_str(args, "user_id", 0, &f.user_id, NULL);
    st = st ? st : fantasy__json_page(args, &limit, &cursor);
    if (st == FANTASY_OK && actor->role < FANTASY_ROLE_MANAGER) {
        if (f.user_id && strcmp(f.user_id, actor->user_id) != 0) {
            st = fantasy__fail(FANTASY_EPERM, "only MANAGER lists other users' orders");
        }
        f.user_id = actor->user_id;
    }
    if (st != FANTASY_OK) {
        return st;
    }
    char key[128];
    if (f.user_id) {
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_USER, f.user_id);
    } else if (f.status) {
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_STATUS, f.status);
    } else {
        (void)snprintf(key, sizeof key, "%s", FANTASY__KEY_ALL);
    }
    const fantasy__doc_query q = { FANTASY__COL_ORDERS, key, keep_order, &f, fantasy__order_json };
    return fantasy__doc_page(park, &q, cursor, limit, result);
}

const fantasy__method fantasy__orders_methods[] = {
    { "orders.create", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_create },
    { "orders.pay", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_pay },
    { "orders.cancel", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_cancel },
    { "orders.get", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_get },
    { "orders.list", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_list },
    { "tickets.get", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, fantasy__tickets_get },
    { "tickets.list", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, fantasy__tickets_list },
    { "tickets.redeem", FANTASY_ROLE_MANAGER, 0, fantasy__tickets_redeem },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
