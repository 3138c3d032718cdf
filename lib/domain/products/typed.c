/* The typed C API of include/fantasy/products.h, over the same handlers as the JSON methods. */
#include <stdio.h>
#include <string.h>

#include "fantasy/products.h"

#include "api/method.h"
#include "core/json.h"
#include "domain/products/docs.h"

fantasy_status fantasy__sales_typed_call(fantasy_park *park, const fantasy_actor *actor,
                                         const char *method, cJSON *args, cJSON **result) {
    *result = NULL;
    if (!args) {
        return fantasy__oom();
    }
    fantasy_status st = fantasy__call_as(park, actor, method, args, result);
    cJSON_Delete(args);
    return st;
}

cJSON *fantasy__sales_args(const char *const *kv, const char *cursor, int limit) {
    cJSON *a = cJSON_CreateObject();
    fantasy_status st = a ? FANTASY_OK : FANTASY_ENOMEM;
    for (size_t i = 0; st == FANTASY_OK && kv && kv[i]; i += 2) {
        st = kv[i + 1] ? fantasy__json_put_str(a, kv[i], kv[i + 1]) : FANTASY_OK;
    }
    if (st == FANTASY_OK && cursor) {
        st = fantasy__json_put_str(a, "cursor", cursor);
    }
    if (st == FANTASY_OK && limit != 0) {
        st = fantasy__json_put_int(a, "limit", limit);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

static void copy_str(char *dst, size_t cap, const cJSON *o, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    (void)snprintf(dst, cap, "%s", cJSON_IsString(f) ? f->valuestring : "");
}

static void fill_product(const cJSON *r, fantasy_product *p) {
    memset(p, 0, sizeof *p);
    copy_str(p->product_id, sizeof p->product_id, r, "product_id");
    copy_str(p->name, sizeof p->name, r, "name");
    copy_str(p->type, sizeof p->type, r, "type");
    copy_str(p->status, sizeof p->status, r, "status");
    copy_str(p->description, sizeof p->description, r, "description");
    (void)fantasy__json_money(r, "price", 1, &p->price, NULL);
    p->stock = fantasy__doc_int(r, "stock");
    p->available = fantasy__doc_int(r, "available");
    p->held = fantasy__doc_int(r, "held");
    p->sold = fantasy__doc_int(r, "sold");
    p->per_user_limit = fantasy__doc_int(r, "per_user_limit");
    p->sale_starts_at_ms = fantasy__doc_int(r, "sale_starts_at");
    p->sale_ends_at_ms = fantasy__doc_int(r, "sale_ends_at");
    p->version = fantasy__doc_int(r, "version");
}

static fantasy_status to_product(fantasy_park *park, const cJSON *r, fantasy_product **out) {
    fantasy_product *p = fantasy__alloc(&park->alloc, sizeof *p);
    if (!p) {
        return fantasy__oom();
    }
    fill_product(r, p);
    /* One host-owned block so fantasy_free() needs no park. */
    *out =
        (fantasy_product *)(void *)fantasy__out_strndup(&park->alloc, (const char *)p, sizeof *p);
    fantasy__free(&park->alloc, p);
    return *out ? FANTASY_OK : fantasy__oom();
}

/* The page and its products in one host-owned block, so one fantasy_free releases both. */
static fantasy_status to_page(fantasy_park *park, const cJSON *r, fantasy_product_page **out) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    size_t n = (size_t)cJSON_GetArraySize(items);
    /* sizeof the page is a multiple of its alignment, which is the product's too. */
    size_t head = sizeof(fantasy_product_page);
    size_t total = head + n * sizeof(fantasy_product);
    unsigned char *tmp = fantasy__calloc(&park->alloc, 1, total);
    if (!tmp) {
        return fantasy__oom();
    }
    fantasy_product_page *page = (fantasy_product_page *)(void *)tmp;
    fantasy_product *p = (fantasy_product *)(void *)(tmp + head);
    page->n = n;
    copy_str(page->next_cursor, sizeof page->next_cursor, r, "next_cursor");
    size_t i = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, items) {
        fill_product(it, &p[i++]);
    }
    unsigned char *block =
        (unsigned char *)fantasy__out_strndup(&park->alloc, (const char *)tmp, total);
    fantasy__free(&park->alloc, tmp);
    if (!block) {
        return fantasy__oom();
    }
    page = (fantasy_product_page *)(void *)block;
    page->items = n ? (fantasy_product *)(void *)(block + head) : NULL;
    *out = page;
    return FANTASY_OK;
}

static fantasy_status run(fantasy_park *park, const fantasy_actor *actor, const char *method,
                          cJSON *args, fantasy_product **out) {
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, method, args, &r);
    st = st ? st : to_product(park, r, out);
    cJSON_Delete(r);
    return st;
}

