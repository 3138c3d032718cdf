/* Validating create and update arguments into a document: both start from a document (empty
 * for create, the stored one for update), apply what the args give, then check the whole. */
#include "domain/attractions/fields.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"
#include "domain/attractions/attraction.h"
#include "domain/attractions/store.h"

#define NAME_MAX_BYTES 200
#define DESC_MAX_BYTES 4000
#define MAX_TAGS       20

static fantasy_status set_item(cJSON *doc, const char *name, cJSON *item) {
    if (!item) {
        return fantasy__oom();
    }
    if (cJSON_HasObjectItem(doc, name)) {
        cJSON_ReplaceItemInObjectCaseSensitive(doc, name, item);
        return FANTASY_OK;
    }
    return fantasy__json_put(doc, name, item);
}

static fantasy_status copy_str(const cJSON *args, cJSON *doc, const char *name, int required,
                               size_t max) {
    const char *s = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str(args, name, required, &s, &present);
    if (st != FANTASY_OK || !present) {
        return st;
    }
    if (strlen(s) > max) {
        return fantasy__fail(FANTASY_EINVAL, "'%s' longer than %zu bytes", name, max);
    }
    return set_item(doc, name, cJSON_CreateString(s));
}

static fantasy_status copy_hhmm(const cJSON *args, cJSON *doc, const char *name, int required) {
    const char *s = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str(args, name, required, &s, &present);
    if (st != FANTASY_OK || !present) {
        return st;
    }
    if (fantasy__hhmm_minutes(s) < 0) {
        return fantasy__fail(FANTASY_EINVAL, "'%s' must be \"HH:MM\"", name);
    }
    return set_item(doc, name, cJSON_CreateString(s));
}

static fantasy_status copy_int(const cJSON *args, cJSON *doc, const char *name, int64_t min,
                               int64_t max) {
    int64_t v = 0;
    int present = 0;
    fantasy_status st = fantasy__json_int(args, name, 0, min, max, &v, &present);
    if (st != FANTASY_OK || !present) {
        return st;
    }
    return set_item(doc, name, cJSON_CreateNumber((double)v));
}

static fantasy_status copy_tags(const cJSON *args, cJSON *doc) {
    const cJSON *arr = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str_array(args, "hashtags", 0, MAX_TAGS, &arr, &present);
    if (st != FANTASY_OK || !present) {
        return st;
    }
    cJSON *out = cJSON_CreateArray();
    if (!out) {
        return fantasy__oom();
    }
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, arr) {
        char tag[FANTASY__TAG_MAX_BYTES];
        st = fantasy__tag_normalize(t->valuestring, "hashtags", tag);
        if (st != FANTASY_OK) {
            break;
        }
        int dup = 0;
        const cJSON *seen = NULL;
        cJSON_ArrayForEach(seen, out) {
            dup = dup || strcmp(seen->valuestring, tag) == 0;
        }
        if (!dup && !cJSON_AddItemToArray(out, cJSON_CreateString(tag))) {
            st = fantasy__oom();
            break;
        }
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(out);
        return st;
    }
    return set_item(doc, "hashtags", out);
}

/* Fields not given are null in the object (API.md: absent optional fields are null). */
static fantasy_status fill_nulls(cJSON *doc) {
    static const char *const names[] = { "description",        "min_height_cm", "guardian_required",
                                         "capacity_per_cycle", "cycle_seconds", NULL };
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; names[i] && st == FANTASY_OK; i++) {
        if (!cJSON_HasObjectItem(doc, names[i])) {
            st = fantasy__json_put_null(doc, names[i]);
        }
    }
    if (st == FANTASY_OK && !cJSON_HasObjectItem(doc, "hashtags")) {
        st = fantasy__json_put(doc, "hashtags", cJSON_CreateArray());
    }
    return st;
}

/* RIDE needs both ride numbers; AREA must not have them. */
static fantasy_status check_type(const cJSON *args, cJSON *doc) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    const char *ride_fields[] = { "capacity_per_cycle", "cycle_seconds" };
    int ride = strcmp(type->valuestring, "RIDE") == 0;
    if (!ride && strcmp(type->valuestring, "AREA") != 0) {
        return fantasy__fail(FANTASY_EINVAL, "'type' must be RIDE or AREA");
    }
    for (size_t i = 0; i < 2; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, ride_fields[i]);
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(args, ride_fields[i]);
        if (ride && !cJSON_IsNumber(f)) {
            return fantasy__fail(FANTASY_EINVAL, "missing field '%s' (RIDE)", ride_fields[i]);
        }
        if (!ride && given && !cJSON_IsNull(given)) {
            return fantasy__fail(FANTASY_EINVAL, "'%s' is for rides only", ride_fields[i]);
        }
        if (!ride && cJSON_IsNumber(f)) {
            fantasy_status st = set_item(doc, ride_fields[i], cJSON_CreateNull());
            if (st != FANTASY_OK) {
                return st;
            }
        }
    }
    return FANTASY_OK;
}

fantasy_status fantasy__attraction_fields(const cJSON *args, int create, cJSON *doc) {
    fantasy_status st = copy_str(args, doc, "name", create, NAME_MAX_BYTES);
    if (st == FANTASY_OK) {
        st = copy_str(args, doc, "type", create, 16);
    }
    if (st == FANTASY_OK) {
        st = copy_str(args, doc, "description", 0, DESC_MAX_BYTES);
    }
    if (st == FANTASY_OK) {
        st = copy_hhmm(args, doc, "opens_at", create);
    }
    if (st == FANTASY_OK) {
        st = copy_hhmm(args, doc, "closes_at", create);
    }
    if (st == FANTASY_OK) {
        st = copy_int(args, doc, "min_height_cm", 0, 1000);
    }
    if (st == FANTASY_OK) {
        int v = 0, present = 0;
        st = fantasy__json_bool(args, "guardian_required", 0, &v, &present);
        if (st == FANTASY_OK && present) {
            st = set_item(doc, "guardian_required", cJSON_CreateBool(v));
        }
    }
    if (st == FANTASY_OK) {
        st = copy_int(args, doc, "capacity_per_cycle", 1, 1000000);
    }
    if (st == FANTASY_OK) {
        st = copy_int(args, doc, "cycle_seconds", 1, 86400);
    }
    if (st == FANTASY_OK) {
        st = copy_tags(args, doc);
    }
    if (st == FANTASY_OK) {
        st = fill_nulls(doc);
    }
    if (st == FANTASY_OK &&
        strlen(cJSON_GetObjectItemCaseSensitive(doc, "name")->valuestring) == 0) {
        st = fantasy__fail(FANTASY_EINVAL, "'name' must not be empty");
    }
    return st == FANTASY_OK ? check_type(args, doc) : st;
}
