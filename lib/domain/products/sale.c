/* Is a product on sale now, and at what price: asked by every order, so the rules derived from a
 * product document are memoized per park by the document's version and bytes (core/memo.h). The
 * current document is read from the record store on every call; only its parsing is saved. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "domain/collections.h"
#include "domain/products/docs.h"
#include "domain/products/product.h"

/* What an order needs from a product document. */
typedef struct sale_rules {
    char status[16];
    int has_start, has_end;
    int64_t starts_at, ends_at;
    fantasy_money price;
    int64_t per_user_limit;
} sale_rules;

/* The rules of a document whose fields are all well formed; 0 when some are not (never
 * memoized: the checks on the document itself report them). */
static int rules_of(const cJSON *p, sale_rules *r) {
    memset(r, 0, sizeof *r);
    const char *status = fantasy__doc_str(p, "status");
    if (strlen(status) >= sizeof r->status) {
        return 0;
    }
    (void)snprintf(r->status, sizeof r->status, "%s", status);
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(p, "sale_starts_at");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(p, "sale_ends_at");
    r->has_start = cJSON_IsNumber(start);
    r->starts_at = r->has_start ? (int64_t)start->valuedouble : 0;
    r->has_end = cJSON_IsNumber(end);
    r->ends_at = r->has_end ? (int64_t)end->valuedouble : 0;
    r->per_user_limit = fantasy__doc_int(p, "per_user_limit");
    if (fantasy__json_money(p, "price", 1, &r->price, NULL) != FANTASY_OK) {
        fantasy__error_clear(); /* check_doc reports it */
        return 0;
    }
    return 1;
}

/* The checks of an order against the rules, in the order the callers rely on. */
static fantasy_status check(const sale_rules *r, int64_t now, int64_t qty) {
    if (strcmp(r->status, "OPEN") != 0) {
        return fantasy__fail(FANTASY_ENOTONSALE, "product is %s", r->status);
    }
    if ((r->has_start && now < r->starts_at) || (r->has_end && now >= r->ends_at)) {
        return fantasy__fail(FANTASY_ENOTONSALE, "outside the product's sale window");
    }
    if (r->price.amount_minor > FANTASY__JSON_MAX_INT / qty) {
        return fantasy__fail(FANTASY_EINVAL, "amount overflows");
    }
    return FANTASY_OK;
}

/* The same checks straight on a document the memo could not take. */
static fantasy_status check_doc(const cJSON *p, int64_t now, int64_t qty, fantasy_money *unit) {
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(p, "sale_starts_at");
    const cJSON *end = cJSON_GetObjectItemCaseSensitive(p, "sale_ends_at");
    fantasy_status st = FANTASY_OK;
    if (strcmp(fantasy__doc_str(p, "status"), "OPEN") != 0) {
        st = fantasy__fail(FANTASY_ENOTONSALE, "product is %s", fantasy__doc_str(p, "status"));
    } else if ((cJSON_IsNumber(start) && now < (int64_t)start->valuedouble) ||
               (cJSON_IsNumber(end) && now >= (int64_t)end->valuedouble)) {
        st = fantasy__fail(FANTASY_ENOTONSALE, "outside the product's sale window");
    }
    st = st ? st : fantasy__json_money(p, "price", 1, unit, NULL);
    if (st == FANTASY_OK && unit->amount_minor > FANTASY__JSON_MAX_INT / qty) {
        st = fantasy__fail(FANTASY_EINVAL, "amount overflows");
    }
    return st;
}

/* One order's question about a product, and what was found out. */
typedef struct sale_ask {
    fantasy_park *park;
    const fantasy_actor *actor;
    const char *id;
    int64_t qty;
    sale_rules rules;
    fantasy_money unit;
    int checked; /* the document was checked in full: `unit` is the price */
} sale_ask;

/* Rules from the stored bytes `data` of version `ver`: the memo's, or parsed (and memoized). A
 * document that is not memoizable is checked in full here instead. */
static fantasy_status rules_for(sale_ask *q, const char *data, size_t len, int64_t ver) {
    const fantasy__memo memo = FANTASY__MEMO_OF(q->park, sale_rules);
    sale_rules *r = &q->rules;
    if (fantasy__memo_get(memo, q->id, ver, data, len, r, sizeof *r)) {
        return FANTASY_OK;
    }
    cJSON *p = NULL;
    fantasy_status st = fantasy__json_parse_doc(data, len, &p);
    if (st != FANTASY_OK) {
        return st;
    }
    if (rules_of(p, r)) {
        fantasy__memo_put(memo, q->id, ver, data, len, r, sizeof *r);
    } else if (q->actor->role >= FANTASY_ROLE_MANAGER ||
               strcmp(fantasy__doc_str(p, "status"), "DRAFT") != 0) {
        q->checked = 1;
        st = check_doc(p, fantasy__now(q->park), q->qty, &q->unit);
        r->per_user_limit = fantasy__doc_int(p, "per_user_limit");
    } else {
        (void)snprintf(r->status, sizeof r->status, "DRAFT");
    }
    cJSON_Delete(p);
    return st;
}

/* The current document of the product, through rules_for. */
static fantasy_status read_rules(sale_ask *q) {
    fantasy_buf *buf = NULL;
    int64_t ver = 0;
    fantasy_park *park = q->park;
    fantasy_status st = fantasy_buf_new(&park->alloc, &buf);
    st = st ? st : park->records.get(park->records.self, FANTASY__COL_PRODUCTS, q->id, buf, &ver);
    if (st == FANTASY_ENOTFOUND) {
        st = fantasy__fail(FANTASY_ENOTFOUND, "product %s not found", q->id);
    }
    st = st ? st : rules_for(q, fantasy_buf_data(buf), fantasy_buf_len(buf), ver);
    fantasy_buf_free(buf);
    return st;
}

fantasy_status fantasy__product_sale(fantasy_park *park, const fantasy_actor *actor,
                                     const char *product_id, int64_t qty, fantasy_money *amount,
                                     int64_t *limit) {
    if (!product_id || !fantasy__id_valid(product_id)) {
        return fantasy__fail(FANTASY_ENOTFOUND, "product not found");
    }
    sale_ask q = { .park = park, .actor = actor, .id = product_id, .qty = qty };
    fantasy_status st = read_rules(&q);
    if (st == FANTASY_OK && !q.checked && actor->role < FANTASY_ROLE_MANAGER &&
        strcmp(q.rules.status, "DRAFT") == 0) {
        /* Drafts are not announced: below MANAGER they do not exist. */
        st = fantasy__fail(FANTASY_ENOTFOUND, "product %s not found", product_id);
    }
    if (st == FANTASY_OK && !q.checked) {
        st = check(&q.rules, fantasy__now(park), qty);
        q.unit = q.rules.price;
    }
    if (st == FANTASY_OK) {
        *amount = q.unit;
        amount->amount_minor = q.unit.amount_minor * qty;
        *limit = q.rules.per_user_limit;
    }
    return st;
}
