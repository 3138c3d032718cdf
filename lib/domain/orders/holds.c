/* An order's steps in the stock store after its own record moved on: the release of a CANCELED
 * or EXPIRED order's hold, the give-back of a REFUNDED order's units. The record move marks the
 * order pending (a flag behind an index key) in its own apply; the step runs; one more apply drops
 * the mark and carries the step's event. A crash anywhere in between leaves the mark, and run_due
 * repeats the step, which is idempotent, so no unit stays held and no event is lost or doubled. */
#include <string.h>

#include "core/json.h"
#include "core/outbox.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

fantasy_status fantasy__order_mark(cJSON *doc, const char *flag) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, flag);
    return fantasy__json_put_bool(doc, flag, 1);
}

int fantasy__order_marked(const cJSON *doc, const char *flag) {
    return cJSON_IsTrue(fantasy__json_get(doc, flag));
}

/* The apply that ends a step: the mark goes, with `event` when not NULL. A concurrent run_due
 * that settled it first (CONFLICT) leaves nothing to do. */
static fantasy_status settle(fantasy_park *park, cJSON *doc, int64_t *version, const char *flag,
                             const char *event) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, flag);
    fantasy__batch b;
    fantasy_status st = fantasy__batch_init(park, &b, 1);
    if (st != FANTASY_OK) {
        return st;
    }
    st = fantasy__batch_order(&b, doc, *version);
    if (st == FANTASY_OK && event) {
        st = fantasy__batch_event(&b, event, doc);
    }
    st = st ? st : fantasy__batch_apply(&b, version);
    fantasy__batch_free(&b);
    if (st == FANTASY_ECONFLICT) {
        fantasy__error_clear();
        st = FANTASY_OK;
    }
    return st;
}

fantasy_status fantasy__order_give_back(fantasy_park *park, cJSON *doc, int64_t *version) {
    /* A replay on a RETURNED hold succeeds unchanged (PORTS.md), so a rerun after a crash
     * between the two steps lands here too and still announces the return once. */
    fantasy_status st =
        park->stock.give_back(park->stock.self, fantasy__json_get_str(doc, "order_id"));
    if (st == FANTASY_ENOTFOUND) {
        /* The stock store never knew this hold: no units to give back, nothing to announce. */
        fantasy__error_clear();
        return settle(park, doc, version, FANTASY__ORDER_GIVE_BACK, NULL);
    }
    return st ? st : settle(park, doc, version, FANTASY__ORDER_GIVE_BACK, "inventory.returned");
}

/* inventory.expired for a hold the sweep took, with the id the sweep derives (hold id, expiry):
 * written already → nothing new; lost in a crash after the sweep → repaired (PORTS.md: EXPIRED
 * holds of live orders). */
static fantasy_status repair_expired_event(fantasy_park *park, const char *oid,
                                           const fantasy_hold_info *h) {
    int64_t now = fantasy__now(park);
    int64_t at = h->expires_at_ms > 0 && h->expires_at_ms <= now ? h->expires_at_ms : now;
    cJSON *p = cJSON_CreateObject();
    fantasy_status st = p ? FANTASY_OK : fantasy__oom();
    st = st ? st : fantasy__json_put_str(p, "hold_id", oid);
    st = st ? st : fantasy__json_put_str(p, "product_id", h->product_id);
    st = st ? st : fantasy__json_put_str(p, "user_id", h->user_id);
    st = st ? st : fantasy__json_put_int(p, "quantity", h->qty);
    st = st ? st : fantasy__event_publish(park, "inventory.expired", p, oid, at);
    cJSON_Delete(p);
    return st;
}

fantasy_status fantasy__order_release(fantasy_park *park, cJSON *doc, int64_t *version) {
    const char *oid = fantasy__json_get_str(doc, "order_id");
    fantasy_hold_info h;
    memset(&h, 0, sizeof h);
    fantasy_status st = park->stock.hold(park->stock.self, oid, &h);
    if (st == FANTASY_ENOTFOUND) {
        fantasy__error_clear();
        return settle(park, doc, version, FANTASY__ORDER_RELEASE, NULL);
    }
    if (st == FANTASY_OK && h.state == FANTASY_HOLD_HELD) {
        st = park->stock.release(park->stock.self, oid);
        h.state = FANTASY_HOLD_RELEASED;
    }
    if (st != FANTASY_OK) {
        return st;
    }
    switch (h.state) {
    case FANTASY_HOLD_RELEASED: /* by this step, now or before a crash */
        return settle(park, doc, version, FANTASY__ORDER_RELEASE, "inventory.released");
    case FANTASY_HOLD_EXPIRED: /* the sweep took it first: its event, not ours */
        st = repair_expired_event(park, oid, &h);
        return st ? st : settle(park, doc, version, FANTASY__ORDER_RELEASE, NULL);
    default:
        return fantasy__fail(FANTASY_ESTATE, "order %s is %s but its hold is in state %d", oid,
                             fantasy__json_get_str(doc, "status"), (int)h.state);
    }
}

fantasy_status fantasy__order_finish_steps(fantasy_park *park, cJSON *doc, int64_t *version) {
    fantasy_status st = FANTASY_OK;
    if (fantasy__order_marked(doc, FANTASY__ORDER_RELEASE)) {
        st = fantasy__order_release(park, doc, version);
    }
    if (st == FANTASY_OK && fantasy__order_marked(doc, FANTASY__ORDER_GIVE_BACK)) {
        st = fantasy__order_give_back(park, doc, version);
    }
    return st;
}
