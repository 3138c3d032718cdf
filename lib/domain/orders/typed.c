/* The typed C API of include/fantasy/orders.h, over the same handlers as the JSON methods. */
#include <stdio.h>
#include <string.h>

#include "fantasy/orders.h"

#include "core/json.h"
#include "domain/orders/order.h"
#include "domain/products/docs.h"

/* snprintf(dst, cap, "%s", …) without the format machinery: a dozen fields per result. */
static void copy_str(char *dst, size_t cap, const cJSON *o, const char *name) {
    const cJSON *f = fantasy__json_get(o, name);
    const char *s = cJSON_IsString(f) ? f->valuestring : "";
    size_t n = strlen(s);
    n = n < cap ? n : cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void to_ticket(const cJSON *t, fantasy_ticket *out) {
    memset(out, 0, sizeof *out);
    copy_str(out->ticket_id, sizeof out->ticket_id, t, "ticket_id");
    copy_str(out->order_id, sizeof out->order_id, t, "order_id");
    copy_str(out->product_id, sizeof out->product_id, t, "product_id");
    copy_str(out->user_id, sizeof out->user_id, t, "user_id");
    copy_str(out->status, sizeof out->status, t, "status");
}

/* Fill `o` from an API order; its tickets go to `t` (room for all of them). o->tickets is set
 * by link_tickets once the block is in its final place. */
static void fill_order(const cJSON *r, fantasy_order *o, fantasy_ticket *t) {
    memset(o, 0, sizeof *o);
    copy_str(o->order_id, sizeof o->order_id, r, "order_id");
    copy_str(o->user_id, sizeof o->user_id, r, "user_id");
    copy_str(o->product_id, sizeof o->product_id, r, "product_id");
    copy_str(o->status, sizeof o->status, r, "status");
    o->quantity = fantasy__json_get_int(r, "quantity");
    (void)fantasy__json_money(r, "amount", 1, &o->amount, NULL);
    o->expires_at_ms = fantasy__json_get_int(r, "expires_at");
    o->created_at_ms = fantasy__json_get_int(r, "created_at");
    const cJSON *pay = fantasy__json_get(r, "payment");
    if (cJSON_IsObject(pay)) {
        copy_str(o->payment_key, sizeof o->payment_key, pay, "payment_key");
        copy_str(o->payment_id, sizeof o->payment_id, pay, "payment_id");
    }
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, fantasy__json_get(r, "tickets")) {
        to_ticket(it, &t[o->n_tickets++]);
    }
}

static size_t count_tickets(const cJSON *order) {
    return (size_t)cJSON_GetArraySize(fantasy__json_get(order, "tickets"));
}

/* Each order's tickets are the next run of `t`. */
static void link_tickets(fantasy_order *orders, size_t n, fantasy_ticket *t) {
    for (size_t i = 0; i < n; i++) {
        orders[i].tickets = orders[i].n_tickets ? t : NULL;
        t += orders[i].n_tickets;
    }
}

/* A host-owned copy of the `total` bytes built at `tmp` (freed here), or NULL. */
static unsigned char *to_host(fantasy_park *park, unsigned char *tmp, size_t total) {
    unsigned char *block =
        (unsigned char *)fantasy__out_strndup(&park->alloc, (const char *)tmp, total);
    fantasy__free(&park->alloc, tmp);
    return block;
}

/* The order and its tickets in one host-owned block (freed by fantasy_free). */
static fantasy_status to_order(fantasy_park *park, const cJSON *r, fantasy_order **out) {
    size_t total = sizeof(fantasy_order) + count_tickets(r) * sizeof(fantasy_ticket);
    unsigned char *tmp = fantasy__calloc(&park->alloc, 1, total);
    if (!tmp) {
        return fantasy__oom();
    }
    fill_order(r, (fantasy_order *)(void *)tmp,
               (fantasy_ticket *)(void *)(tmp + sizeof(fantasy_order)));
    unsigned char *block = to_host(park, tmp, total);
    if (!block) {
        return fantasy__oom();
    }
    fantasy_order *o = (fantasy_order *)(void *)block;
    link_tickets(o, 1, (fantasy_ticket *)(void *)(block + sizeof *o));
    *out = o;
    return FANTASY_OK;
}

/* The page, its orders, then every order's tickets, in one host-owned block. The page's size is
 * a multiple of its alignment, which is an order's too; tickets need none beyond char. */
