/* queues.join/get/leave/call_next/board/list. The queue store holds the entries (with their
 * user); each change is announced right after it with a derived event id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/method.h"
#include "core/error.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/queues/entry.h"

#define LIST_MAX 100

static int is_staff(const fantasy_actor *actor) {
    return actor->role >= FANTASY_ROLE_MANAGER;
}

/* A live ride, or the reason it cannot take part. */
static fantasy_status load_ride(fantasy_park *park, const char *id, fantasy__ride *ride) {
    fantasy_status st = fantasy__ride_load(park, id, ride);
    if (st == FANTASY_OK && !ride->is_ride) {
        st = fantasy__fail(FANTASY_EINVAL, "attraction %s is not a ride", id);
    }
    return st;
}

static fantasy_status check_joinable(fantasy_park *park, const char *id, const fantasy__ride *r,
                                     int64_t party, int64_t now) {
    if (strcmp(r->status, "OPEN") != 0 && strcmp(r->status, "PAUSED") != 0) {
        return fantasy__fail(FANTASY_ESTATE, "ride %s is %s", id, r->status);
    }
    if (!fantasy__ride_is_open_at(park, r, now)) {
        return fantasy__fail(FANTASY_ESTATE, "ride %s is outside its operating hours", id);
    }
    if (party > r->capacity_per_cycle) {
        return fantasy__fail(FANTASY_EINVAL, "party_size %lld above capacity_per_cycle %lld",
                             (long long)party, (long long)r->capacity_per_cycle);
    }
    return FANTASY_OK;
}

static fantasy_status m_join(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    const char *id = NULL;
    int64_t party = 0, seq = 0, now = fantasy__now(park);
    fantasy__ride ride;
    char entry_id[FANTASY_ID_MAX];
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__json_int(args, "party_size", 1, 1, FANTASY__JSON_MAX_INT, &party, NULL);
    }
    if (st == FANTASY_OK) {
        st = load_ride(park, id, &ride);
    }
    if (st == FANTASY_OK) {
        st = check_joinable(park, id, &ride, party, now);
    }
    if (st == FANTASY_OK) {
        st = fantasy__park_id(park, entry_id);
    }
    if (st == FANTASY_OK) {
        fantasy_queue_join j = { entry_id, id, actor->user_id, party, now };
        st = park->queues.enqueue(park->queues.self, &j, &seq);
        if (st == FANTASY_EQUEUED) {
            return fantasy__fail(FANTASY_EQUEUED, "already queued for ride %s", id);
        }
    }
    fantasy_queue_entry e;
    if (st == FANTASY_OK) {
        st = fantasy__entry_read(park, entry_id, &e);
    }
    if (st == FANTASY_OK) {
        st = fantasy__entry_event(park, "queues.joined", &e, e.joined_at_ms);
    }
    return st == FANTASY_OK ? fantasy__entry_object(park, &e, &ride, result) : st;
}

/* The entry when the caller may see it: owner or staff; anyone else gets NOT_FOUND. */
static fantasy_status own_entry(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                                fantasy_queue_entry *e) {
    const char *id = NULL;
    fantasy_status st = fantasy__json_str(args, "entry_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__entry_read(park, id, e);
    }
    if (st == FANTASY_OK && !is_staff(actor) && strcmp(e->user_id, actor->user_id) != 0) {
        st = fantasy__fail(FANTASY_ENOTFOUND, "queue entry %s not found", id);
    }
    return st;
}

static fantasy_status m_get(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    fantasy_queue_entry e;
    fantasy_status st = own_entry(park, actor, args, &e);
    return st == FANTASY_OK ? fantasy__entry_object(park, &e, NULL, result) : st;
}

/* Finish an entry the caller may touch and announce it (the event time is the store's). */
static fantasy_status finish(fantasy_park *park, const fantasy_queue_entry *e, unsigned from,
                             fantasy_entry_status to, const char *type, cJSON **result) {
    fantasy_status st =
        park->queues.finish(park->queues.self, e->entry_id, from, to, fantasy__now(park));
    if (st == FANTASY_ESTATE) {
        return fantasy__fail(FANTASY_ESTATE, "queue entry %s is %s", e->entry_id,
                             fantasy__entry_status_name(e->status));
    }
    fantasy_queue_entry now;
    if (st == FANTASY_OK) {
        st = fantasy__entry_read(park, e->entry_id, &now);
    }
    if (st == FANTASY_OK) {
        st = fantasy__entry_event(park, type, &now, now.finished_at_ms);
    }
    return st == FANTASY_OK ? fantasy__entry_object(park, &now, NULL, result) : st;
}

static fantasy_status m_leave(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                              cJSON **result) {
    fantasy_queue_entry e;
    fantasy_status st = own_entry(park, actor, args, &e);
    if (st != FANTASY_OK) {
        return st;
    }
    return finish(park, &e, FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED, FANTASY_ENTRY_CANCELED,
                  "queues.left", result);
}

static fantasy_status m_board(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                              cJSON **result) {
    fantasy_queue_entry e;
    fantasy_status st = own_entry(park, actor, args, &e);
    if (st == FANTASY_OK && e.status != FANTASY_ENTRY_CALLED) {
        /* DONE again is not a board either: only a CALLED entry boards */
        st = fantasy__fail(FANTASY_ESTATE, "queue entry %s is %s, not CALLED", e.entry_id,
                           fantasy__entry_status_name(e.status));
    }
    if (st != FANTASY_OK) {
        return st;
    }
    return finish(park, &e, FANTASY_ENTRY_CALLED, FANTASY_ENTRY_DONE, "queues.boarded", result);
}