static fantasy_status new_args(const fantasy_product_new *in, cJSON **out) {
    cJSON *a = cJSON_CreateObject();
    fantasy_status st = a ? FANTASY_OK : fantasy__oom();
    st = st ? st : fantasy__json_put_str(a, "name", in->name ? in->name : "");
    st = st ? st : fantasy__json_put_str(a, "type", in->type ? in->type : "");
    st = st ? st : fantasy__json_put_money(a, "price", &in->price);
    if (st == FANTASY_OK && in->description) {
        st = fantasy__json_put_str(a, "description", in->description);
    }
    st = st ? st : fantasy__json_put_int(a, "stock", in->stock);
    st = st ? st : fantasy__json_put_int(a, "per_user_limit", in->per_user_limit);
    if (st == FANTASY_OK && in->sale_starts_at_ms) {
        st = fantasy__json_put_int(a, "sale_starts_at", in->sale_starts_at_ms);
    }
    if (st == FANTASY_OK && in->sale_ends_at_ms) {
        st = fantasy__json_put_int(a, "sale_ends_at", in->sale_ends_at_ms);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(a);
        return st;
    }
    *out = a;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_products_create(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_product_new *in,
                                                   fantasy_product **out) {
    fantasy__error_clear();
    if (out) {
        *out = NULL;
    }
    FANTASY__CHECK_PARK(park);
    if (!in || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__);
    }
    cJSON *args = NULL;
    fantasy_status st = new_args(in, &args);
    return st ? st : run(park, actor, "products.create", args, out);
}

static fantasy_status by_id(fantasy_park *park, const fantasy_actor *actor, const char *method,
                            const char *id, fantasy_product **out) {
    fantasy__error_clear();
    if (out) {
        *out = NULL;
    }
    FANTASY__CHECK_PARK(park);
    if (!id || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", method);
    }
    cJSON *args = cJSON_CreateObject();
    if (args && fantasy__json_put_str(args, "product_id", id) != FANTASY_OK) {
        cJSON_Delete(args);
        args = NULL;
    }
    return run(park, actor, method, args, out);
}

FANTASY_API fantasy_status fantasy_products_open(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *product_id, fantasy_product **out) {
    return by_id(park, actor, "products.open", product_id, out);
}

FANTASY_API fantasy_status fantasy_products_close(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *product_id, fantasy_product **out) {
    return by_id(park, actor, "products.close", product_id, out);
}

FANTASY_API fantasy_status fantasy_products_get(fantasy_park *park, const fantasy_actor *actor,
                                                const char *product_id, fantasy_product **out) {
    return by_id(park, actor, "products.get", product_id, out);
}

FANTASY_API fantasy_status fantasy_products_list(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *type, const char *status,
                                                 const char *cursor, int limit,
                                                 fantasy_product_page **out) {
    fantasy__error_clear();
    if (out) {
        *out = NULL;
    }
    FANTASY__CHECK_PARK(park);
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__);
    }
    const char *kv[] = { "type", type, "status", status, NULL };
    cJSON *r = NULL;
    fantasy_status st = fantasy__sales_typed_call(park, actor, "products.list",
                                                  fantasy__sales_args(kv, cursor, limit), &r);
    st = st ? st : to_page(park, r, out);
    cJSON_Delete(r);
    return st;
}

static fantasy_status opt_int(cJSON *a, const char *name, const int64_t *v) {
    return v ? fantasy__json_put_int(a, name, *v) : FANTASY_OK;
}

static fantasy_status update_args(const fantasy_product_update *in, cJSON **out) {
    cJSON *a = cJSON_CreateObject();
    fantasy_status st = a ? FANTASY_OK : fantasy__oom();
    st = st ? st : fantasy__json_put_str(a, "product_id", in->product_id ? in->product_id : "");
    st = st ? st : fantasy__json_put_int(a, "version", in->version);
    if (st == FANTASY_OK && in->name) {
        st = fantasy__json_put_str(a, "name", in->name);
    }
    if (st == FANTASY_OK && in->description) {
        st = fantasy__json_put_str(a, "description", in->description);
    }
    if (st == FANTASY_OK && in->price) {
        st = fantasy__json_put_money(a, "price", in->price);
    }
    st = st ? st : opt_int(a, "stock", in->stock);
    st = st ? st : opt_int(a, "per_user_limit", in->per_user_limit);
    st = st ? st : opt_int(a, "sale_starts_at", in->sale_starts_at_ms);
    st = st ? st : opt_int(a, "sale_ends_at", in->sale_ends_at_ms);
    if (st != FANTASY_OK) {
        cJSON_Delete(a);
        return st;
    }
    *out = a;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_products_update(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_product_update *in,
                                                   fantasy_product **out) {
    fantasy__error_clear();
    if (out) {
        *out = NULL;
    }
    FANTASY__CHECK_PARK(park);
    if (!in || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__);
    }
    cJSON *args = NULL;
    fantasy_status st = update_args(in, &args);
    return st ? st : run(park, actor, "products.update", args, out);
}

FANTASY_API void fantasy_product_free(fantasy_product *product) {
    fantasy_free(product);
}

FANTASY_API void fantasy_product_page_free(fantasy_product_page *page) {
    fantasy_free(page);
}
