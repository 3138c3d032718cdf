/* Entry objects, events, the no-show step of run_due and cancelling a deleted ride's queue. */
#include "domain/queues/entry.h"

#include <stdio.h>
#include <string.h>

#include "core/due.h"
#include "core/error.h"
#include "core/json.h"
#include "core/outbox.h"
#include "core/park_internal.h"
#include "domain/collections.h"

#define DUE_BATCH 256

const char *fantasy__entry_status_name(fantasy_entry_status s) {
    switch (s) {
    case FANTASY_ENTRY_WAITING:
        return "WAITING";
    case FANTASY_ENTRY_CALLED:
        return "CALLED";
    case FANTASY_ENTRY_DONE:
        return "DONE";
    case FANTASY_ENTRY_CANCELED:
        return "CANCELED";
    case FANTASY_ENTRY_NO_SHOW:
        return "NO_SHOW";
    }
    return "UNKNOWN";
}

fantasy_status fantasy__entry_read(fantasy_park *park, const char *entry_id,
                                   fantasy_queue_entry *out) {
    memset(out, 0, sizeof *out);
    fantasy_status st = fantasy__id_valid(entry_id)
                            ? park->queues.entry(park->queues.self, entry_id, out)
                            : FANTASY_ENOTFOUND;
    if (st == FANTASY_ENOTFOUND) {
        return fantasy__fail(FANTASY_ENOTFOUND, "queue entry %s not found", entry_id);
    }
    return st;
}

static fantasy_status put_time(cJSON *o, const char *name, int64_t ms) {
    return ms > 0 ? fantasy__json_put_int(o, name, ms) : fantasy__json_put_null(o, name);
}

/* position and eta_seconds: null unless WAITING. */
static fantasy_status put_position(fantasy_park *park, const fantasy_queue_entry *e,
                                   const fantasy__ride *ride, cJSON *o) {
    int64_t pos = 0, ahead = 0;
    fantasy_status st = e->status == FANTASY_ENTRY_WAITING
                            ? park->queues.position(park->queues.self, e->entry_id, &pos, &ahead)
                            : FANTASY_ESTATE;
    if (st == FANTASY_ESTATE) {
        /* not WAITING (or no longer: a call got in between) */
        st = fantasy__json_put_null(o, "position");
        return st == FANTASY_OK ? fantasy__json_put_null(o, "eta_seconds") : st;
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "position", pos);
    }
    if (st == FANTASY_OK && ride && ride->capacity_per_cycle > 0) {
        st = fantasy__json_put_int(o, "eta_seconds",
                                   ahead / ride->capacity_per_cycle * ride->cycle_seconds);
    } else if (st == FANTASY_OK) {
        st = fantasy__json_put_null(o, "eta_seconds");
    }
    return st;
}

