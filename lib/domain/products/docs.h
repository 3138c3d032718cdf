/* Record helpers shared by the products and orders domains: load a JSON document, build a write
 * op with its index keys, and page through an index key with an in-memory filter. */
#ifndef FANTASY_DOMAIN_PRODUCTS_DOCS_H
#define FANTASY_DOMAIN_PRODUCTS_DOCS_H

#include <cJSON.h>

#include "core/park_internal.h"

#define FANTASY__DOC_MAX_KEYS 6

/* One document write ready for a batch; `op` points into this struct, so keep it in place. */
typedef struct fantasy__docw {
    char *text;
    size_t len;
    char id[256]; /* a copy: the op outlives the caller's id */
    char keybuf[FANTASY__DOC_MAX_KEYS][600];
    fantasy_index_key keys[FANTASY__DOC_MAX_KEYS];
    fantasy_record_op op;
    const fantasy_allocator *a;
} fantasy__docw;

/* Load `id` of `col`; FANTASY_ENOTFOUND names `what` ("product", "order"). */
fantasy_status fantasy__doc_load(fantasy_park *park, const char *col, const char *what,
                                 const char *id, cJSON **doc, int64_t *version);

/* Build a put of `doc` with plain `keys` (NULL-terminated, may be NULL) and an optional unique
 * key: a create when `expected` is 0, else conditioned on that version. */
fantasy_status fantasy__docw_make(fantasy_park *park, fantasy__docw *w, const char *col,
                                  const char *id, const cJSON *doc, int64_t expected,
                                  const char *const *keys, const char *unique_key);
void fantasy__docw_clear(fantasy__docw *w);

/* Field readers for stored documents (trusted): "" / 0 when absent. */
const char *fantasy__doc_str(const cJSON *doc, const char *name);
int64_t fantasy__doc_int(const cJSON *doc, const char *name);
/* Replace (or add) a field. */
fantasy_status fantasy__doc_set_str(cJSON *doc, const char *name, const char *s);
fantasy_status fantasy__doc_set_int(cJSON *doc, const char *name, int64_t v);

typedef int (*fantasy__doc_filter)(const cJSON *doc, const void *ctx);
typedef fantasy_status (*fantasy__doc_render)(fantasy_park *park, const cJSON *doc, int64_t version,
                                              cJSON **out);

/* A page of documents holding `key`, oldest first, after `cursor`, keeping those `filter`
 * accepts (NULL: all), each rendered; {"items", "next_cursor"}. */
typedef struct fantasy__doc_query {
    const char *col;
    const char *key;
    fantasy__doc_filter filter; /* NULL: keep all */
    const void *ctx;
    fantasy__doc_render render;
} fantasy__doc_query;

fantasy_status fantasy__doc_page(fantasy_park *park, const fantasy__doc_query *q,
                                 const char *cursor, int64_t limit, cJSON **result);

/* Method arguments from NULL-terminated name/value string pairs (a NULL value is left out),
 * plus a list's `cursor` (NULL: left out) and `limit` (0: left out, the default). NULL when
 * out of memory. */
cJSON *fantasy__sales_args(const char *const *kv, const char *cursor, int limit);

/* fantasy__call_as that takes `args` (NULL: they could not be built → FANTASY_ENOMEM). */
fantasy_status fantasy__sales_typed_call(fantasy_park *park, const fantasy_actor *actor,
                                         const char *method, cJSON *args, cJSON **result);

#endif
