/* The typed C API of include/fantasy/attractions.h: arguments into JSON, the JSON method, the
 * result into a host-owned struct. One path, so both faces keep the same rules. */
#include <stdio.h>
#include <string.h>

#include "fantasy/attractions.h"

#include "api/method.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/attractions/attraction.h"

static void copy_str(const cJSON *o, const char *name, char *out, size_t cap) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    (void)snprintf(out, cap, "%s", cJSON_IsString(f) ? f->valuestring : "");
}

static int64_t get_int(const cJSON *o, const char *name, int64_t absent) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : absent;
}

static void fill(const cJSON *o, fantasy_attraction *a) {
    memset(a, 0, sizeof *a);
    copy_str(o, "attraction_id", a->attraction_id, sizeof a->attraction_id);
    copy_str(o, "name", a->name, sizeof a->name);
    copy_str(o, "type", a->type, sizeof a->type);
    copy_str(o, "status", a->status, sizeof a->status);
    copy_str(o, "description", a->description, sizeof a->description);
    copy_str(o, "opens_at", a->opens_at, sizeof a->opens_at);
    copy_str(o, "closes_at", a->closes_at, sizeof a->closes_at);
    a->min_height_cm = get_int(o, "min_height_cm", -1);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "guardian_required");
    a->guardian_required = cJSON_IsBool(g) ? cJSON_IsTrue(g) : -1;
    a->capacity_per_cycle = get_int(o, "capacity_per_cycle", 0);
    a->cycle_seconds = get_int(o, "cycle_seconds", 0);
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(o, "hashtags")) {
        if (a->n_hashtags < FANTASY_ATTRACTION_TAGS_MAX && cJSON_IsString(t)) {
            (void)snprintf(a->hashtags[a->n_hashtags++], FANTASY_TAG_MAX, "%s", t->valuestring);
        }
    }
    a->version = get_int(o, "version", 0);
    a->created_at_ms = get_int(o, "created_at", 0);
}

/* One host allocation (freed with fantasy_free), like every struct the library hands out. */
static fantasy_status to_struct(fantasy_park *park, const cJSON *o, fantasy_attraction **out) {
    fantasy_attraction *a = fantasy__alloc(&park->alloc, sizeof *a);
    if (!a) {
        return fantasy__oom();
    }
    fill(o, a);
    *out = (fantasy_attraction *)(void *)fantasy__out_strndup(&park->alloc, (const char *)a,
                                                              sizeof *a);
    fantasy__free(&park->alloc, a);
    return *out ? FANTASY_OK : fantasy__oom();
}

/* Run `method` and turn its attraction result into *out (when out is not NULL). */
static fantasy_status run(fantasy_park *park, const fantasy_actor *actor, const char *method,
                          cJSON *args, fantasy_attraction **out) {
    cJSON *result = NULL;
    fantasy_status st =
        args ? fantasy__call_as(park, actor, method, args, &result) : fantasy__oom();
    if (st == FANTASY_OK && out) {
        st = to_struct(park, result, out);
    }
    cJSON_Delete(result);
    cJSON_Delete(args);
    return st;
}

#define ENTER(park, ok_args)                                                      \
    do {                                                                          \
        fantasy__error_clear();                                                   \
        FANTASY__CHECK_PARK(park);                                                \
        if (!(ok_args)) {                                                         \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__); \
        }                                                                         \
    } while (0)

FANTASY_API void fantasy_attraction_free(fantasy_attraction *a) {
    fantasy_free(a);
}

static cJSON *id_args(const char *id) {
    cJSON *args = cJSON_CreateObject();
    if (args && !cJSON_AddStringToObject(args, "attraction_id", id)) {
        cJSON_Delete(args);
        return NULL;
    }
    return args;
}

static fantasy_status new_args(const fantasy_attraction_new *in, cJSON **out) {
    cJSON *a = cJSON_CreateObject();
    cJSON *tags = cJSON_CreateArray();
    int ok = a && tags;
    const char *strs[] = { "name",          in->name,   "type",       in->type,    "description",
                           in->description, "opens_at", in->opens_at, "closes_at", in->closes_at };
    for (size_t i = 0; ok && i < 10; i += 2) {
        ok = !strs[i + 1] || cJSON_AddStringToObject(a, strs[i], strs[i + 1]);
    }
    ok = ok && (in->min_height_cm == 0 ||
                cJSON_AddNumberToObject(a, "min_height_cm", (double)in->min_height_cm));
    ok = ok && cJSON_AddBoolToObject(a, "guardian_required", in->guardian_required != 0);
    ok = ok && (in->capacity_per_cycle == 0 ||
                cJSON_AddNumberToObject(a, "capacity_per_cycle", (double)in->capacity_per_cycle));
    ok = ok && (in->cycle_seconds == 0 ||
                cJSON_AddNumberToObject(a, "cycle_seconds", (double)in->cycle_seconds));
    for (size_t i = 0; ok && i < in->n_hashtags; i++) {
        ok = in->hashtags[i] && cJSON_AddItemToArray(tags, cJSON_CreateString(in->hashtags[i]));
    }
    if (ok && cJSON_AddItemToObject(a, "hashtags", tags)) {
        *out = a;
        return FANTASY_OK;
    }
    cJSON_Delete(tags);
    cJSON_Delete(a);
    return fantasy__fail(ok ? FANTASY_ENOMEM : FANTASY_EINVAL, "attraction arguments");
}

FANTASY_API fantasy_status fantasy_attractions_create(fantasy_park *park,
                                                      const fantasy_actor *actor,
                                                      const fantasy_attraction_new *in,
                                                      fantasy_attraction **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, in && out);
    cJSON *args = NULL;
    fantasy_status st = new_args(in, &args);
    return st == FANTASY_OK ? run(park, actor, "attractions.create", args, out) : st;
}

FANTASY_API fantasy_status fantasy_attractions_get(fantasy_park *park, const fantasy_actor *actor,
                                                   const char *attraction_id,
                                                   fantasy_attraction **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, attraction_id && out);
    return run(park, actor, "attractions.get", id_args(attraction_id), out);
}

FANTASY_API fantasy_status fantasy_attractions_set_status(fantasy_park *park,
                                                          const fantasy_actor *actor,
                                                          const char *attraction_id,
                                                          const char *status,
                                                          fantasy_attraction **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, attraction_id && status);
    cJSON *args = id_args(attraction_id);
    if (args && !cJSON_AddStringToObject(args, "status", status)) {
        cJSON_Delete(args);
        args = NULL;
    }
    return run(park, actor, "attractions.set_status", args, out);
}

FANTASY_API fantasy_status fantasy_attractions_delete(fantasy_park *park,
                                                      const fantasy_actor *actor,
                                                      const char *attraction_id) {
    ENTER(park, attraction_id);
    return run(park, actor, "attractions.delete", id_args(attraction_id), NULL);
}
