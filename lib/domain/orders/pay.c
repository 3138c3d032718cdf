/* orders.pay (PORTS.md step 2) and the steps that finish or undo a payment. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

/* One VALID ticket per unit, in the same batch as PAID. */
static fantasy_status add_tickets(fantasy_park *park, fantasy__batch *b, const cJSON *doc,
                                  int64_t qty) {
    const char *oid = fantasy__json_get_str(doc, "order_id");
    fantasy_status st = FANTASY_OK;
    char key_user[128], key_order[128];
    (void)snprintf(key_user, sizeof key_user, "%s%s", FANTASY__KEY_USER,
                   fantasy__json_get_str(doc, "user_id"));
    (void)snprintf(key_order, sizeof key_order, "order:%s", oid);
    const char *keys[] = { FANTASY__KEY_ALL, "status:VALID", key_user, key_order, NULL };
    char ids[FANTASY__ORDER_MAX_QTY][FANTASY_ID_MAX];
    for (int64_t i = 0; i < qty && st == FANTASY_OK; i++) {
        cJSON *t = cJSON_CreateObject();
        st = t ? fantasy__park_id(park, ids[i]) : fantasy__oom();
        st = st ? st : fantasy__json_put_str(t, "ticket_id", ids[i]);
        st = st ? st : fantasy__json_put_str(t, "order_id", oid);
        st = st ? st
                : fantasy__json_put_str(t, "product_id", fantasy__json_get_str(doc, "product_id"));
        st = st ? st : fantasy__json_put_str(t, "user_id", fantasy__json_get_str(doc, "user_id"));
        st = st ? st : fantasy__json_put_str(t, "status", "VALID");
        st = st ? st : fantasy__batch_doc(b, FANTASY__COL_TICKETS, ids[i], t, 0, keys, NULL);
        cJSON_Delete(t);
    }
    return st;
}

/* PAID with one VALID ticket per unit, after the hold is confirmed. */
fantasy_status fantasy__order_finish_paid(fantasy_park *park, cJSON *doc, int64_t *version,
                                          const char *payment_id) {
    const char *oid = fantasy__json_get_str(doc, "order_id");
    fantasy_status st = park->stock.confirm(park->stock.self, oid, fantasy__now(park));
    if (st != FANTASY_OK) {
        return st;
    }
    int64_t qty = fantasy__json_get_int(doc, "quantity");
    fantasy__batch b;
    st = fantasy__batch_init(park, &b, (size_t)qty + 1);
    if (st != FANTASY_OK) {
        return st;
    }
    cJSON *pay = fantasy__json_get(doc, "payment");
    if (cJSON_IsObject(pay)) {
        cJSON_DeleteItemFromObjectCaseSensitive(pay, "payment_id");
        st = fantasy__json_put_str(pay, "payment_id", payment_id);
    }
    st = st ? st : fantasy__doc_set_int(doc, "lease_until", 0);
    st = st ? st : fantasy__order_set_status(doc, "PAID");
    st = st ? st : fantasy__batch_order(&b, doc, *version);
    st = st ? st : add_tickets(park, &b, doc, qty);
    st = st ? st : fantasy__batch_event(&b, "orders.paid", doc);
    st = st ? st : fantasy__batch_event(&b, "payments.confirmed", doc);
    st = st ? st : fantasy__batch_event(&b, "inventory.sold", doc);
    st = st ? st : fantasy__batch_apply(&b, version);
    fantasy__batch_free(&b);
    return st;
}

/* No payment attached and no lease: nothing is in flight any more. */
static fantasy_status drop_payment(cJSON *doc) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "payment");
    fantasy_status st = fantasy__json_put_null(doc, "payment");
    return st ? st : fantasy__doc_set_int(doc, "lease_until", 0);
}

fantasy_status fantasy__order_unpay(fantasy_park *park, cJSON *doc, int64_t *version,
                                    int declined) {
    const char *cause = declined ? "payments.declined" : NULL;
    fantasy_status st = drop_payment(doc);
    if (st == FANTASY_OK && fantasy__now(park) >= fantasy__json_get_int(doc, "expires_at")) {
        return fantasy__order_expire(park, doc, version, cause);
    }
    const char *const events[] = { cause, NULL };
    st = st ? st : fantasy__order_move(park, doc, version, "PENDING_PAYMENT", events);
    if (st == FANTASY_OK) {
        st = park->stock.extend(park->stock.self, fantasy__json_get_str(doc, "order_id"),
                                fantasy__json_get_int(doc, "expires_at"));
        if (st == FANTASY_ESTATE || st == FANTASY_ENOTFOUND) {
            /* The hold is gone (swept): nothing left to pay for, so the order ends too. */
            fantasy__error_clear();
            st = fantasy__order_expire(park, doc, version, NULL);
        }
    }
    return st;
}

/* Check what may be paid: AMOUNT_MISMATCH first, then the state, then the expiry. *done says
 * the order is already PAID with this payment_key (returned unchanged). */