static fantasy_status to_order_page(fantasy_park *park, const cJSON *r, fantasy_order_page **out) {
    const cJSON *items = fantasy__json_get(r, "items");
    size_t n = (size_t)cJSON_GetArraySize(items), n_tickets = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, items) {
        n_tickets += count_tickets(it);
    }
    size_t head = sizeof(fantasy_order_page), tickets_at = head + n * sizeof(fantasy_order);
    size_t total = tickets_at + n_tickets * sizeof(fantasy_ticket);
    unsigned char *tmp = fantasy__calloc(&park->alloc, 1, total);
    if (!tmp) {
        return fantasy__oom();
    }
    fantasy_order_page *page = (fantasy_order_page *)(void *)tmp;
    fantasy_order *o = (fantasy_order *)(void *)(tmp + head);
    fantasy_ticket *t = (fantasy_ticket *)(void *)(tmp + tickets_at);
    page->n = n;
    copy_str(page->next_cursor, sizeof page->next_cursor, r, "next_cursor");
    size_t i = 0;
    cJSON_ArrayForEach(it, items) {
        fill_order(it, &o[i], t);
        t += o[i++].n_tickets;
    }
    unsigned char *block = to_host(park, tmp, total);
    if (!block) {
        return fantasy__oom();
    }
    page = (fantasy_order_page *)(void *)block;
    page->items = n ? (fantasy_order *)(void *)(block + head) : NULL;
    link_tickets(page->items, n, (fantasy_ticket *)(void *)(block + tickets_at));
    *out = page;
    return FANTASY_OK;
}

static fantasy_status to_ticket_page(fantasy_park *park, const cJSON *r,
                                     fantasy_ticket_page **out) {
    const cJSON *items = fantasy__json_get(r, "items");
    size_t n = (size_t)cJSON_GetArraySize(items), head = sizeof(fantasy_ticket_page);
    size_t total = head + n * sizeof(fantasy_ticket);
    unsigned char *tmp = fantasy__calloc(&park->alloc, 1, total);
    if (!tmp) {
        return fantasy__oom();
    }
    fantasy_ticket_page *page = (fantasy_ticket_page *)(void *)tmp;
    fantasy_ticket *t = (fantasy_ticket *)(void *)(tmp + head);
    page->n = n;
    copy_str(page->next_cursor, sizeof page->next_cursor, r, "next_cursor");
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, items) {
        to_ticket(it, t++);
    }
    unsigned char *block = to_host(park, tmp, total);
    if (!block) {
        return fantasy__oom();
    }
    page = (fantasy_ticket_page *)(void *)block;
    page->items = n ? (fantasy_ticket *)(void *)(block + head) : NULL;
    *out = page;
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
    return fantasy__sales_args(kv, NULL, 0);
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

FANTASY_API fantasy_status fantasy_orders_list(fantasy_park *park, const fantasy_actor *actor,
                                               const char *status, const char *user_id,
                                               const char *cursor, int limit,
                                               fantasy_order_page **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, out);
    const char *kv[] = { "status", status, "user_id", user_id, NULL };
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, "orders.list",
                                                  fantasy__sales_args(kv, cursor, limit), &r);
    st = st ? st : to_order_page(park, r, out);
    cJSON_Delete(r);
    return st;
}

FANTASY_API fantasy_status fantasy_tickets_get(fantasy_park *park, const fantasy_actor *actor,
                                               const char *ticket_id, fantasy_ticket *out) {
    if (out) {
        memset(out, 0, sizeof *out);
    }
    ENTER(park, ticket_id && out);
    const char *kv[] = { "ticket_id", ticket_id, NULL };
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, "tickets.get", str_args(kv), &r);
    if (st == FANTASY_OK) {
        to_ticket(r, out);
    }
    cJSON_Delete(r);
    return st;
}

FANTASY_API fantasy_status fantasy_tickets_list(fantasy_park *park, const fantasy_actor *actor,
                                                const char *status, const char *cursor, int limit,
                                                fantasy_ticket_page **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, out);
    const char *kv[] = { "status", status, NULL };
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, "tickets.list",
                                                  fantasy__sales_args(kv, cursor, limit), &r);
    st = st ? st : to_ticket_page(park, r, out);
    cJSON_Delete(r);
    return st;
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

FANTASY_API void fantasy_order_page_free(fantasy_order_page *page) {
    fantasy_free(page);
}

FANTASY_API void fantasy_ticket_page_free(fantasy_ticket_page *page) {
    fantasy_free(page);
}
