/* The typed C API of include/fantasy/orders.h, over the same handlers as the JSON methods. */
#include <stdio.h>
#include <string.h>

#include "fantasy/orders.h"

#include "core/json.h"
#include "domain/orders/order.h"

static void copy_str(char *dst, size_t cap, const cJSON *o, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    (void)snprintf(dst, cap, "%s", cJSON_IsString(f) ? f->valuestring : "");
}

static void to_ticket(const cJSON *t, fantasy_ticket *out) {
    memset(out, 0, sizeof *out);
    copy_str(out->ticket_id, sizeof out->ticket_id, t, "ticket_id");
    copy_str(out->order_id, sizeof out->order_id, t, "order_id");
    copy_str(out->product_id, sizeof out->product_id, t, "product_id");
    copy_str(out->user_id, sizeof out->user_id, t, "user_id");
    copy_str(out->status, sizeof out->status, t, "status");
}

/* The order and its tickets in one host-owned block (freed by fantasy_free). */
static fantasy_status to_order(fantasy_park *park, const cJSON *r, fantasy_order **out) {
    const cJSON *tickets = cJSON_GetObjectItemCaseSensitive(r, "tickets");
    size_t n = (size_t)cJSON_GetArraySize(tickets);
    size_t size = sizeof(fantasy_order) + n * sizeof(fantasy_ticket);
    fantasy_order *o = fantasy__calloc(&park->alloc, 1, size);
    if (!o) {
        return fantasy__oom();
    }
    copy_str(o->order_id, sizeof o->order_id, r, "order_id");
    copy_str(o->user_id, sizeof o->user_id, r, "user_id");
    copy_str(o->product_id, sizeof o->product_id, r, "product_id");
    copy_str(o->status, sizeof o->status, r, "status");
    o->quantity = fantasy__doc_int(r, "quantity");
    (void)fantasy__json_money(r, "amount", 1, &o->amount, NULL);
    o->expires_at_ms = fantasy__doc_int(r, "expires_at");
    o->created_at_ms = fantasy__doc_int(r, "created_at");
    const cJSON *pay = cJSON_GetObjectItemCaseSensitive(r, "payment");
    if (cJSON_IsObject(pay)) {
        copy_str(o->payment_key, sizeof o->payment_key, pay, "payment_key");
        copy_str(o->payment_id, sizeof o->payment_id, pay, "payment_id");
    }
    fantasy_ticket *t = (fantasy_ticket *)(void *)(o + 1);
    for (size_t i = 0; i < n; i++) {
        to_ticket(cJSON_GetArrayItem(tickets, (int)i), &t[i]);
    }
    o->n_tickets = n;
    fantasy_order *copy =
        (fantasy_order *)(void *)fantasy__out_strndup(&park->alloc, (const char *)o, size);
    fantasy__free(&park->alloc, o);
    if (!copy) {
        return fantasy__oom();
    }
    copy->tickets = n ? (fantasy_ticket *)(void *)(copy + 1) : NULL;
    *out = copy;
    return FANTASY_OK;
}

static fantasy_status run(fantasy_park *park, const fantasy_actor *actor, const char *method,
                          cJSON *args, fantasy_order **out) {
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, method, args, &r);
    st = st ? st : to_order(park, r, out);
    cJSON_Delete(r);
    return st;
}

/* Arguments from NULL-terminated name/value string pairs; NULL values are left out. */
static cJSON *str_args(const char *const *kv) {
    cJSON *a = cJSON_CreateObject();
    for (size_t i = 0; a && kv[i]; i += 2) {
        if (kv[i + 1] && fantasy__json_put_str(a, kv[i], kv[i + 1]) != FANTASY_OK) {
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

#define ENTER(park, ok)                                                           \
    do {                                                                          \
        fantasy__error_clear();                                                   \
        FANTASY__CHECK_PARK(park);                                                \
        if (!(ok)) {                                                              \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__); \
        }                                                                         \
    } while (0)

FANTASY_API fantasy_status fantasy_orders_create(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *product_id, int64_t quantity,
                                                 const char *idempotency_key, fantasy_order **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, product_id && idempotency_key && out);
    const char *kv[] = { "product_id", product_id, "idempotency_key", idempotency_key, NULL };
    cJSON *a = str_args(kv);
    if (a && fantasy__json_put_int(a, "quantity", quantity) != FANTASY_OK) {
        cJSON_Delete(a);
        a = NULL;
    }
    return run(park, actor, "orders.create", a, out);
}

FANTASY_API fantasy_status fantasy_orders_pay(fantasy_park *park, const fantasy_actor *actor,
                                              const char *order_id, const char *payment_key,
                                              const fantasy_money *amount, fantasy_order **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, order_id && payment_key && amount && out);
    const char *kv[] = { "order_id", order_id, "payment_key", payment_key, NULL };
    cJSON *a = str_args(kv);
    if (a && fantasy__json_put_money(a, "amount", amount) != FANTASY_OK) {
        cJSON_Delete(a);
        a = NULL;
    }
    return run(park, actor, "orders.pay", a, out);
}

FANTASY_API fantasy_status fantasy_orders_cancel(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *order_id, const char *reason,
                                                 fantasy_order **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, order_id && out);
    const char *kv[] = { "order_id", order_id, "reason", reason, NULL };
    return run(park, actor, "orders.cancel", str_args(kv), out);
}

FANTASY_API fantasy_status fantasy_orders_get(fantasy_park *park, const fantasy_actor *actor,
                                              const char *order_id, fantasy_order **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, order_id && out);
    const char *kv[] = { "order_id", order_id, NULL };
    return run(park, actor, "orders.get", str_args(kv), out);
}

FANTASY_API fantasy_status fantasy_tickets_redeem(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *ticket_id, fantasy_ticket *out) {
    if (out) {
        memset(out, 0, sizeof *out);
    }
    ENTER(park, ticket_id);
    const char *kv[] = { "ticket_id", ticket_id, NULL };
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, "tickets.redeem", str_args(kv), &r);
    if (st == FANTASY_OK && out) {
        to_ticket(r, out);
    }
    cJSON_Delete(r);
    return st;
}

FANTASY_API void fantasy_order_free(fantasy_order *order) {
    fantasy_free(order);
}
