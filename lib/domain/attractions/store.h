/* Private to lib/domain/attractions: index keys and compare-and-set writes. */
#ifndef FANTASY_DOMAIN_ATTRACTIONS_STORE_H
#define FANTASY_DOMAIN_ATTRACTIONS_STORE_H

#include <cJSON.h>

#include "fantasy/backend.h"

#include "core/outbox.h"

/* The index keys of a live document; strings owned here. */
typedef struct fantasy__attraction_keys {
    const fantasy_allocator *a;
    char **strs;
    fantasy_index_key *keys;
    size_t n;
} fantasy__attraction_keys;

fantasy_status fantasy__attraction_keys_make(const fantasy_allocator *a, const cJSON *doc,
                                             fantasy__attraction_keys *k);
void fantasy__attraction_keys_clear(fantasy__attraction_keys *k);

/* "HH:MM" → minutes after midnight, −1 when malformed. */
int fantasy__hhmm_minutes(const char *s);

/* Put `doc`: create when expected_version is 0, else only over that version (ECONFLICT when
 * stale); `ev` (may be NULL) goes into the same batch. */
fantasy_status fantasy__attraction_write(fantasy_park *park, const char *id, const cJSON *doc,
                                         int64_t expected_version, fantasy__event *ev,
                                         int64_t *version_out);

#endif
