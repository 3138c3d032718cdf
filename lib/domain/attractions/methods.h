/* Private to lib/domain/attractions: pages of attractions merged from index keys. */
#ifndef FANTASY_DOMAIN_ATTRACTIONS_METHODS_H
#define FANTASY_DOMAIN_ATTRACTIONS_METHODS_H

#include <cJSON.h>

#include "fantasy/backend.h"

#include "api/method.h"

/* 1 when the document belongs in the page. */
typedef int (*fantasy__attraction_filter)(const cJSON *doc, const void *ctx);

/* A page of live attractions whose ids hold any of the sources' keys, ascending by id, strictly
 * after `cursor`, kept by `filter` (NULL: all); next_cursor is the last id when more follow. */
fantasy_status fantasy__attraction_page(fantasy_park *park, const char *const *keys, size_t n_keys,
                                        fantasy__attraction_filter filter, const void *ctx,
                                        const char *cursor, size_t limit, cJSON **result);

fantasy_status fantasy__m_attractions_search(fantasy_park *park, const fantasy_actor *actor,
                                             const cJSON *args, cJSON **result);
fantasy_status fantasy__m_hashtags_list(fantasy_park *park, const fantasy_actor *actor,
                                        const cJSON *args, cJSON **result);

#endif
