/* run_due for orders (PORTS.md step 4): expire unpaid orders, resume sagas under a lease. */
#include <stdio.h>
#include <string.h>

#include "core/due.h"
#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

#define RESUME_BATCH 128

/* Take the saga lease by CAS on the order's version: only one process wins it. */
static fantasy_status take_lease(fantasy_park *park, cJSON *doc, int64_t *ver, int64_t now) {
    char status[32];
    (void)snprintf(status, sizeof status, "%s", fantasy__json_get_str(doc, "status"));
    fantasy_status st =
        fantasy__doc_set_int(doc, "lease_until", now + park->settings.saga_lease_ms);
    return st ? st : fantasy__order_move(park, doc, ver, status, NULL);
}

/* Look the payment attempt up with the same key and finish the step. */
static fantasy_status resolve_payment(fantasy_park *park, cJSON *doc, int64_t *ver, int64_t now,
                                      fantasy_due_counts *counts) {
    fantasy_status st = take_lease(park, doc, ver, now);
    if (st != FANTASY_OK) {
        return st;
    }
    const cJSON *pay = fantasy__json_get(doc, "payment");
    fantasy_payment_result r;
    memset(&r, 0, sizeof r);
    st = park->payments.lookup(park->payments.self, fantasy__json_get_str(pay, "provider_key"), &r);
    if (st == FANTASY_OK && r.outcome == FANTASY_PAYMENT_APPROVED) {
        st = fantasy__order_finish_paid(park, doc, ver, r.payment_id);
    } else if (st == FANTASY_OK &&
               (r.outcome == FANTASY_PAYMENT_DECLINED || r.outcome == FANTASY_PAYMENT_NOT_FOUND)) {
        /* Not found: the request never reached the provider, so nothing was declined. */
        st = fantasy__order_unpay(park, doc, ver, r.outcome == FANTASY_PAYMENT_DECLINED);
    } else {
        /* Still unknown: never guess; free the lease for the next run. */
        fantasy_status s2 = fantasy__doc_set_int(doc, "lease_until", 0);
        s2 = s2 ? s2 : fantasy__order_move(park, doc, ver, "PAYMENT_UNKNOWN", NULL);
        return st ? st : s2;
    }
    if (st == FANTASY_OK) {
        counts->payments_resolved++;
    }
    return st;
}

static fantasy_status resume_one(fantasy_park *park, const char *id, int64_t now,
                                 fantasy_due_counts *counts) {
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = fantasy__order_load(park, NULL, id, 0, &doc, &ver);
    if (st != FANTASY_OK) {
        return st == FANTASY_ENOTFOUND ? FANTASY_OK : st;
    }
    const char *s = fantasy__json_get_str(doc, "status");
    int lapsed = fantasy__json_get_int(doc, "lease_until") <= now;
    if (strcmp(s, "PENDING_PAYMENT") == 0 && fantasy__json_get_int(doc, "expires_at") <= now) {
        st = fantasy__order_expire(park, doc, &ver, NULL);
        counts->orders_expired += st == FANTASY_OK;
    } else if (strcmp(s, "PAYMENT_UNKNOWN") == 0 || (strcmp(s, "PAYING") == 0 && lapsed)) {
        st = resolve_payment(park, doc, &ver, now, counts);
    } else if (strcmp(s, "REFUND_PENDING") == 0 && lapsed) {
        st = fantasy__order_refund(park, doc, &ver, NULL);
        counts->payments_resolved += st == FANTASY_OK;
        /* A refused or unknown refund stays REFUND_PENDING for the next run: not a failure. */
        st = st == FANTASY_EDECLINED || st == FANTASY_EPAYUNKNOWN ? FANTASY_OK : st;
    } else if (strcmp(s, "REFUNDED") == 0 || strcmp(s, "CANCELED") == 0 ||
               strcmp(s, "EXPIRED") == 0) {
        /* Found by a pending key: a step in the stock store a crash left unrecorded. */
        st = fantasy__order_finish_steps(park, doc, &ver);
    }
    cJSON_Delete(doc);
    /* Another process took this order first: it is theirs to finish. */
    return st == FANTASY_ECONFLICT ? FANTASY_OK : st;
}

/* Every order holding `key`, in id order, a batch at a time. */
static fantasy_status resume_key(fantasy_park *park, const char *key, int64_t now,
                                 fantasy_due_counts *counts) {
    char after[FANTASY_ID_MAX] = "";
    fantasy_list *ids = NULL;
    fantasy_status first = fantasy_list_new(&park->alloc, &ids);
    size_t got = RESUME_BATCH;
    while (first == FANTASY_OK && got == RESUME_BATCH) {
        fantasy_list_clear(ids);
        first = park->records.find(park->records.self, FANTASY__COL_ORDERS, key, after,
                                   RESUME_BATCH, ids);
        got = first == FANTASY_OK ? fantasy_list_size(ids) : 0;
        for (size_t i = 0; i < got; i++) {
            fantasy_status st = resume_one(park, fantasy_list_str(ids, i), now, counts);
            first = first == FANTASY_OK ? st : first;
        }
        if (got > 0) {
            (void)snprintf(after, sizeof after, "%s", fantasy_list_str(ids, got - 1));
        }
    }
    fantasy_list_free(ids);
    return first;
}

fantasy_status fantasy__due_orders(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts) {
    /* An ended order is visited only while a step in the stock store is pending (the pending
     * keys): the cost of a run does not grow with every order ever refunded or canceled. */
    static const char *const keys[] = { FANTASY__KEY_STATUS "PENDING_PAYMENT",
                                        FANTASY__KEY_STATUS "PAYMENT_UNKNOWN",
                                        FANTASY__KEY_STATUS "PAYING",
                                        FANTASY__KEY_STATUS "REFUND_PENDING",
                                        FANTASY__KEY_RELEASE,
                                        FANTASY__KEY_GIVE_BACK,
                                        NULL };
    fantasy_status first = FANTASY_OK;
    for (size_t i = 0; keys[i]; i++) {
        fantasy_status st = resume_key(park, keys[i], now_ms, counts);
        first = first == FANTASY_OK ? st : first;
    }
    return first;
}
