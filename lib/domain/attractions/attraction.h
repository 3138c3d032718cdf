/* Attractions in the record store, shared by the attractions and queues domains.
 *
 * A document is the attraction object of API.md without `version` (the store keeps it) plus
 * "deleted": true once soft-deleted. A live document carries the plain keys "all",
 * "type:<TYPE>", "status:<STATUS>" and one "tag:<tag>" per hashtag; a deleted one carries none,
 * so lists, search and hashtag counts forget it without a scan. */
#ifndef FANTASY_DOMAIN_ATTRACTIONS_ATTRACTION_H
#define FANTASY_DOMAIN_ATTRACTIONS_ATTRACTION_H

#include <cJSON.h>

#include "fantasy/park.h"

#define FANTASY__TAG_KEY       "tag:"
#define FANTASY__TAG_MAX_CHARS 50
#define FANTASY__TAG_MAX_BYTES (FANTASY__TAG_MAX_CHARS * 4 + 1)

/* What the queues need to know about a ride. */
typedef struct fantasy__ride {
    int is_ride;
    char status[16];
    int opens_min, closes_min; /* minutes after local midnight */
    int64_t capacity_per_cycle;
    int64_t cycle_seconds;
} fantasy__ride;

/* Normalize one hashtag (API.md fine points) into `out`; FANTASY_EINVAL naming `what`. */
fantasy_status fantasy__tag_normalize(const char *in, const char *what,
                                      char out[FANTASY__TAG_MAX_BYTES]);

/* Read a live attraction's document (taken by the caller) and version; deleted → ENOTFOUND. */
fantasy_status fantasy__attraction_load(fantasy_park *park, const char *id, cJSON **doc,
                                        int64_t *version);

/* The ride view of a live attraction. */
fantasy_status fantasy__ride_load(fantasy_park *park, const char *id, fantasy__ride *out);

/* 1 when park-local time `now_ms` lies inside the ride's hours (hours may cross midnight). */
int fantasy__ride_is_open_at(const fantasy_park *park, const fantasy__ride *ride, int64_t now_ms);

/* The public object of a document: a copy without "deleted", with "version". */
fantasy_status fantasy__attraction_object(const cJSON *doc, int64_t version, cJSON **out);

/* Cancel every WAITING or CALLED entry of a ride, each with its queues.left event
 * (lib/domain/queues). */
fantasy_status fantasy__queues_cancel_ride(fantasy_park *park, const char *ride_id);

#endif