fantasy_status fantasy__entry_object(fantasy_park *park, const fantasy_queue_entry *e,
                                     const fantasy__ride *ride, cJSON **out) {
    fantasy__ride own;
    if (!ride && fantasy__ride_load(park, e->ride_id, &own) == FANTASY_OK) {
        ride = &own; /* a deleted ride's entries still show, without an ETA */
    }
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? fantasy__json_put_str(o, "entry_id", e->entry_id) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "attraction_id", e->ride_id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "user_id", e->user_id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "party_size", e->party_size);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "status", fantasy__entry_status_name(e->status));
    }
    if (st == FANTASY_OK) {
        st = put_position(park, e, ride, o);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "joined_at", e->joined_at_ms);
    }
    if (st == FANTASY_OK) {
        st = put_time(o, "called_at", e->called_at_ms);
    }
    if (st == FANTASY_OK) {
        st = put_time(o, "call_expires_at", e->call_expires_at_ms);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

fantasy_status fantasy__entry_event(fantasy_park *park, const char *type,
                                    const fantasy_queue_entry *e, int64_t at_ms) {
    cJSON *p = cJSON_CreateObject();
    fantasy_status st = p ? fantasy__json_put_str(p, "entry_id", e->entry_id) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "attraction_id", e->ride_id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(p, "user_id", e->user_id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(p, "party_size", e->party_size);
    }
    if (st == FANTASY_OK && e->call_expires_at_ms > 0) {
        st = fantasy__json_put_int(p, "call_expires_at", e->call_expires_at_ms);
    }
    if (st == FANTASY_OK) {
        st = fantasy__event_publish(park, type, p, e->entry_id, at_ms);
    }
    cJSON_Delete(p);
    return st;
}

/* Move one entry to `to` and announce it with the time the store recorded. */
static fantasy_status finish_one(fantasy_park *park, const char *entry_id, unsigned from,
                                 fantasy_entry_status to, const char *type, int64_t now_ms) {
    fantasy_status st = park->queues.finish(park->queues.self, entry_id, from, to, now_ms);
    fantasy_queue_entry e;
    if (st == FANTASY_OK) {
        st = fantasy__entry_read(park, entry_id, &e);
    }
    if (st == FANTASY_OK) {
        st = fantasy__entry_event(park, type, &e, e.finished_at_ms ? e.finished_at_ms : now_ms);
    }
    return st;
}

fantasy_status fantasy__queues_cancel_ride(fantasy_park *park, const char *ride_id) {
    fantasy_list *ids = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    int64_t now = fantasy__now(park);
    size_t got = DUE_BATCH;
    while (st == FANTASY_OK && got == DUE_BATCH) {
        fantasy_list_clear(ids);
        /* from the start each time: finished entries drop out of the WAITING|CALLED mask */
        st = park->queues.list(park->queues.self, ride_id,
                               FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED, 0, DUE_BATCH, ids);
        got = st == FANTASY_OK ? fantasy_list_size(ids) : 0;
        for (size_t i = 0; i < got && st == FANTASY_OK; i++) {
            st = finish_one(park, fantasy_list_str(ids, i),
                            FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED, FANTASY_ENTRY_CANCELED,
                            "queues.left", now);
            if (st == FANTASY_ESTATE) {
                st = FANTASY_OK; /* boarded or left meanwhile */
            }
        }
    }
    fantasy_list_free(ids);
    return st;
}

/* Re-announce the ride's CALLED entries. The derived id turns this into a no-op for events
 * already written; calls older than the outbox retention are left alone, so an event that was
 * delivered and purged is never sent twice. */
static fantasy_status repair_ride(fantasy_park *park, const char *ride_id, int64_t now_ms,
                                  fantasy_list *ids) {
    int64_t after = 0;
    size_t got = DUE_BATCH;
    fantasy_status st = FANTASY_OK;
    while (st == FANTASY_OK && got == DUE_BATCH) {
        fantasy_list_clear(ids);
        st = park->queues.list(park->queues.self, ride_id, FANTASY_ENTRY_CALLED, after, DUE_BATCH,
                               ids);
        got = st == FANTASY_OK ? fantasy_list_size(ids) : 0;
        for (size_t i = 0; i < got && st == FANTASY_OK; i++) {
            fantasy_queue_entry e;
            after = fantasy_list_num(ids, i);
            st = fantasy__entry_read(park, fantasy_list_str(ids, i), &e);
            if (st == FANTASY_OK && e.status == FANTASY_ENTRY_CALLED &&
                e.called_at_ms > now_ms - park->settings.outbox_retention_ms) {
                st = fantasy__entry_event(park, "queues.called", &e, e.called_at_ms);
            }
        }
    }
    return st;
}

/* queues.called events a crash lost between the queue store's call and the publish. */
static fantasy_status repair_called(fantasy_park *park, int64_t now_ms) {
    fantasy_list *rides = NULL, *ids = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &rides);
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &ids);
    }
    char after[FANTASY_ID_MAX] = "";
    size_t got = DUE_BATCH;
    while (st == FANTASY_OK && got == DUE_BATCH) {
        fantasy_list_clear(rides);
        st = park->records.find(park->records.self, FANTASY__COL_ATTRACTIONS,
                                FANTASY__KEY_TYPE "RIDE", after, DUE_BATCH, rides);
        got = st == FANTASY_OK ? fantasy_list_size(rides) : 0;
        for (size_t i = 0; i < got && st == FANTASY_OK; i++) {
            st = repair_ride(park, fantasy_list_str(rides, i), now_ms, ids);
        }
        if (got > 0) {
            (void)snprintf(after, sizeof after, "%s", fantasy_list_str(rides, got - 1));
        }
    }
    fantasy_list_free(ids);
    fantasy_list_free(rides);
    return st;
}

/* CALLED entries past their deadline → NO_SHOW, each with its event. Stops at the first
 * failure other than ESTATE (boarded or left since the listing), which due_calls would only
 * list again. */
static fantasy_status sweep_no_shows(fantasy_park *park, int64_t now_ms, fantasy_list *ids,
                                     fantasy_due_counts *counts) {
    size_t got = DUE_BATCH;
    while (got == DUE_BATCH) {
        fantasy_list_clear(ids);
        fantasy_status st = park->queues.due_calls(park->queues.self, now_ms, DUE_BATCH, ids);
        if (st != FANTASY_OK) {
            return st;
        }
        got = fantasy_list_size(ids);
        for (size_t i = 0; i < got; i++) {
            st = finish_one(park, fantasy_list_str(ids, i), FANTASY_ENTRY_CALLED,
                            FANTASY_ENTRY_NO_SHOW, "queues.no_show", now_ms);
            if (st == FANTASY_OK) {
                counts->no_shows++;
            } else if (st != FANTASY_ESTATE) {
                return st;
            }
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__due_no_shows(fantasy_park *park, int64_t now_ms,
                                     fantasy_due_counts *counts) {
    /* Repair first: a lost call event is still worth sending before its no-show. */
    fantasy_status first = repair_called(park, now_ms);
    fantasy_list *ids = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    if (st == FANTASY_OK) {
        st = sweep_no_shows(park, now_ms, ids, counts);
    }
    fantasy_list_free(ids);
    return first != FANTASY_OK ? first : st;
}
