/* attractions.create/get/list/update/set_status/delete. */
#include "domain/attractions/methods.h"

#include <stdio.h>
#include <string.h>

#include "api/method.h"
#include "core/error.h"
#include "core/json.h"
#include "core/outbox.h"
#include "core/park_internal.h"
#include "domain/attractions/attraction.h"
#include "domain/attractions/fields.h"
#include "domain/attractions/store.h"
#include "domain/collections.h"

static const char *const create_fields[] = { "name",
                                             "type",
                                             "description",
                                             "opens_at",
                                             "closes_at",
                                             "min_height_cm",
                                             "guardian_required",
                                             "capacity_per_cycle",
                                             "cycle_seconds",
                                             "hashtags",
                                             NULL };
static const char *const update_fields[] = { "attraction_id",
                                             "version",
                                             "name",
                                             "type",
                                             "description",
                                             "opens_at",
                                             "closes_at",
                                             "min_height_cm",
                                             "guardian_required",
                                             "capacity_per_cycle",
                                             "cycle_seconds",
                                             "hashtags",
                                             NULL };

/* The result object for a document just written. */
static fantasy_status result_of(const cJSON *doc, int64_t version, cJSON **result) {
    return fantasy__attraction_object(doc, version, result);
}

static fantasy_status m_create(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    (void)actor;
    fantasy_status st = fantasy__json_only(args, create_fields);
    char id[FANTASY_ID_MAX];
    cJSON *doc = cJSON_CreateObject();
    if (st == FANTASY_OK && !doc) {
        st = fantasy__oom();
    }
    if (st == FANTASY_OK) {
        st = fantasy__park_id(park, id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(doc, "attraction_id", id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__attraction_fields(args, 1, doc);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(doc, "status", "OPEN");
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(doc, "created_at", fantasy__now(park));
    }
    int64_t version = 0;
    if (st == FANTASY_OK) {
        st = fantasy__attraction_write(park, id, doc, 0, NULL, &version);
    }
    if (st == FANTASY_OK) {
        st = result_of(doc, version, result);
    }
    cJSON_Delete(doc);
    return st;
}

static fantasy_status m_get(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    (void)actor;
    const char *id = NULL;
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    cJSON *doc = NULL;
    int64_t version = 0;
    if (st == FANTASY_OK) {
        st = fantasy__attraction_load(park, id, &doc, &version);
    }
    if (st == FANTASY_OK) {
        st = result_of(doc, version, result);
    }
    cJSON_Delete(doc);
    return st;
}

static fantasy_status m_list(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    (void)actor;
    int64_t limit = 0;
    const char *cursor = NULL, *type = NULL;
    fantasy_status st = fantasy__json_page(args, &limit, &cursor);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "type", 0, &type, NULL);
    }
    if (st == FANTASY_OK && type && strcmp(type, "RIDE") != 0 && strcmp(type, "AREA") != 0) {
        st = fantasy__fail(FANTASY_EINVAL, "'type' must be RIDE or AREA");
    }
    if (st != FANTASY_OK) {
        return st;
    }
    char key[32];
    (void)snprintf(key, sizeof key, "%s%s", type ? FANTASY__KEY_TYPE : FANTASY__KEY_ALL,
                   type ? type : "");
    const char *keys[] = { key };
    return fantasy__attraction_page(park, keys, 1, NULL, NULL, cursor, (size_t)limit, result);
}

static fantasy_status m_update(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    (void)actor;
    const char *id = NULL;
    int64_t expected = 0, version = 0;
    fantasy_status st = fantasy__json_only(args, update_fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_int(args, "version", 1, 1, FANTASY__JSON_MAX_INT, &expected, NULL);
    }
    cJSON *doc = NULL;
    if (st == FANTASY_OK) {
        st = fantasy__attraction_load(park, id, &doc, &version);
    }
    if (st == FANTASY_OK) {
        st = fantasy__attraction_fields(args, 0, doc);
    }
    if (st == FANTASY_OK) {
        st = fantasy__attraction_write(park, id, doc, expected, NULL, &version);
    }
    if (st == FANTASY_OK) {
        st = result_of(doc, version, result);
    }
    cJSON_Delete(doc);
    return st;
}

