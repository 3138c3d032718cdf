/* attractions.search and hashtags.list, answered from index keys: a search merges the id lists
 * of its keys in ascending id order, so a cursor (the last id returned) yields every match
 * exactly once even while attractions are added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/attractions/attraction.h"
#include "domain/attractions/methods.h"
#include "domain/collections.h"

#define BATCH          100
#define MAX_QUERY_TAGS 10
/* A prefix matching at most this many tags is answered as the union of their keys. */
#define PREFIX_UNION_MAX 64

typedef struct source {
    const char *key;
    char after[FANTASY_ID_MAX];
    fantasy_list *batch;
    size_t next;
    int exhausted;
} source;

/* The source's current id, or NULL at its end. */
static fantasy_status peek(fantasy_park *park, source *s, const char **id) {
    *id = NULL;
    if (s->next >= fantasy_list_size(s->batch) && !s->exhausted) {
        fantasy_list_clear(s->batch);
        s->next = 0;
        fantasy_status st = park->records.find(park->records.self, FANTASY__COL_ATTRACTIONS, s->key,
                                               s->after, BATCH, s->batch);
        if (st != FANTASY_OK) {
            return st;
        }
        size_t n = fantasy_list_size(s->batch);
        s->exhausted = n < BATCH;
        if (n > 0) {
            (void)snprintf(s->after, sizeof s->after, "%s", fantasy_list_str(s->batch, n - 1));
        }
    }
    if (s->next < fantasy_list_size(s->batch)) {
        *id = fantasy_list_str(s->batch, s->next);
    }
    return FANTASY_OK;
}

/* The smallest current id of all sources (copied into `out`, "" at the end), consumed from
 * every source holding it. */
static fantasy_status next_id(fantasy_park *park, source *srcs, size_t n, char *out) {
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *id = NULL;
        fantasy_status st = peek(park, &srcs[i], &id);
        if (st != FANTASY_OK) {
            return st;
        }
        if (id && (out[0] == '\0' || strcmp(id, out) < 0)) {
            (void)snprintf(out, FANTASY_ID_MAX, "%s", id);
        }
    }
    for (size_t i = 0; i < n && out[0]; i++) {
        const char *id = NULL;
        (void)peek(park, &srcs[i], &id); /* already filled above: no read */
        if (id && strcmp(id, out) == 0) {
            srcs[i].next++;
        }
    }
    return FANTASY_OK;
}

/* Append the attraction when live and kept by the filter; *kept says whether it was. */
static fantasy_status consider(fantasy_park *park, const char *id,
                               fantasy__attraction_filter filter, const void *ctx, cJSON *items,
                               int *kept) {
    cJSON *doc = NULL, *o = NULL;
    int64_t version = 0;
    *kept = 0;
    fantasy_status st = fantasy__attraction_load(park, id, &doc, &version);
    if (st == FANTASY_ENOTFOUND) {
        return FANTASY_OK; /* deleted between the index read and the get */
    }
    if (st == FANTASY_OK && (!filter || filter(doc, ctx))) {
        st = fantasy__attraction_object(doc, version, &o);
        if (st == FANTASY_OK && !cJSON_AddItemToArray(items, o)) {
            cJSON_Delete(o);
            st = fantasy__oom();
        }
        *kept = st == FANTASY_OK;
    }
    cJSON_Delete(doc);
    return st;
}

/* Is `id` one more match? Only then is there a next page. */
static fantasy_status probe(fantasy_park *park, const char *id, fantasy__attraction_filter filter,
                            const void *ctx, int *more) {
    cJSON *scratch = cJSON_CreateArray();
    if (!scratch) {
        return fantasy__oom();
    }
    fantasy_status st = consider(park, id, filter, ctx, scratch, more);
    cJSON_Delete(scratch);
    return st;
}

/* What a page keeps: the filter and its context. */
typedef struct pick {
    fantasy__attraction_filter filter;
    const void *ctx;
} pick;