static fantasy_status called_item(fantasy_park *park, const char *entry_id,
                                  const fantasy__ride *ride, cJSON *items) {
    fantasy_queue_entry e;
    cJSON *o = NULL;
    fantasy_status st = fantasy__entry_read(park, entry_id, &e);
    if (st == FANTASY_OK) {
        st = fantasy__entry_event(park, "queues.called", &e, e.called_at_ms);
    }
    if (st == FANTASY_OK) {
        st = fantasy__entry_object(park, &e, ride, &o);
    }
    if (st == FANTASY_OK && !cJSON_AddItemToArray(items, o)) {
        cJSON_Delete(o);
        st = fantasy__oom();
    }
    return st;
}

static fantasy_status m_call_next(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                                  cJSON **result) {
    (void)actor;
    const char *id = NULL;
    fantasy__ride ride;
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = load_ride(park, id, &ride);
    }
    if (st == FANTASY_OK && strcmp(ride.status, "OPEN") != 0) {
        st = fantasy__fail(FANTASY_ESTATE, "ride %s is %s", id, ride.status);
    }
    fantasy_list *ids = NULL;
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &ids);
    }
    int64_t now = fantasy__now(park);
    if (st == FANTASY_OK) {
        st = park->queues.call(park->queues.self, id, ride.capacity_per_cycle, now,
                               now + park->settings.queue_call_timeout_ms, ids);
    }
    cJSON *items = st == FANTASY_OK ? cJSON_CreateArray() : NULL;
    if (st == FANTASY_OK && !items) {
        st = fantasy__oom();
    }
    /* The calls are made: announce every one even if building the reply fails. */
    fantasy_status first = st;
    for (size_t i = 0; st == FANTASY_OK && i < fantasy_list_size(ids); i++) {
        fantasy_status one = called_item(park, fantasy_list_str(ids, i), &ride, items);
        first = first == FANTASY_OK ? one : first;
    }
    fantasy_list_free(ids);
    if (first == FANTASY_OK) {
        *result = cJSON_CreateObject();
        first = *result ? fantasy__json_put(*result, "items", items) : fantasy__oom();
        items = NULL;
    }
    cJSON_Delete(items);
    return first;
}

static fantasy_status parse_status_mask(const cJSON *args, unsigned *mask) {
    const char *s = NULL;
    *mask = FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED;
    fantasy_status st = fantasy__json_str(args, "status", 0, &s, NULL);
    if (st != FANTASY_OK || !s) {
        return st;
    }
    for (unsigned bit = 1; bit <= FANTASY_ENTRY_NO_SHOW; bit <<= 1) {
        if (strcmp(s, fantasy__entry_status_name((fantasy_entry_status)bit)) == 0) {
            *mask = bit;
            return FANTASY_OK;
        }
    }
    return fantasy__fail(FANTASY_EINVAL, "unknown entry status '%s'", s);
}

static fantasy_status parse_seq_cursor(const char *cursor, int64_t *after) {
    *after = 0;
    if (!cursor) {
        return FANTASY_OK;
    }
    char *end = NULL;
    long long v = strtoll(cursor, &end, 10);
    if (*end != '\0' || v < 0) {
        return fantasy__fail(FANTASY_EINVAL, "bad cursor '%s'", cursor);
    }
    *after = v;
    return FANTASY_OK;
}

static fantasy_status list_items(fantasy_park *park, const fantasy_list *ids, size_t n,
                                 const fantasy__ride *ride, cJSON *items) {
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
        fantasy_queue_entry e;
        cJSON *o = NULL;
        st = fantasy__entry_read(park, fantasy_list_str(ids, i), &e);
        if (st == FANTASY_OK) {
            st = fantasy__entry_object(park, &e, ride, &o);
        }
        if (st == FANTASY_OK && !cJSON_AddItemToArray(items, o)) {
            cJSON_Delete(o);
            st = fantasy__oom();
        }
    }
    return st;
}

static fantasy_status m_list(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    (void)actor;
    const char *id = NULL, *cursor = NULL;
    int64_t limit = 0, after = 0;
    unsigned mask = 0;
    fantasy__ride ride;
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__json_page(args, &limit, &cursor);
    }
    if (st == FANTASY_OK) {
        st = parse_status_mask(args, &mask);
    }
    if (st == FANTASY_OK) {
        st = parse_seq_cursor(cursor, &after);
    }
    if (st == FANTASY_OK) {
        st = load_ride(park, id, &ride);
    }
    fantasy_list *ids = NULL;
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &ids);
    }
    if (st == FANTASY_OK) {
        st = park->queues.list(park->queues.self, id, mask, after, (size_t)limit + 1, ids);
    }
    size_t n = st == FANTASY_OK ? fantasy_list_size(ids) : 0;
    int more = n > (size_t)limit;
    n = more ? (size_t)limit : n;
    cJSON *items = st == FANTASY_OK ? cJSON_CreateArray() : NULL;
    st = st != FANTASY_OK ? st : items ? list_items(park, ids, n, &ride, items) : fantasy__oom();
    char next[32] = "";
    if (st == FANTASY_OK && more) {
        (void)snprintf(next, sizeof next, "%lld", (long long)fantasy_list_num(ids, n - 1));
    }
    fantasy_list_free(ids);
    if (st != FANTASY_OK) {
        cJSON_Delete(items);
        return st;
    }
    return fantasy__json_page_result(items, more ? next : NULL, result);
}

const fantasy__method fantasy__queues_methods[] = {
    { "queues.join", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_join },
    { "queues.get", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_get },
    { "queues.leave", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_leave },
    { "queues.call_next", FANTASY_ROLE_MANAGER, 0, m_call_next },
    { "queues.board", FANTASY_ROLE_MANAGER, 0, m_board },
    { "queues.list", FANTASY_ROLE_MANAGER, 0, m_list },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