static fantasy_status check_pay(fantasy_park *park, const cJSON *doc, const char *payment_key,
                                const fantasy_money *amount, int *done) {
    fantasy_money want;
    fantasy_status st = fantasy__json_money(doc, "amount", 1, &want, NULL);
    if (st == FANTASY_OK && (want.amount_minor != amount->amount_minor ||
                             strcmp(want.currency, amount->currency) != 0)) {
        return fantasy__fail(FANTASY_EAMOUNT, "amount must be %lld %s",
                             (long long)want.amount_minor, want.currency);
    }
    const char *status = fantasy__json_get_str(doc, "status");
    const cJSON *pay = fantasy__json_get(doc, "payment");
    *done = 0;
    if (st != FANTASY_OK) {
        return st;
    }
    if (strcmp(status, "PAID") == 0) {
        if (strcmp(fantasy__json_get_str(pay, "payment_key"), payment_key) == 0) {
            *done = 1;
            return FANTASY_OK;
        }
        return fantasy__fail(FANTASY_ESTATE, "order is already paid with another payment_key");
    }
    if (strcmp(status, "PAYING") == 0 || strcmp(status, "PAYMENT_UNKNOWN") == 0) {
        return fantasy__fail(FANTASY_ECONFLICT, "a payment of this order is in flight");
    }
    if (strcmp(status, "PENDING_PAYMENT") != 0) {
        return fantasy__fail(FANTASY_ESTATE, "order is %s", status);
    }
    if (fantasy__now(park) >= fantasy__json_get_int(doc, "expires_at")) {
        return fantasy__fail(FANTASY_EEXPIRED, "order expired before payment");
    }
    return FANTASY_OK;
}

/* PAYING with the lease and the attempt's provider key, written before the provider is called. */
static fantasy_status start_paying(fantasy_park *park, cJSON *doc, int64_t *version,
                                   const char *payment_key, char *provider_key) {
    fantasy__id_derived(0, fantasy__json_get_str(doc, "order_id"), payment_key, provider_key);
    cJSON *pay = cJSON_CreateObject();
    fantasy_status st = pay ? FANTASY_OK : fantasy__oom();
    st = st ? st : fantasy__json_put_str(pay, "payment_key", payment_key);
    st = st ? st : fantasy__json_put_str(pay, "provider_key", provider_key);
    st = st ? st : fantasy__json_put_null(pay, "payment_id");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "payment");
    st = st ? st : fantasy__json_put(doc, "payment", pay);
    if (st != FANTASY_OK) {
        cJSON_Delete(pay);
        return st;
    }
    st =
        fantasy__doc_set_int(doc, "lease_until", fantasy__now(park) + park->settings.saga_lease_ms);
    st = st ? st : fantasy__order_move(park, doc, version, "PAYING", NULL);
    if (st != FANTASY_OK) {
        return st;
    }
    st =
        park->stock.extend(park->stock.self, fantasy__json_get_str(doc, "order_id"), FANTASY_NEVER);
    if (st == FANTASY_ESTATE || st == FANTASY_ENOTFOUND) {
        /* The sweep took the hold: the provider was never called, so nothing was declined; the
         * order ends with its hold. */
        fantasy__error_clear();
        st = drop_payment(doc);
        st = st ? st : fantasy__order_expire(park, doc, version, NULL);
        return st ? st : fantasy__fail(FANTASY_EEXPIRED, "the order's hold has expired");
    }
    return st;
}

static fantasy_status after_provider(fantasy_park *park, cJSON *doc, int64_t *version,
                                     fantasy_status call, const fantasy_payment_result *r) {
    if (call == FANTASY_OK && r->outcome == FANTASY_PAYMENT_APPROVED) {
        return fantasy__order_finish_paid(park, doc, version, r->payment_id);
    }
    if (call == FANTASY_OK && r->outcome == FANTASY_PAYMENT_DECLINED) {
        fantasy_status st = fantasy__order_unpay(park, doc, version, 1);
        return st ? st : fantasy__fail(FANTASY_EDECLINED, "payment declined: %s", r->message);
    }
    /* Nothing is in flight any more: release the lease so run_due may look it up at once. */
    fantasy_status st = fantasy__doc_set_int(doc, "lease_until", 0);
    st = st ? st : fantasy__order_move(park, doc, version, "PAYMENT_UNKNOWN", NULL);
    return st ? st
              : fantasy__fail(FANTASY_EPAYUNKNOWN, "payment outcome unknown; run_due resolves it");
}

fantasy_status fantasy__orders_pay(fantasy_park *park, const fantasy_actor *actor,
                                   const char *order_id, const char *payment_key,
                                   const fantasy_money *amount, cJSON **result) {
    cJSON *doc = NULL;
    int64_t ver = 0;
    int done = 0;
    char provider_key[FANTASY_ID_MAX];
    fantasy_status st = fantasy__order_load(park, actor, order_id, 1, &doc, &ver);
    st = st ? st : check_pay(park, doc, payment_key, amount, &done);
    if (st == FANTASY_OK && !done) {
        st = start_paying(park, doc, &ver, payment_key, provider_key);
        if (st == FANTASY_OK) {
            fantasy_payment_result r;
            memset(&r, 0, sizeof r);
            fantasy_status call = park->payments.confirm(park->payments.self, order_id, payment_key,
                                                         amount, provider_key, &r);
            st = after_provider(park, doc, &ver, call, &r);
        }
    }
    if (st == FANTASY_OK) {
        st = fantasy__order_json(park, doc, ver, result);
    }
    cJSON_Delete(doc);
    return st;
}
