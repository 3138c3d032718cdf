/* hashtags.list: the "tag:" index keys with their counts, most used first. Deleted attractions
 * hold no keys, so the counts are of live attractions only. */
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

#define KEY_BATCH 1000

typedef struct tag_count {
    const char *tag; /* into the list that holds the keys */
    int64_t count;
} tag_count;

static int by_use(const void *a, const void *b) {
    const tag_count *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->tag, y->tag);
}

/* Every key under `prefix` into `all` (one list, so the strings stay put). */
static fantasy_status read_keys(fantasy_park *park, const char *prefix, fantasy_list *all) {
    fantasy_list *page = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &page);
    char after[600] = "";
    while (st == FANTASY_OK) {
        fantasy_list_clear(page);
        st = park->records.find_keys(park->records.self, FANTASY__COL_ATTRACTIONS, prefix, after,
                                     KEY_BATCH, page);
        size_t n = st == FANTASY_OK ? fantasy_list_size(page) : 0;
        for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
            if (fantasy_list_num(page, i) > 0) {
                st = fantasy_list_add(all, fantasy_list_str(page, i), fantasy_list_num(page, i));
            }
        }
        if (n < KEY_BATCH) {
            break;
        }
        (void)snprintf(after, sizeof after, "%s", fantasy_list_str(page, n - 1));
    }
    fantasy_list_free(page);
    return st;
}

static fantasy_status build_items(fantasy_list *all, size_t limit, const fantasy_allocator *a,
                                  cJSON **result) {
    size_t n = fantasy_list_size(all);
    tag_count *tc = fantasy__calloc(a, n ? n : 1, sizeof *tc);
    cJSON *items = cJSON_CreateArray();
    if (!tc || !items) {
        fantasy__free(a, tc);
        cJSON_Delete(items);
        return fantasy__oom();
    }
    fantasy_status st = FANTASY_OK;
    size_t skip = strlen(FANTASY__TAG_KEY);
    for (size_t i = 0; i < n; i++) {
        tc[i].tag = fantasy_list_str(all, i) + skip;
        tc[i].count = fantasy_list_num(all, i);
    }
    qsort(tc, n, sizeof *tc, by_use);
    for (size_t i = 0; i < n && i < limit && st == FANTASY_OK; i++) {
        cJSON *o = cJSON_CreateObject();
        st = o ? fantasy__json_put_str(o, "tag", tc[i].tag) : fantasy__oom();
        if (st == FANTASY_OK) {
            st = fantasy__json_put_int(o, "count", tc[i].count);
        }
        if (st == FANTASY_OK && !cJSON_AddItemToArray(items, o)) {
            st = fantasy__oom();
        }
        if (st != FANTASY_OK) {
            cJSON_Delete(o);
        }
    }
    fantasy__free(a, tc);
    *result = st == FANTASY_OK ? cJSON_CreateObject() : NULL;
    if (st == FANTASY_OK) {
        st = *result ? fantasy__json_put(*result, "items", items) : fantasy__oom();
        items = NULL;
    }
    cJSON_Delete(items);
    return st;
}

fantasy_status fantasy__m_hashtags_list(fantasy_park *park, const fantasy_actor *actor,
                                        const cJSON *args, cJSON **result) {
    (void)actor;
    const char *prefix = NULL;
    int64_t limit = 20;
    char tag[FANTASY__TAG_MAX_BYTES] = "";
    fantasy_status st = fantasy__json_str(args, "prefix", 0, &prefix, NULL);
    if (st == FANTASY_OK && prefix) {
        st = fantasy__tag_normalize(prefix, "prefix", tag);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_int(args, "limit", 0, 1, 100, &limit, NULL);
    }
    fantasy_list *all = NULL;
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &all);
    }
    if (st == FANTASY_OK) {
        char key[600];
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__TAG_KEY, tag);
        st = read_keys(park, key, all);
    }
    if (st == FANTASY_OK) {
        st = build_items(all, (size_t)limit, &park->alloc, result);
        if (st != FANTASY_OK) {
            cJSON_Delete(*result);
            *result = NULL;
        }
    }
    fantasy_list_free(all);
    return st;
}
