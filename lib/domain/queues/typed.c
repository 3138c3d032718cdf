/* The typed C API of include/fantasy/queues.h, through the JSON methods (one set of rules). */
#include <stdio.h>
#include <string.h>

#include "fantasy/queues.h"

#include "api/method.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/park_internal.h"
#include "domain/attractions/attraction.h"
#include "domain/queues/entry.h"

#define ENTER(park, ok_args)                                                      \
    do {                                                                          \
        fantasy__error_clear();                                                   \
        FANTASY__CHECK_PARK(park);                                                \
        if (!(ok_args)) {                                                         \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__); \
        }                                                                         \
    } while (0)

static void copy_str(const cJSON *o, const char *name, char *out, size_t cap) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    (void)snprintf(out, cap, "%s", cJSON_IsString(f) ? f->valuestring : "");
}

static int64_t get_int(const cJSON *o, const char *name, int64_t absent) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : absent;
}

static void fill(const cJSON *o, fantasy_entry *e) {
    memset(e, 0, sizeof *e);
    copy_str(o, "entry_id", e->entry_id, sizeof e->entry_id);
    copy_str(o, "attraction_id", e->attraction_id, sizeof e->attraction_id);
    copy_str(o, "user_id", e->user_id, sizeof e->user_id);
    e->party_size = get_int(o, "party_size", 0);
    char status[16];
    copy_str(o, "status", status, sizeof status);
    for (unsigned bit = 1; bit <= FANTASY_ENTRY_NO_SHOW; bit <<= 1) {
        if (strcmp(status, fantasy__entry_status_name((fantasy_entry_status)bit)) == 0) {
            e->status = (fantasy_entry_status)bit;
        }
    }
    e->position = get_int(o, "position", 0);
    e->eta_seconds = get_int(o, "eta_seconds", -1);
    e->called_at_ms = get_int(o, "called_at", 0);
    e->call_expires_at_ms = get_int(o, "call_expires_at", 0);
}

/* A host allocation of n entries (freed with fantasy_free). */
static fantasy_entry *host_entries(fantasy_park *park, const fantasy_entry *src, size_t n) {
    return (fantasy_entry *)(void *)fantasy__out_strndup(&park->alloc, (const char *)src,
                                                         n * sizeof *src);
}

static fantasy_status run(fantasy_park *park, const fantasy_actor *actor, const char *method,
                          const char *field, const char *id, cJSON **result) {
    cJSON *args = cJSON_CreateObject();
    fantasy_status st =
        args && cJSON_AddStringToObject(args, field, id) ? FANTASY_OK : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__call_as(park, actor, method, args, result);
    }
    cJSON_Delete(args);
    return st;
}

static fantasy_status one_entry(fantasy_park *park, fantasy_status st, cJSON *result,
                                fantasy_entry **out) {
    if (st == FANTASY_OK && out) {
        fantasy_entry e;
        fill(result, &e);
        *out = host_entries(park, &e, 1);
        st = *out ? FANTASY_OK : fantasy__oom();
    }
    cJSON_Delete(result);
    return st;
}

FANTASY_API void fantasy_entry_free(fantasy_entry *e) {
    fantasy_free(e);
}

FANTASY_API void fantasy_entry_list_free(fantasy_entry_list *l) {
    if (l) {
        fantasy_free(l->items);
        fantasy_free(l);
    }
}

FANTASY_API fantasy_status fantasy_queues_join(fantasy_park *park, const fantasy_actor *actor,
                                               const char *attraction_id, int64_t party_size,
                                               fantasy_entry **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, attraction_id && out);
    cJSON *args = cJSON_CreateObject(), *result = NULL;
    fantasy_status st = args && cJSON_AddStringToObject(args, "attraction_id", attraction_id) &&
                                cJSON_AddNumberToObject(args, "party_size", (double)party_size)
                            ? FANTASY_OK
                            : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__call_as(park, actor, "queues.join", args, &result);
    }
    cJSON_Delete(args);
    return one_entry(park, st, result, out);
}

FANTASY_API fantasy_status fantasy_queues_get(fantasy_park *park, const fantasy_actor *actor,
                                              const char *entry_id, fantasy_entry **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, entry_id && out);
    cJSON *result = NULL;
    fantasy_status st = run(park, actor, "queues.get", "entry_id", entry_id, &result);
    return one_entry(park, st, result, out);
}

FANTASY_API fantasy_status fantasy_queues_leave(fantasy_park *park, const fantasy_actor *actor,
                                                const char *entry_id, fantasy_entry **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, entry_id);
    cJSON *result = NULL;
    fantasy_status st = run(park, actor, "queues.leave", "entry_id", entry_id, &result);
    return one_entry(park, st, result, out);
}

FANTASY_API fantasy_status fantasy_queues_board(fantasy_park *park, const fantasy_actor *actor,
                                                const char *entry_id, fantasy_entry **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, entry_id);
    cJSON *result = NULL;
    fantasy_status st = run(park, actor, "queues.board", "entry_id", entry_id, &result);
    return one_entry(park, st, result, out);
}

static fantasy_status list_out(fantasy_park *park, const cJSON *items, fantasy_entry_list **out) {
    size_t n = (size_t)cJSON_GetArraySize(items);
    fantasy_entry_list l = { NULL, n };
    fantasy_entry *tmp = fantasy__calloc(&park->alloc, n ? n : 1, sizeof *tmp);
    if (!tmp) {
        return fantasy__oom();
    }
    size_t i = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, items) {
        if (i < n) {
            fill(it, &tmp[i++]);
        }
    }
    l.items = host_entries(park, tmp, n ? n : 1);
    fantasy_status st = l.items ? FANTASY_OK : fantasy__oom();
    fantasy__free(&park->alloc, tmp);
    if (st == FANTASY_OK) {
        *out = (fantasy_entry_list *)(void *)fantasy__out_strndup(&park->alloc, (const char *)&l,
                                                                  sizeof l);
        st = *out ? FANTASY_OK : fantasy__oom();
    }
    if (st != FANTASY_OK) {
        fantasy_free(l.items);
    }
    return st;
}

FANTASY_API fantasy_status fantasy_queues_call_next(fantasy_park *park, const fantasy_actor *actor,
                                                    const char *attraction_id,
                                                    fantasy_entry_list **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, attraction_id && out);
    cJSON *result = NULL;
    fantasy_status st =
        run(park, actor, "queues.call_next", "attraction_id", attraction_id, &result);
    if (st == FANTASY_OK) {
        st = list_out(park, cJSON_GetObjectItemCaseSensitive(result, "items"), out);
    }
    cJSON_Delete(result);
    return st;
}
