/**
 * @file products.h
 * @brief Products on sale: the typed form of the `products.*` JSON methods.
 *
 * Same caller rules as API.md: create, open and close need a MANAGER; get is open to anyone
 * (pass NULL for anonymous), but a DRAFT product is FANTASY_ENOTFOUND below MANAGER. Counts come
 * from the stock store, the authority on what is sold. Outs are cleared on entry and stay NULL on
 * failure.
 */
#ifndef FANTASY_PRODUCTS_H
#define FANTASY_PRODUCTS_H

#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

#define FANTASY_PRODUCT_NAME_MAX 256
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
    char product_id[FANTASY_ID_MAX];
    char name[FANTASY_PRODUCT_NAME_MAX]; /**< truncated when longer */
    char type[16];
    char status[16]; /**< "DRAFT", "OPEN" or "CLOSED" */
    fantasy_money price;
    char description[FANTASY_PRODUCT_DESC_MAX]; /**< truncated when longer */
    int64_t stock;                              /**< −1 unlimited */
    int64_t available;                          /**< −1 when unlimited */
    int64_t held;
    int64_t sold;
    int64_t per_user_limit;
    int64_t sale_starts_at_ms; /**< 0 when none */
    int64_t sale_ends_at_ms;   /**< 0 when none */
    int64_t version;
} fantasy_product;

/**
 * `products.create`: a new DRAFT product with its stock counters.
 * @param out free with fantasy_product_free().
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
 * @return FANTASY_OK; FANTASY_ENOTFOUND; FANTASY_ESTATE (not DRAFT); FANTASY_ECONFLICT (changed
 *         meanwhile); FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_open(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *product_id, fantasy_product **out);

/**
 * `products.close` (OPEN → CLOSED).
 * @return as fantasy_products_open() (FANTASY_ESTATE when not OPEN).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_close(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *product_id, fantasy_product **out);

/**
 * `products.get`: the product with its current counts.
 * @param actor NULL for anonymous.
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown, or a DRAFT asked below MANAGER);
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_products_get(fantasy_park *park, const fantasy_actor *actor,
                                                const char *product_id, fantasy_product **out);

/** What fantasy_products_update() changes: every NULL pointer keeps the current value. */
typedef struct fantasy_product_update {
    const char *product_id; /**< required */
    int64_t version;        /**< required: the version read; stale → ECONFLICT */
    const char *name;       /**< non-empty when given */
    const char *description;
    const fantasy_money *price;
    const int64_t *stock; /**< never below held + sold; held and sold are kept */
    const int64_t *per_user_limit;
    const int64_t *sale_starts_at_ms;
    const int64_t *sale_ends_at_ms;
} fantasy_product_update;

/**
 * `products.update`: the record first (version CAS), then the stock counters.
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

FANTASY_END_DECLS

#endif /* FANTASY_PRODUCTS_H */
