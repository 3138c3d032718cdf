/* park.run_due: a table of steps, each doing what has come due on the park clock. */
#include "core/due.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/outbox.h"
#include "core/park_internal.h"

#define HOLD_BATCH 256

/* Order matters only where a step's writes feed a later one. Later issues append their steps
 * (orders expiry, queue no-shows, payment resolution, the Kafka relay) to this table. */
const fantasy__due_step fantasy__due_steps[] = {
    fantasy__due_orders, /* before the sweep: an order's hold is released by its order */
    fantasy__due_holds,  fantasy__due_outbox, fantasy__due_no_shows, NULL,
};

/* The inventory.expired payload: {hold_id, product_id, user_id, quantity}. */
static fantasy_status expired_payload(const char *hold_id, const fantasy_hold_info *info,
                                      cJSON **out) {
    cJSON *p = cJSON_CreateObject();
    if (!p) {
        return fantasy__oom();
    }
    fantasy_status st = fantasy__json_put_str(p, "hold_id", hold_id);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "product_id", info->product_id[0] ? info->product_id : NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "user_id", info->user_id[0] ? info->user_id : NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(p, "quantity", info->qty);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(p);
        return st;
    }
    *out = p;
    return FANTASY_OK;
}

/* The event for one hold the sweep expired. Its id is derived from the hold id and its expiry,
 * so writing it again (a rerun, a repair) finds the same record instead of a second event. */
static fantasy_status hold_expired_event(fantasy_park *park, const char *hold_id, int64_t qty,
                                         int64_t now_ms) {
    fantasy_hold_info info;
    memset(&info, 0, sizeof info);
    fantasy_status first = park->stock.hold(park->stock.self, hold_id, &info);
    if (first != FANTASY_OK) {
        /* Still announce the expiry with what the sweep told us; report the lookup failure. */
        memset(&info, 0, sizeof info);
        info.qty = qty;
        info.expires_at_ms = now_ms;
    }
    cJSON *payload = NULL;
    char msg[512] = "";
    if (first != FANTASY_OK) {
        (void)snprintf(msg, sizeof msg, "%s", fantasy_error_last());
    }
    fantasy_status st = expired_payload(hold_id, &info, &payload);
    if (st == FANTASY_OK) {
        int64_t at =
            info.expires_at_ms > 0 && info.expires_at_ms <= now_ms ? info.expires_at_ms : now_ms;
        st = fantasy__event_publish(park, "inventory.expired", payload, hold_id, at);
    }
    cJSON_Delete(payload);
    if (first != FANTASY_OK) {
        return fantasy__fail(first, "run_due: hold %s: %s", hold_id, msg);
    }
    return st;
}

fantasy_status fantasy__due_holds(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts) {
    fantasy_list *ids = NULL;
    fantasy_status first = fantasy_list_new(&park->alloc, &ids);
    size_t got = HOLD_BATCH;
    while (first == FANTASY_OK && got == HOLD_BATCH) {
        fantasy_list_clear(ids);
        first = park->stock.expire(park->stock.self, now_ms, HOLD_BATCH, ids);
        got = first == FANTASY_OK ? fantasy_list_size(ids) : 0;
        counts->holds_expired += (int64_t)got;
        /* Each hold is already EXPIRED in the stock store: announce all of them even if one
         * event fails, and report the first failure. */
        for (size_t i = 0; i < got; i++) {
            fantasy_status st = hold_expired_event(park, fantasy_list_str(ids, i),
                                                   fantasy_list_num(ids, i), now_ms);
            if (st != FANTASY_OK && first == FANTASY_OK) {
                first = st;
            }
        }
    }
    fantasy_list_free(ids);
    return first;
}

fantasy_status fantasy__due_outbox(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts) {
    (void)now_ms; /* retention reads the clock itself, like every other caller of the purge */
    int64_t purged = 0;
    fantasy_status st = fantasy__outbox_purge(park, &purged);
    counts->events_purged += purged;
    return st;
}

FANTASY_API fantasy_status fantasy_park_run_due(fantasy_park *park, fantasy_due_counts *out) {
    fantasy__error_clear();
    if (out) {
        memset(out, 0, sizeof *out);
    }
    FANTASY__CHECK_PARK(park);
    fantasy_due_counts counts;
    memset(&counts, 0, sizeof counts);
    int64_t now = fantasy__now(park);
    fantasy_status first = FANTASY_OK;
    char first_msg[512] = "";
    for (size_t i = 0; fantasy__due_steps[i]; i++) {
        fantasy_status st = fantasy__due_steps[i](park, now, &counts);
        if (st != FANTASY_OK && first == FANTASY_OK) {
            first = st;
            (void)snprintf(first_msg, sizeof first_msg, "%s", fantasy_error_last());
        }
    }
    if (out) {
        *out = counts;
    }
    if (first != FANTASY_OK) {
        /* Later steps may have overwritten the thread's message; the first error's text wins. */
        return fantasy__fail(first, "%s", first_msg);
    }
    fantasy__error_clear();
    return FANTASY_OK;
}