/* A status change is a read-modify-write: retry when another writer got in between. */
static fantasy_status m_set_status(fantasy_park *park, const fantasy_actor *actor,
                                   const cJSON *args, cJSON **result) {
    (void)actor;
    const char *id = NULL, *status = NULL;
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "status", 1, &status, NULL);
    }
    if (st == FANTASY_OK && strcmp(status, "OPEN") != 0 && strcmp(status, "PAUSED") != 0 &&
        strcmp(status, "CLOSED") != 0) {
        st = fantasy__fail(FANTASY_EINVAL, "'status' must be OPEN, PAUSED or CLOSED");
    }
    for (int attempt = 0; st == FANTASY_OK && attempt < 32; attempt++) {
        cJSON *doc = NULL;
        int64_t version = 0;
        st = fantasy__attraction_load(park, id, &doc, &version);
        if (st == FANTASY_OK) {
            cJSON_ReplaceItemInObjectCaseSensitive(doc, "status", cJSON_CreateString(status));
            st = fantasy__attraction_write(park, id, doc, version, NULL, &version);
        }
        if (st == FANTASY_OK) {
            st = result_of(doc, version, result);
            cJSON_Delete(doc);
            return st;
        }
        cJSON_Delete(doc);
        if (st == FANTASY_ECONFLICT) {
            st = FANTASY_OK;
        }
    }
    return st == FANTASY_OK ? fantasy__fail(FANTASY_ECONFLICT, "attraction %s: busy", id) : st;
}

static fantasy_status deleted_event(fantasy_park *park, const char *id, fantasy__event *ev) {
    cJSON *p = cJSON_CreateObject();
    fantasy_status st = p ? fantasy__json_put_str(p, "attraction_id", id) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__event_make(park, "attractions.deleted", p, NULL, fantasy__now(park), ev);
    }
    cJSON_Delete(p);
    return st;
}

/* One attempt at the soft delete: the document marked deleted (dropping every index key) with
 * its event in the same batch. ECONFLICT when another writer got in first. */
static fantasy_status delete_once(fantasy_park *park, const char *id) {
    cJSON *doc = NULL;
    int64_t version = 0;
    fantasy_status st = fantasy__attraction_load(park, id, &doc, &version);
    fantasy__event ev;
    memset(&ev, 0, sizeof ev);
    if (st == FANTASY_OK) {
        st = deleted_event(park, id, &ev);
    }
    if (st == FANTASY_OK) {
        st =
            cJSON_AddItemToObject(doc, "deleted", cJSON_CreateTrue()) ? FANTASY_OK : fantasy__oom();
    }
    if (st == FANTASY_OK) {
        st = fantasy__attraction_write(park, id, doc, version, &ev, &version);
    }
    fantasy__event_clear(&ev);
    cJSON_Delete(doc);
    return st;
}

/* The queue is cancelled before the delete, so a crash in between leaves a live attraction a
 * repeat delete can still reach, and again after it, for joins that raced the delete. */
static fantasy_status m_delete(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    (void)actor;
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t version = 0;
    fantasy_status st = fantasy__json_str(args, "attraction_id", 1, &id, NULL);
    if (st == FANTASY_OK) {
        st = fantasy__attraction_load(park, id, &doc, &version);
        cJSON_Delete(doc);
    }
    if (st == FANTASY_OK) {
        st = fantasy__queues_cancel_ride(park, id);
    }
    for (int attempt = 0; st == FANTASY_OK && attempt < 32; attempt++) {
        st = delete_once(park, id);
        if (st != FANTASY_ECONFLICT) {
            break;
        }
        st = attempt + 1 < 32 ? FANTASY_OK : st;
    }
    if (st == FANTASY_OK) {
        st = fantasy__queues_cancel_ride(park, id);
    }
    if (st == FANTASY_OK) {
        *result = cJSON_CreateObject();
        st = *result ? FANTASY_OK : fantasy__oom();
    }
    return st;
}

const fantasy__method fantasy__attractions_methods[] = {
    { "attractions.create", FANTASY_ROLE_MANAGER, 0, m_create },
    { "attractions.get", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_get },
    { "attractions.list", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_list },
    { "attractions.update", FANTASY_ROLE_MANAGER, 0, m_update },
    { "attractions.set_status", FANTASY_ROLE_MANAGER, 0, m_set_status },
    { "attractions.delete", FANTASY_ROLE_MANAGER, 0, m_delete },
    { "attractions.search", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, fantasy__m_attractions_search },
    { "hashtags.list", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, fantasy__m_hashtags_list },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
