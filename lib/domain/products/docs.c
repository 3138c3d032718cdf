/* Record helpers shared by products and orders (docs.h). */
#include "domain/products/docs.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"

#define PAGE_BATCH 100

fantasy_status fantasy__doc_load(fantasy_park *park, const char *col, const char *what,
                                 const char *id, cJSON **doc, int64_t *version) {
    if (!id || !fantasy__id_valid(id)) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s not found", what);
    }
    fantasy_buf *buf = NULL;
    fantasy_status st = fantasy_buf_new(&park->alloc, &buf);
    int64_t ver = 0;
    if (st == FANTASY_OK) {
        st = park->records.get(park->records.self, col, id, buf, &ver);
    }
    if (st == FANTASY_ENOTFOUND) {
        st = fantasy__fail(FANTASY_ENOTFOUND, "%s %s not found", what, id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_parse_doc(fantasy_buf_data(buf), fantasy_buf_len(buf), doc);
    }
    fantasy_buf_free(buf);
    if (st == FANTASY_OK && version) {
        *version = ver;
    }
    return st;
}

/* snprintf(dst, cap, "%s", src) without the format machinery: this runs per key per write. */
static void copy_str(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    n = n < cap ? n : cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

fantasy_status fantasy__docw_make(fantasy_park *park, fantasy__docw *w, const char *col,
                                  const char *id, const cJSON *doc, int64_t expected,
                                  const char *const *keys, const char *unique_key) {
    /* Not a memset of the whole struct: the key buffers are large and written before use. */
    w->text = NULL;
    w->len = 0;
    w->op = (fantasy_record_op){ .kind = FANTASY_OP_PUT };
    w->a = &park->alloc;
    fantasy_status st = fantasy__json_print(&park->alloc, doc, &w->text, &w->len);
    if (st != FANTASY_OK) {
        return st;
    }
    size_t n = 0;
    for (size_t i = 0; keys && keys[i] && n < FANTASY__DOC_MAX_KEYS - 1; i++, n++) {
        copy_str(w->keybuf[n], sizeof w->keybuf[n], keys[i]);
        w->keys[n].key = w->keybuf[n];
        w->keys[n].unique = 0;
    }
    if (unique_key) {
        copy_str(w->keybuf[n], sizeof w->keybuf[n], unique_key);
        w->keys[n].key = w->keybuf[n];
        w->keys[n].unique = 1;
        n++;
    }
    w->op.kind = FANTASY_OP_PUT;
    w->op.mode = expected ? FANTASY_WRITE_IF_VERSION : FANTASY_WRITE_CREATE;
    w->op.collection = col;
    copy_str(w->id, sizeof w->id, id);
    w->op.id = w->id;
    w->op.doc = w->text;
    w->op.doc_len = w->len;
    w->op.expected_version = expected;
    w->op.keys = w->keys;
    w->op.n_keys = n;
    return FANTASY_OK;
}

void fantasy__docw_clear(fantasy__docw *w) {
    if (w->a) {
        fantasy__free(w->a, w->text);
    }
    w->text = NULL;
}

const char *fantasy__doc_str(const cJSON *doc, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(f) ? f->valuestring : "";
}

int64_t fantasy__doc_int(const cJSON *doc, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : 0;
}

fantasy_status fantasy__doc_set_str(cJSON *doc, const char *name, const char *s) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, name);
    return fantasy__json_put_str(doc, name, s);
}

fantasy_status fantasy__doc_set_int(cJSON *doc, const char *name, int64_t v) {
    cJSON_DeleteItemFromObjectCaseSensitive(doc, name);
    return fantasy__json_put_int(doc, name, v);
}

/* Render one listed id into `items` when the filter keeps it; *kept says whether it did. */
static fantasy_status page_one(fantasy_park *park, const char *col, const char *id,
                               fantasy__doc_filter filter, const void *ctx,
                               fantasy__doc_render render, cJSON *items, int *kept) {
    cJSON *doc = NULL;
    int64_t ver = 0;
    *kept = 0;
    fantasy_status st = fantasy__doc_load(park, col, "document", id, &doc, &ver);
    if (st == FANTASY_ENOTFOUND) {
        return FANTASY_OK; /* deleted between find and get */
    }
    if (st == FANTASY_OK && (!filter || filter(doc, ctx))) {
        cJSON *item = NULL;
        st = render(park, doc, ver, &item);
        if (st == FANTASY_OK) {
            cJSON_AddItemToArray(items, item);
            *kept = 1;
        }
    }
    cJSON_Delete(doc);
    return st;
}

/* 1 when `id` exists and the filter keeps it: one more match means a next page exists. */
static fantasy_status matches(fantasy_park *park, const char *col, const char *id,
                              fantasy__doc_filter filter, const void *ctx, int *match) {
    cJSON *doc = NULL;
    *match = 0;
    fantasy_status st = fantasy__doc_load(park, col, "document", id, &doc, NULL);
    if (st == FANTASY_OK) {
        *match = !filter || filter(doc, ctx);
    }
    cJSON_Delete(doc);
    return st == FANTASY_ENOTFOUND ? FANTASY_OK : st;
}

/* A page being filled. */
typedef struct pager {
    fantasy_park *park;
    const char *col;
    fantasy__doc_filter filter;
    const void *ctx;
    fantasy__doc_render render;
    cJSON *items;
    int64_t count, limit;
    int more;
    char last_kept[FANTASY_ID_MAX];
} pager;

/* Take one listed id; returns non-zero in *full once the page and its look-ahead are done. */
static fantasy_status take(pager *pg, const char *id, int *full) {
    if (pg->count == pg->limit) {
        fantasy_status st = matches(pg->park, pg->col, id, pg->filter, pg->ctx, &pg->more);
        *full = pg->more;
        return st;
    }
    int kept = 0;
    fantasy_status st =
        page_one(pg->park, pg->col, id, pg->filter, pg->ctx, pg->render, pg->items, &kept);
    if (kept) {
        pg->count++;
        (void)snprintf(pg->last_kept, sizeof pg->last_kept, "%s", id);
    }
    return st;
}

fantasy_status fantasy__doc_page(fantasy_park *park, const fantasy__doc_query *q,
                                 const char *cursor, int64_t limit, cJSON **result) {
    pager pg = { park, q->col, q->filter, q->ctx, q->render, cJSON_CreateArray(), 0, limit, 0, "" };
    fantasy_list *ids = NULL;
    fantasy_status st = pg.items ? fantasy_list_new(&park->alloc, &ids) : fantasy__oom();
    char after[FANTASY_ID_MAX];
    (void)snprintf(after, sizeof after, "%s", cursor ? cursor : "");
    int done = 0;
    while (st == FANTASY_OK && !done) {
        fantasy_list_clear(ids);
        st = park->records.find(park->records.self, q->col, q->key, after, PAGE_BATCH, ids);
        size_t n = st == FANTASY_OK ? fantasy_list_size(ids) : 0;
        for (size_t i = 0; i < n && st == FANTASY_OK && !done; i++) {
            st = take(&pg, fantasy_list_str(ids, i), &done);
        }
        if (n > 0) {
            (void)snprintf(after, sizeof after, "%s", fantasy_list_str(ids, n - 1));
        }
        done = done || n < PAGE_BATCH;
    }
    fantasy_list_free(ids);
    if (st == FANTASY_OK) {
        st = fantasy__json_page_result(pg.items, pg.more ? pg.last_kept : NULL, result);
        pg.items = NULL;
    }
    cJSON_Delete(pg.items);
    return st;
}
