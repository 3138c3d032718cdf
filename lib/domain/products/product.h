/* The products domain's internal face, used by its methods and by orders. */
#ifndef FANTASY_DOMAIN_PRODUCTS_PRODUCT_H
#define FANTASY_DOMAIN_PRODUCTS_PRODUCT_H

#include <cJSON.h>

#include "core/park_internal.h"

/* Load a product as `actor` sees it: a DRAFT is NOT_FOUND below MANAGER. */
fantasy_status fantasy__product_load(fantasy_park *park, const fantasy_actor *actor, const char *id,
                                     cJSON **doc, int64_t *version);
/* The API object: the stored document plus counts from the stock store and the version. */
fantasy_status fantasy__product_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                     cJSON **out);
/* Whether `actor` can order `qty` of the product now (sale.c): NOT_FOUND (also a DRAFT below
 * MANAGER), NOT_ON_SALE (status or window) or INVALID_ARGUMENT (amount overflows); else the
 * amount (price × qty) and the per-user limit. */
fantasy_status fantasy__product_sale(fantasy_park *park, const fantasy_actor *actor,
                                     const char *product_id, int64_t qty, fantasy_money *amount,
                                     int64_t *limit);
/* Write `doc` over version `expected` with the product's index keys. */
fantasy_status fantasy__product_write(fantasy_park *park, const cJSON *doc, int64_t expected,
                                      int64_t *new_version);

#endif
