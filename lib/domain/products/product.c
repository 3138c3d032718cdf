/* Products as records (the description) over the stock store (the authority on counts). */
#include "domain/products/product.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"
#include "domain/products/docs.h"

fantasy_status fantasy__product_load(fantasy_park *park, const fantasy_actor *actor, const char *id,
                                     cJSON **doc, int64_t *version) {
    fantasy_status st = fantasy__doc_load(park, FANTASY__COL_PRODUCTS, "product", id, doc, version);
    if (st == FANTASY_OK && actor->role < FANTASY_ROLE_MANAGER &&
        strcmp(fantasy__doc_str(*doc, "status"), "DRAFT") == 0) {
        /* Drafts are not announced: below MANAGER they do not exist. */
        cJSON_Delete(*doc);
        *doc = NULL;
        return fantasy__fail(FANTASY_ENOTFOUND, "product %s not found", id);
    }
    return st;
}

fantasy_status fantasy__product_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                     cJSON **out) {
    fantasy_stock_counts c;
    memset(&c, 0, sizeof c);
    fantasy_status st =
        park->stock.counts(park->stock.self, fantasy__doc_str(doc, "product_id"), &c);
    cJSON *o = st == FANTASY_OK ? cJSON_Duplicate(doc, 1) : NULL;
    if (st == FANTASY_OK && !o) {
        st = fantasy__oom();
    }
    if (st == FANTASY_OK) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "created_at");
        st = fantasy__doc_set_int(o, "stock", c.stock);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "available", c.available);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "held", c.held);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "sold", c.sold);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "version", version);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

fantasy_status fantasy__product_write(fantasy_park *park, const cJSON *doc, int64_t expected,
                                      int64_t *new_version) {
    char k_status[128], k_type[128];
    (void)snprintf(k_status, sizeof k_status, "%s%s", FANTASY__KEY_STATUS,
                   fantasy__doc_str(doc, "status"));
    (void)snprintf(k_type, sizeof k_type, "%s%s", FANTASY__KEY_TYPE, fantasy__doc_str(doc, "type"));
    const char *keys[] = { FANTASY__KEY_ALL, k_status, k_type, NULL };
    fantasy__docw w;
    fantasy_status st =
        fantasy__docw_make(park, &w, FANTASY__COL_PRODUCTS, fantasy__doc_str(doc, "product_id"),
                           doc, expected, keys, NULL);
    if (st == FANTASY_OK) {
        st = park->records.apply(park->records.self, &w.op, 1, new_version);
    }
    fantasy__docw_clear(&w);
    if (st == FANTASY_ECONFLICT) {
        return fantasy__fail(st, "product changed since version %lld", (long long)expected);
    }
    return st;
}
