/* Attractions in the record store: loading, index keys, the public object and the ride view. */
#include "domain/attractions/store.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/attractions/attraction.h"
#include "domain/collections.h"

fantasy_status fantasy__attraction_load(fantasy_park *park, const char *id, cJSON **doc,
                                        int64_t *version) {
    *doc = NULL;
    if (!fantasy__id_valid(id)) {
        return fantasy__fail(FANTASY_ENOTFOUND, "attraction %s not found", id);
    }
    fantasy_buf *buf = NULL;
    fantasy_status st = fantasy_buf_new(&park->alloc, &buf);
    if (st == FANTASY_OK) {
        st = park->records.get(park->records.self, FANTASY__COL_ATTRACTIONS, id, buf, version);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_parse_doc(fantasy_buf_data(buf), fantasy_buf_len(buf), doc);
    }
    fantasy_buf_free(buf);
    if (st == FANTASY_OK && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*doc, "deleted"))) {
        cJSON_Delete(*doc);
        *doc = NULL;
        st = FANTASY_ENOTFOUND;
    }
    if (st == FANTASY_ENOTFOUND) {
        return fantasy__fail(FANTASY_ENOTFOUND, "attraction %s not found", id);
    }
    return st;
}

fantasy_status fantasy__attraction_object(const cJSON *doc, int64_t version, cJSON **out) {
    cJSON *o = cJSON_Duplicate(doc, 1);
    if (!o) {
        return fantasy__oom();
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o, "deleted");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "version");
    fantasy_status st = fantasy__json_put_int(o, "version", version);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

static const char *doc_str(const cJSON *doc, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(f) ? f->valuestring : "";
}

static int64_t doc_int(const cJSON *doc, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : 0;
}

int fantasy__hhmm_minutes(const char *s) {
    if (strlen(s) != 5 || s[2] != ':') {
        return -1;
    }
    for (int i = 0; i < 5; i++) {
        if (i != 2 && (s[i] < '0' || s[i] > '9')) {
            return -1;
        }
    }
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

fantasy_status fantasy__ride_load(fantasy_park *park, const char *id, fantasy__ride *out) {
    memset(out, 0, sizeof *out);
    cJSON *doc = NULL;
    int64_t version = 0;
    fantasy_status st = fantasy__attraction_load(park, id, &doc, &version);
    if (st != FANTASY_OK) {
        return st;
    }
    out->is_ride = strcmp(doc_str(doc, "type"), "RIDE") == 0;
    (void)snprintf(out->status, sizeof out->status, "%s", doc_str(doc, "status"));
    out->opens_min = fantasy__hhmm_minutes(doc_str(doc, "opens_at"));
    out->closes_min = fantasy__hhmm_minutes(doc_str(doc, "closes_at"));
    out->capacity_per_cycle = doc_int(doc, "capacity_per_cycle");
    out->cycle_seconds = doc_int(doc, "cycle_seconds");
    cJSON_Delete(doc);
    return FANTASY_OK;
}

int fantasy__ride_is_open_at(const fantasy_park *park, const fantasy__ride *ride, int64_t now_ms) {
    int64_t local_min = now_ms / 60000 + park->settings.park_utc_offset_min;
    int m = (int)(((local_min % 1440) + 1440) % 1440);
    int o = ride->opens_min, c = ride->closes_min;
    if (o < 0 || c < 0) {
        return 0;
    }
    if (o == c) {
        return 1; /* equal hours mean open around the clock */
    }
    return o < c ? (m >= o && m < c) : (m >= o || m < c);
}

/* ---- writing --------------------------------------------------------------------------------- */

void fantasy__attraction_keys_clear(fantasy__attraction_keys *k) {
    for (size_t i = 0; i < k->n; i++) {
        fantasy__free(k->a, k->strs[i]);
    }
    fantasy__free(k->a, k->strs);
    fantasy__free(k->a, k->keys);
    memset(k, 0, sizeof *k);
}

static fantasy_status add_key(fantasy__attraction_keys *k, const char *prefix, const char *v) {
    size_t len = strlen(prefix) + strlen(v) + 1;
    char *s = fantasy__alloc(k->a, len);
    if (!s) {
        return fantasy__oom();
    }
    (void)snprintf(s, len, "%s%s", prefix, v);
    k->strs[k->n] = s;
    k->keys[k->n].key = s;
    k->keys[k->n].unique = 0;
    k->n++;
    return FANTASY_OK;
}

fantasy_status fantasy__attraction_keys_make(const fantasy_allocator *a, const cJSON *doc,
                                             fantasy__attraction_keys *k) {
    memset(k, 0, sizeof *k);
    k->a = a;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(doc, "hashtags");
    size_t cap = 3 + (size_t)cJSON_GetArraySize(tags);
    k->strs = fantasy__calloc(a, cap, sizeof *k->strs);
    k->keys = fantasy__calloc(a, cap, sizeof *k->keys);
    if (!k->strs || !k->keys) {
        fantasy__attraction_keys_clear(k);
        return fantasy__oom();
    }
    fantasy_status st = add_key(k, FANTASY__KEY_ALL, "");
    if (st == FANTASY_OK) {
        st = add_key(k, FANTASY__KEY_TYPE, doc_str(doc, "type"));
    }
    if (st == FANTASY_OK) {
        st = add_key(k, FANTASY__KEY_STATUS, doc_str(doc, "status"));
    }
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags) {
        if (st == FANTASY_OK && cJSON_IsString(t)) {
            st = add_key(k, FANTASY__TAG_KEY, t->valuestring);
        }
    }
    if (st != FANTASY_OK) {
        fantasy__attraction_keys_clear(k);
    }
    return st;
}

fantasy_status fantasy__attraction_write(fantasy_park *park, const char *id, const cJSON *doc,
                                         int64_t expected_version, fantasy__event *ev,
                                         int64_t *version_out) {
    int deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "deleted"));
    fantasy__attraction_keys k;
    memset(&k, 0, sizeof k);
    fantasy_status st = deleted ? FANTASY_OK : fantasy__attraction_keys_make(&park->alloc, doc, &k);
    char *text = NULL;
    size_t len = 0;
    if (st == FANTASY_OK) {
        st = fantasy__json_print(&park->alloc, doc, &text, &len);
    }
    if (st == FANTASY_OK) {
        fantasy_record_op ops[2];
        memset(ops, 0, sizeof ops);
        ops[0].kind = FANTASY_OP_PUT;
        ops[0].mode = expected_version > 0 ? FANTASY_WRITE_IF_VERSION : FANTASY_WRITE_CREATE;
        ops[0].collection = FANTASY__COL_ATTRACTIONS;
        ops[0].id = id;
        ops[0].doc = text;
        ops[0].doc_len = len;
        ops[0].expected_version = expected_version;
        ops[0].keys = k.keys;
        ops[0].n_keys = k.n;
        size_t n = 1;
        if (ev) {
            ops[n++] = ev->op;
        }
        int64_t versions[2] = { 0, 0 };
        st = park->records.apply(park->records.self, ops, n, versions);
        *version_out = versions[0];
        if (st == FANTASY_OK && ev) {
            fantasy__events_committed(park, 1);
        } else if (st == FANTASY_ECONFLICT) {
            st = fantasy__fail(FANTASY_ECONFLICT, "attraction %s: stale version %lld", id,
                               (long long)expected_version);
        }
    }
    fantasy__free(&park->alloc, text);
    fantasy__attraction_keys_clear(&k);
    return st;
}