static fantasy_status collect(fantasy_park *park, source *srcs, size_t n, const pick *p,
                              size_t limit, cJSON *items, char *last, int *more) {
    fantasy_status st = FANTASY_OK;
    size_t got = 0;
    char id[FANTASY_ID_MAX];
    *more = 0;
    while (st == FANTASY_OK) {
        st = next_id(park, srcs, n, id);
        if (st != FANTASY_OK || id[0] == '\0') {
            break;
        }
        if (got == limit) {
            st = probe(park, id, p->filter, p->ctx, more);
            if (*more) {
                break;
            }
            continue;
        }
        int kept = 0;
        st = consider(park, id, p->filter, p->ctx, items, &kept);
        if (kept) {
            got++;
            (void)snprintf(last, FANTASY_ID_MAX, "%s", id);
        }
    }
    return st;
}

fantasy_status fantasy__attraction_page(fantasy_park *park, const char *const *keys, size_t n_keys,
                                        fantasy__attraction_filter filter, const void *ctx,
                                        const char *cursor, size_t limit, cJSON **result) {
    source *srcs = fantasy__calloc(&park->alloc, n_keys ? n_keys : 1, sizeof *srcs);
    cJSON *items = cJSON_CreateArray();
    if (!srcs || !items) {
        fantasy__free(&park->alloc, srcs);
        cJSON_Delete(items);
        return fantasy__oom();
    }
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; i < n_keys && st == FANTASY_OK; i++) {
        srcs[i].key = keys[i];
        (void)snprintf(srcs[i].after, sizeof srcs[i].after, "%s", cursor ? cursor : "");
        st = fantasy_list_new(&park->alloc, &srcs[i].batch);
    }
    char last[FANTASY_ID_MAX] = "";
    int more = 0;
    if (st == FANTASY_OK) {
        pick p = { filter, ctx };
        st = collect(park, srcs, n_keys, &p, limit, items, last, &more);
    }
    for (size_t i = 0; i < n_keys; i++) {
        fantasy_list_free(srcs[i].batch);
    }
    fantasy__free(&park->alloc, srcs);
    if (st != FANTASY_OK) {
        cJSON_Delete(items);
        return st;
    }
    return fantasy__json_page_result(items, more ? last : NULL, result);
}

/* ---- attractions.search ---------------------------------------------------------------------- */

typedef struct query {
    char tags[MAX_QUERY_TAGS][FANTASY__TAG_MAX_BYTES];
    size_t n_tags;
    int any;
    char prefix[FANTASY__TAG_MAX_BYTES];
    const char *type;
} query;

static int has_tag(const cJSON *doc, const char *tag, int prefix) {
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "hashtags")) {
        if (cJSON_IsString(t) && (prefix ? strncmp(t->valuestring, tag, strlen(tag)) == 0
                                         : strcmp(t->valuestring, tag) == 0)) {
            return 1;
        }
    }
    return 0;
}

static int query_filter(const cJSON *doc, const void *ctx) {
    const query *q = ctx;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    if (q->type && (!cJSON_IsString(type) || strcmp(type->valuestring, q->type) != 0)) {
        return 0;
    }
    if (q->prefix[0] && !has_tag(doc, q->prefix, 1)) {
        return 0;
    }
    int hits = 0;
    for (size_t i = 0; i < q->n_tags; i++) {
        hits += has_tag(doc, q->tags[i], 0);
    }
    return q->n_tags == 0 || (q->any ? hits > 0 : (size_t)hits == q->n_tags);
}

static fantasy_status read_query(const cJSON *args, query *q) {
    memset(q, 0, sizeof *q);
    const cJSON *tags = NULL;
    const char *mode = NULL, *prefix = NULL;
    fantasy_status st = fantasy__json_str_array(args, "tags", 0, MAX_QUERY_TAGS, &tags, NULL);
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tags) {
        if (st == FANTASY_OK) {
            st = fantasy__tag_normalize(t->valuestring, "tags", q->tags[q->n_tags++]);
        }
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "mode", 0, &mode, NULL);
    }
    if (st == FANTASY_OK && mode && strcmp(mode, "all") != 0 && strcmp(mode, "any") != 0) {
        st = fantasy__fail(FANTASY_EINVAL, "'mode' must be \"all\" or \"any\"");
    }
    q->any = mode && strcmp(mode, "any") == 0;
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "prefix", 0, &prefix, NULL);
    }
    if (st == FANTASY_OK && prefix) {
        st = fantasy__tag_normalize(prefix, "prefix", q->prefix);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "type", 0, &q->type, NULL);
    }
    if (st == FANTASY_OK && q->type && strcmp(q->type, "RIDE") != 0 &&
        strcmp(q->type, "AREA") != 0) {
        st = fantasy__fail(FANTASY_EINVAL, "'type' must be RIDE or AREA");
    }
    return st;
}

