/* orders.cancel (PORTS.md step 3), the refund's steps and an unpaid order's expiry. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

/* VOID every ticket of the order in the same apply as REFUNDED, then give the units back. */
fantasy_status fantasy__order_finish_refund(fantasy_park *park, cJSON *doc, int64_t *version) {
    const char *oid = fantasy__json_get_str(doc, "order_id");
    int64_t qty = fantasy__json_get_int(doc, "quantity");
    char key[128];
    (void)snprintf(key, sizeof key, "order:%s", oid);
    fantasy_list *ids = NULL;
    fantasy__batch b;
    memset(&b, 0, sizeof b);
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    st = st ? st
            : park->records.find(park->records.self, FANTASY__COL_TICKETS, key, NULL,
                                 FANTASY__ORDER_MAX_QTY, ids);
    st = st ? st : fantasy__batch_init(park, &b, (size_t)qty + 1);
    st = st ? st : fantasy__doc_set_int(doc, "lease_until", 0);
    st = st ? st : fantasy__order_set_status(doc, "REFUNDED");
    /* Marked in the same apply as REFUNDED: a crash before the units are back leaves this
     * order on run_due's give-back key. */
    st = st ? st : fantasy__order_mark(doc, FANTASY__ORDER_GIVE_BACK);
    st = st ? st : fantasy__batch_order(&b, doc, *version);
    char k_user[128];
    (void)snprintf(k_user, sizeof k_user, "%s%s", FANTASY__KEY_USER,
                   fantasy__json_get_str(doc, "user_id"));
    const char *keys[] = { FANTASY__KEY_ALL, "status:VOID", k_user, key, NULL };
    for (size_t i = 0; st == FANTASY_OK && i < fantasy_list_size(ids); i++) {
        cJSON *t = NULL;
        int64_t tv = 0;
        st = fantasy__doc_load(park, FANTASY__COL_TICKETS, "ticket", fantasy_list_str(ids, i), &t,
                               &tv);
        st = st ? st : fantasy__doc_set_str(t, "status", "VOID");
        st = st ? st
                : fantasy__batch_doc(&b, FANTASY__COL_TICKETS, fantasy_list_str(ids, i), t, tv,
                                     keys, NULL);
        cJSON_Delete(t);
    }
    st = st ? st : fantasy__batch_event(&b, "orders.refunded", doc);
    st = st ? st : fantasy__batch_event(&b, "payments.canceled", doc);
    st = st ? st : fantasy__batch_apply(&b, version);
    fantasy__batch_free(&b);
    fantasy_list_free(ids);
    /* Only now: a unit is never on sale while its ticket still scans. */
    return st ? st : fantasy__order_give_back(park, doc, version);
}

fantasy_status fantasy__order_expire(fantasy_park *park, cJSON *doc, int64_t *version,
                                     const char *cause) {
    const char *const events[] = { "orders.expired", cause, NULL };
    fantasy_status st = fantasy__order_mark(doc, FANTASY__ORDER_RELEASE);
    st = st ? st : fantasy__order_move(park, doc, version, "EXPIRED", events);
    return st ? st : fantasy__order_release(park, doc, version);
}

static fantasy_status cancel_unpaid(fantasy_park *park, cJSON *doc, int64_t *version) {
    static const char *const events[] = { "orders.canceled", NULL };
    fantasy_status st = fantasy__order_mark(doc, FANTASY__ORDER_RELEASE);
    st = st ? st : fantasy__order_move(park, doc, version, "CANCELED", events);
    return st ? st : fantasy__order_release(park, doc, version);
}

/* The refund: REFUND_PENDING with a lease (written first), then the provider. */
fantasy_status fantasy__order_refund(fantasy_park *park, cJSON *doc, int64_t *version,
                                     const char *reason) {
    char refund_key[FANTASY_ID_MAX];
    fantasy__id_derived(0, fantasy__json_get_str(doc, "order_id"), "refund", refund_key);
    fantasy_status st = fantasy__doc_set_str(doc, "refund_key", refund_key);
    st = st ? st
            : fantasy__doc_set_int(doc, "lease_until",
                                   fantasy__now(park) + park->settings.saga_lease_ms);
    st = st ? st : fantasy__order_move(park, doc, version, "REFUND_PENDING", NULL);
    fantasy_money amount;
    st = st ? st : fantasy__json_money(doc, "amount", 1, &amount, NULL);
    if (st != FANTASY_OK) {
        return st;
    }
    const cJSON *pay = fantasy__json_get(doc, "payment");
    fantasy_payment_result r;
    memset(&r, 0, sizeof r);
    fantasy_status call =
        park->payments.cancel(park->payments.self, fantasy__json_get_str(pay, "payment_key"),
                              &amount, reason ? reason : "canceled", refund_key, &r);
    if (call == FANTASY_OK && r.outcome == FANTASY_PAYMENT_APPROVED) {
        return fantasy__order_finish_refund(park, doc, version);
    }
    /* Not refunded (yet): release the lease so the caller or run_due may retry. */
    st = fantasy__doc_set_int(doc, "lease_until", 0);
    st = st ? st : fantasy__order_move(park, doc, version, "REFUND_PENDING", NULL);
    if (st != FANTASY_OK) {
        return st;
    }
    if (call == FANTASY_OK && r.outcome == FANTASY_PAYMENT_DECLINED) {
        return fantasy__fail(FANTASY_EDECLINED, "refund declined: %s", r.message);
    }
    return fantasy__fail(FANTASY_EPAYUNKNOWN, "refund outcome unknown; run_due retries it");
}

fantasy_status fantasy__orders_cancel(fantasy_park *park, const fantasy_actor *actor,
                                      const char *order_id, const char *reason, cJSON **result) {
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = fantasy__order_load(park, actor, order_id, 0, &doc, &ver);
    const char *status = st == FANTASY_OK ? fantasy__json_get_str(doc, "status") : "";
    if (st != FANTASY_OK) {
        /* nothing to do */
    } else if (strcmp(status, "PENDING_PAYMENT") == 0) {
        st = cancel_unpaid(park, doc, &ver);
    } else if (strcmp(status, "PAID") == 0) {
        st = fantasy__order_refund(park, doc, &ver, reason);
    } else if (strcmp(status, "REFUND_PENDING") == 0) {
        st = fantasy__json_get_int(doc, "lease_until") > fantasy__now(park)
                 ? fantasy__fail(FANTASY_ECONFLICT, "a refund of this order is in flight")
                 : fantasy__order_refund(park, doc, &ver, reason);
    } else if (strcmp(status, "PAYING") == 0 || strcmp(status, "PAYMENT_UNKNOWN") == 0) {
        st = fantasy__fail(FANTASY_ECONFLICT, "a payment of this order is in flight");
    } else {
        st = fantasy__fail(FANTASY_ESTATE, "order is %s", status);
    }
    if (st == FANTASY_OK) {
        st = fantasy__order_json(park, doc, ver, result);
    }
    cJSON_Delete(doc);
    return st;
}
