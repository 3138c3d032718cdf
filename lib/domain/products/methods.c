/* products.* JSON methods (API.md). */
#include <stdio.h>
#include <string.h>

#include "api/method.h"
#include "core/json.h"
#include "domain/collections.h"
#include "domain/products/docs.h"
#include "domain/products/product.h"

static int valid_type(const char *t) {
    return strcmp(t, "EVENT") == 0 || strcmp(t, "TICKET") == 0 || strcmp(t, "MEMBERSHIP") == 0;
}

/* Copy the optional editable fields of `args` into `doc` (also used for create). */
static fantasy_status apply_fields(const cJSON *args, cJSON *doc) {
    const char *s = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str(args, "name", 0, &s, &present);
    if (st == FANTASY_OK && present) {
        st = *s ? fantasy__doc_set_str(doc, "name", s)
                : fantasy__fail(FANTASY_EINVAL, "name must not be empty");
    }
    st = st ? st : fantasy__json_str(args, "description", 0, &s, &present);
    if (st == FANTASY_OK && present) {
        st = fantasy__doc_set_str(doc, "description", s);
    }
    fantasy_money price;
    st = st ? st : fantasy__json_money(args, "price", 0, &price, &present);
    if (st == FANTASY_OK && present) {
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "price");
        st = fantasy__json_put_money(doc, "price", &price);
    }
    static const char *const ints[] = { "per_user_limit", "sale_starts_at", "sale_ends_at" };
    for (size_t i = 0; i < 3 && st == FANTASY_OK; i++) {
        int64_t v = 0;
        st = fantasy__json_int(args, ints[i], 0, 0, FANTASY__JSON_MAX_INT, &v, &present);
        if (st == FANTASY_OK && present) {
            st = fantasy__doc_set_int(doc, ints[i], v);
        }
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "sale_starts_at");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(doc, "sale_ends_at");
    if (st == FANTASY_OK && cJSON_IsNumber(a) && cJSON_IsNumber(b) &&
        b->valuedouble <= a->valuedouble) {
        st = fantasy__fail(FANTASY_EINVAL, "sale_ends_at must be after sale_starts_at");
    }
    return st;
}

static fantasy_status read_stock(const cJSON *args, int required, int64_t *stock, int *present) {
    return fantasy__json_int(args, "stock", required, -1, FANTASY__JSON_MAX_INT, stock, present);
}

static fantasy_status result_of(fantasy_park *park, fantasy_status st, const cJSON *doc,
                                int64_t version, cJSON **result) {
    return st == FANTASY_OK ? fantasy__product_json(park, doc, version, result) : st;
}

/* The new product's document, from the arguments. */
static fantasy_status new_doc(fantasy_park *park, const cJSON *args, cJSON **out) {
    static const char *const fields[] = { "name",           "type",         "price",
                                          "description",    "stock",        "per_user_limit",
                                          "sale_starts_at", "sale_ends_at", NULL };
    const char *type = NULL, *name = NULL;
    fantasy_money price;
    int64_t stock = 0;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "name", 1, &name, NULL);
    st = st ? st : fantasy__json_str(args, "type", 1, &type, NULL);
    if (st == FANTASY_OK && !valid_type(type)) {
        st = fantasy__fail(FANTASY_EINVAL, "type must be EVENT, TICKET or MEMBERSHIP");
    }
    st = st ? st : fantasy__json_money(args, "price", 1, &price, NULL);
    st = st ? st : read_stock(args, 1, &stock, NULL);
    char id[FANTASY_ID_MAX];
    st = st ? st : fantasy__park_id(park, id);
    cJSON *doc = st == FANTASY_OK ? cJSON_CreateObject() : NULL;
    if (st == FANTASY_OK && !doc) {
        st = fantasy__oom();
    }
    st = st ? st : fantasy__json_put_str(doc, "product_id", id);
    st = st ? st : fantasy__json_put_str(doc, "name", name);
    st = st ? st : fantasy__json_put_str(doc, "type", type);
    st = st ? st : fantasy__json_put_str(doc, "status", "DRAFT");
    st = st ? st : fantasy__json_put_money(doc, "price", &price);
    /* absent optional fields are null (API.md) */
    st = st ? st : fantasy__json_put_null(doc, "description");
    st = st ? st : fantasy__json_put_int(doc, "stock", stock);
    st = st ? st : fantasy__json_put_int(doc, "per_user_limit", 0);
    st = st ? st : fantasy__json_put_null(doc, "sale_starts_at");
    st = st ? st : fantasy__json_put_null(doc, "sale_ends_at");
    st = st ? st : fantasy__json_put_int(doc, "created_at", fantasy__now(park));
    st = st ? st : apply_fields(args, doc);
    if (st != FANTASY_OK) {
        cJSON_Delete(doc);
        return st;
    }
    *out = doc;
    return FANTASY_OK;
}