/* "all" mode walks its rarest tag (fewest ids to filter), "any" mode every tag. */
static fantasy_status tag_keys(fantasy_park *park, const query *q, char (*keys)[600], size_t *n) {
    int64_t best = -1;
    for (size_t i = 0; i < q->n_tags; i++) {
        char key[600];
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__TAG_KEY, q->tags[i]);
        if (q->any) {
            memcpy(keys[(*n)++], key, sizeof key);
            continue;
        }
        int64_t c = 0;
        fantasy_status st =
            park->records.count(park->records.self, FANTASY__COL_ATTRACTIONS, key, &c);
        if (st != FANTASY_OK) {
            return st;
        }
        if (best < 0 || c < best) {
            best = c;
            memcpy(keys[0], key, sizeof key);
            *n = 1;
        }
    }
    return FANTASY_OK;
}

/* A prefix matching few tags walks the union of those tags; *used says whether it did. */
static fantasy_status prefix_keys(fantasy_park *park, const query *q, char (*keys)[600], size_t *n,
                                  int *used) {
    fantasy_list *l = NULL;
    char pfx[600];
    (void)snprintf(pfx, sizeof pfx, "%s%s", FANTASY__TAG_KEY, q->prefix);
    *used = 0;
    fantasy_status st = fantasy_list_new(&park->alloc, &l);
    if (st == FANTASY_OK) {
        st = park->records.find_keys(park->records.self, FANTASY__COL_ATTRACTIONS, pfx, NULL,
                                     PREFIX_UNION_MAX + 1, l);
    }
    size_t got = st == FANTASY_OK ? fantasy_list_size(l) : 0;
    if (st == FANTASY_OK && got <= PREFIX_UNION_MAX) {
        for (size_t i = 0; i < got; i++) {
            (void)snprintf(keys[(*n)++], 600, "%s", fantasy_list_str(l, i));
        }
        *used = 1;
    }
    fantasy_list_free(l);
    return st;
}

/* The keys to merge; without tags or a narrow prefix, the type or every attraction. */
static fantasy_status plan_keys(fantasy_park *park, const query *q, char (*keys)[600], size_t *n) {
    *n = 0;
    if (q->n_tags > 0) {
        return tag_keys(park, q, keys, n);
    }
    if (q->prefix[0]) {
        int used = 0;
        fantasy_status st = prefix_keys(park, q, keys, n, &used);
        if (st != FANTASY_OK || used) {
            return st;
        }
    }
    (void)snprintf(keys[(*n)++], 600, "%s%s", q->type ? FANTASY__KEY_TYPE : FANTASY__KEY_ALL,
                   q->type ? q->type : "");
    return FANTASY_OK;
}

fantasy_status fantasy__m_attractions_search(fantasy_park *park, const fantasy_actor *actor,
                                             const cJSON *args, cJSON **result) {
    (void)actor;
    query q;
    int64_t limit = 0;
    const char *cursor = NULL;
    fantasy_status st = read_query(args, &q);
    if (st == FANTASY_OK) {
        st = fantasy__json_page(args, &limit, &cursor);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    size_t cap = PREFIX_UNION_MAX + MAX_QUERY_TAGS + 1, n = 0;
    char(*keys)[600] = fantasy__calloc(&park->alloc, cap, 600);
    const char **ptrs = fantasy__calloc(&park->alloc, cap, sizeof *ptrs);
    if (!keys || !ptrs) {
        fantasy__free(&park->alloc, ptrs);
        fantasy__free(&park->alloc, keys);
        return fantasy__oom();
    }
    st = plan_keys(park, &q, keys, &n);
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = keys[i];
    }
    if (st == FANTASY_OK) {
        st = fantasy__attraction_page(park, ptrs, n, query_filter, &q, cursor, (size_t)limit,
                                      result);
    }
    fantasy__free(&park->alloc, ptrs);
    fantasy__free(&park->alloc, keys);
    return st;
}
