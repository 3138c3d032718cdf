/**
 * @file products.h
 * @brief Products on sale: the typed form of the `products` JSON methods.
 *
 * Same caller rules as API.md: create, open and close need a MANAGER; get is open to anyone
 * (pass NULL for anonymous), but a DRAFT product is FANTASY_ENOTFOUND below MANAGER. Counts come
 * from the stock store, the authority on what is sold. Outs are cleared on entry and stay NULL on
 * failure.
 */
#ifndef FANTASY_PRODUCTS_H
#define FANTASY_PRODUCTS_H

#include <stddef.h>

#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

/** Room for a product's name in ::fantasy_product, with its NUL. */
#define FANTASY_PRODUCT_NAME_MAX 256
/** Room for a product's description in ::fantasy_product, with its NUL. */
#define FANTASY_PRODUCT_DESC_MAX 2048

/** What fantasy_products_create() takes. Strings are borrowed. */
typedef struct fantasy_product_new {
    const char *name;          /**< required, non-empty */
    const char *type;          /**< required: "EVENT", "TICKET" or "MEMBERSHIP" */
    fantasy_money price;       /**< per unit, minor units ≥ 0 */
    const char *description;   /**< optional (NULL) */
    int64_t stock;             /**< ≥ 0, or FANTASY_STOCK_UNLIMITED */
    int64_t per_user_limit;    /**< 0: none */
    int64_t sale_starts_at_ms; /**< 0: no start */
    int64_t sale_ends_at_ms;   /**< 0: no end; else after the start */
} fantasy_product_new;

/** A product as callers see it (API.md `product`). Freed with fantasy_product_free(). */
typedef struct fantasy_product {
    char product_id[FANTASY_ID_MAX];            /**< the product's id */
    char name[FANTASY_PRODUCT_NAME_MAX];        /**< truncated when longer */
    char type[16];                              /**< "EVENT", "TICKET" or "MEMBERSHIP" */
    char status[16];                            /**< "DRAFT", "OPEN" or "CLOSED" */
    fantasy_money price;                        /**< per unit */
    char description[FANTASY_PRODUCT_DESC_MAX]; /**< "" when none; truncated when longer */
    int64_t stock;                              /**< −1 unlimited */
    int64_t available;                          /**< −1 when unlimited */
    int64_t held;                               /**< units in unpaid orders' holds */
    int64_t sold;                               /**< units of paid orders */
    int64_t per_user_limit;                     /**< held + sold per user; 0: none */
    int64_t sale_starts_at_ms;                  /**< 0 when none */
    int64_t sale_ends_at_ms;                    /**< 0 when none */
    int64_t version;                            /**< pass it to fantasy_products_update() */
} fantasy_product;

/**
 * `products.create`: a new DRAFT product with its stock counters.
 * @param park an open park.
 * @param actor a MANAGER or above; NULL is anonymous.
 * @param in borrowed.
 * @param out the product; free with fantasy_product_free().
 * @return FANTASY_OK; FANTASY_EINVAL (a field out of range); FANTASY_EAUTH (anonymous);
 *         FANTASY_EPERM (below MANAGER); FANTASY_EMISUSE (NULL park, in or out);
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_create(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_product_new *in,
                                                   fantasy_product **out);

/**
 * `products.open` (DRAFT → OPEN).
 * @param park an open park.
 * @param actor a MANAGER or above; NULL is anonymous.
 * @param product_id the product to open.
 * @param out the product; free with fantasy_product_free().
 * @return FANTASY_OK; FANTASY_ENOTFOUND; FANTASY_ESTATE (not DRAFT); FANTASY_ECONFLICT (changed
 *         meanwhile); FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_open(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *product_id, fantasy_product **out);

/**
 * `products.close` (OPEN → CLOSED).
 * @param park an open park.
 * @param actor a MANAGER or above; NULL is anonymous.
 * @param product_id the product to close.
 * @param out the product; free with fantasy_product_free().
 * @return as fantasy_products_open() (FANTASY_ESTATE when not OPEN).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_close(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *product_id, fantasy_product **out);

/**
 * `products.get`: the product with its current counts.
 * @param park an open park.
 * @param actor NULL for anonymous.
 * @param product_id the product to read.
 * @param out the product; free with fantasy_product_free().
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown, or a DRAFT asked below MANAGER);
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_get(fantasy_park *park, const fantasy_actor *actor,
                                                const char *product_id, fantasy_product **out);

/** One page of fantasy_products_list(): one allocation freed by fantasy_product_page_free(). */
typedef struct fantasy_product_page {
    fantasy_product *items; /**< `n` products, oldest first; part of the page's allocation */
    size_t n;               /**< number of products in `items` */
    char next_cursor[FANTASY_ID_MAX]; /**< "" when this page reaches the end */
} fantasy_product_page;

/**
 * `products.list`: products with their current counts, oldest first. DRAFT products are listed
 * for MANAGER and above only.
 * @param park an open park.
 * @param actor NULL for anonymous.
 * @param type NULL for every type, else "EVENT", "TICKET" or "MEMBERSHIP" (another value lists
 *        nothing).
 * @param status NULL for every status, else "DRAFT", "OPEN" or "CLOSED".
 * @param cursor NULL or "" from the start, else a page's `next_cursor`.
 * @param limit 1–100, or 0 for the default 20.
 * @param out free with fantasy_product_page_free().
 * @return FANTASY_OK; FANTASY_EINVAL (limit outside 0–100); FANTASY_EMISUSE (NULL park or out);
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_list(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *type, const char *status,
                                                 const char *cursor, int limit,
                                                 fantasy_product_page **out);

/** What fantasy_products_update() changes: every NULL pointer keeps the current value. */
typedef struct fantasy_product_update {
    const char *product_id;           /**< required */
    int64_t version;                  /**< required: the version read; stale → ECONFLICT */
    const char *name;                 /**< non-empty when given */
    const char *description;          /**< the new description */
    const fantasy_money *price;       /**< the new price per unit */
    const int64_t *stock;             /**< never below held + sold; held and sold are kept */
    const int64_t *per_user_limit;    /**< 0: none */
    const int64_t *sale_starts_at_ms; /**< the new start of the sale window */
    const int64_t *sale_ends_at_ms;   /**< the new end; after the start */
} fantasy_product_update;

/**
 * `products.update`: the record first (version CAS), then the stock counters.
 * @param park an open park.
 * @param actor a MANAGER or above; NULL is anonymous.
 * @param in borrowed.
 * @param out the product as updated; free with fantasy_product_free().
 * @return FANTASY_OK; FANTASY_ECONFLICT (stale version); FANTASY_EINVAL (a field out of range,
 *         or stock below held + sold: the record is left as it was); FANTASY_ENOTFOUND;
 *         FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_update(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_product_update *in,
                                                   fantasy_product **out);

/** Free a product; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_product_free(fantasy_product *product);
/** Free a page and its products; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_product_page_free(fantasy_product_page *page);

FANTASY_END_DECLS

#endif /* FANTASY_PRODUCTS_H */