static fantasy_status m_create(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    (void)actor;
    cJSON *doc = NULL;
    fantasy_status st = new_doc(park, args, &doc);
    int64_t ver = 0;
    /* Counters first: a product record never exists without its stock. */
    st = st ? st
            : park->stock.set_stock(park->stock.self, fantasy__doc_str(doc, "product_id"),
                                    fantasy__doc_int(doc, "stock"));
    st = st ? st : fantasy__product_write(park, doc, 0, &ver);
    st = result_of(park, st, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

/* Stock changes after the record (PORTS.md step 5); a refusal writes the old record back. */
static fantasy_status update_stock(fantasy_park *park, const cJSON *old, int64_t *ver,
                                   int64_t stock) {
    const char *id = fantasy__doc_str(old, "product_id");
    fantasy_status st = park->stock.set_stock(park->stock.self, id, stock);
    if (st != FANTASY_EINVAL) {
        return st;
    }
    char msg[512];
    (void)snprintf(msg, sizeof msg, "%s", fantasy_error_last());
    fantasy_status back = fantasy__product_write(park, old, *ver, ver);
    if (back != FANTASY_OK) {
        return back;
    }
    return fantasy__fail(FANTASY_EINVAL, "stock below held + sold: %s", msg);
}

static fantasy_status m_update(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    static const char *const fields[] = {
        "product_id", "version",        "name",           "price",        "description",
        "stock",      "per_user_limit", "sale_starts_at", "sale_ends_at", NULL
    };
    const char *id = NULL;
    int64_t version = 0, ver = 0, stock = 0;
    int has_stock = 0;
    cJSON *old = NULL, *doc = NULL;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "product_id", 1, &id, NULL);
    st = st ? st : fantasy__json_int(args, "version", 1, 1, FANTASY__JSON_MAX_INT, &version, NULL);
    st = st ? st : read_stock(args, 0, &stock, &has_stock);
    st = st ? st : fantasy__product_load(park, actor, id, &old, &ver);
    if (st == FANTASY_OK && ver != version) {
        st = fantasy__fail(FANTASY_ECONFLICT, "product is at version %lld, not %lld",
                           (long long)ver, (long long)version);
    }
    doc = st == FANTASY_OK ? cJSON_Duplicate(old, 1) : NULL;
    st = st ? st : (doc ? apply_fields(args, doc) : fantasy__oom());
    if (st == FANTASY_OK && has_stock) {
        st = fantasy__doc_set_int(doc, "stock", stock);
    }
    st = st ? st : fantasy__product_write(park, doc, ver, &ver);
    if (st == FANTASY_OK && has_stock) {
        st = update_stock(park, old, &ver, stock);
    }
    st = result_of(park, st, doc, ver, result);
    cJSON_Delete(old);
    cJSON_Delete(doc);
    return st;
}

static fantasy_status move(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                           const char *from, const char *to, cJSON **result) {
    static const char *const fields[] = { "product_id", NULL };
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "product_id", 1, &id, NULL);
    st = st ? st : fantasy__product_load(park, actor, id, &doc, &ver);
    if (st == FANTASY_OK && strcmp(fantasy__doc_str(doc, "status"), from) != 0) {
        st = fantasy__fail(FANTASY_ESTATE, "product is %s, only a %s product can become %s",
                           fantasy__doc_str(doc, "status"), from, to);
    }
    st = st ? st : fantasy__doc_set_str(doc, "status", to);
    st = st ? st : fantasy__product_write(park, doc, ver, &ver);
    st = result_of(park, st, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

static fantasy_status m_open(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    return move(park, actor, args, "DRAFT", "OPEN", result);
}

static fantasy_status m_close(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                              cJSON **result) {
    return move(park, actor, args, "OPEN", "CLOSED", result);
}

static fantasy_status m_get(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    static const char *const fields[] = { "product_id", NULL };
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "product_id", 1, &id, NULL);
    st = st ? st : fantasy__product_load(park, actor, id, &doc, &ver);
    st = result_of(park, st, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

typedef struct list_filter {
    const char *type;
    const char *status;
    int staff;
} list_filter;

static int keep_product(const cJSON *doc, const void *ctx) {
    const list_filter *f = ctx;
    const char *status = fantasy__doc_str(doc, "status");
    if (!f->staff && strcmp(status, "DRAFT") == 0) {
        return 0;
    }
    return (!f->type || strcmp(f->type, fantasy__doc_str(doc, "type")) == 0) &&
           (!f->status || strcmp(f->status, status) == 0);
}

static fantasy_status m_list(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    static const char *const fields[] = { "type", "status", "cursor", "limit", NULL };
    list_filter f = { NULL, NULL, actor->role >= FANTASY_ROLE_MANAGER };
    int64_t limit = 0;
    const char *cursor = NULL;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "type", 0, &f.type, NULL);
    st = st ? st : fantasy__json_str(args, "status", 0, &f.status, NULL);
    st = st ? st : fantasy__json_page(args, &limit, &cursor);
    if (st != FANTASY_OK) {
        return st;
    }
    char key[128];
    if (f.status) {
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_STATUS, f.status);
    } else if (f.type) {
        (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_TYPE, f.type);
    } else {
        (void)snprintf(key, sizeof key, "%s", FANTASY__KEY_ALL);
    }
    const fantasy__doc_query q = { FANTASY__COL_PRODUCTS, key, keep_product, &f,
                                   fantasy__product_json };
    return fantasy__doc_page(park, &q, cursor, limit, result);
}

const fantasy__method fantasy__products_methods[] = {
    { "products.create", FANTASY_ROLE_MANAGER, 0, m_create },
    { "products.update", FANTASY_ROLE_MANAGER, 0, m_update },
    { "products.open", FANTASY_ROLE_MANAGER, 0, m_open },
    { "products.close", FANTASY_ROLE_MANAGER, 0, m_close },
    { "products.get", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_get },
    { "products.list", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_list },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
