/* Private to lib/domain/queues: entry objects and the events of queue-store changes. */
#ifndef FANTASY_DOMAIN_QUEUES_ENTRY_H
#define FANTASY_DOMAIN_QUEUES_ENTRY_H

#include <cJSON.h>

#include "fantasy/backend.h"
#include "fantasy/park.h"

#include "domain/attractions/attraction.h"

/* "WAITING", "CALLED", ... */
const char *fantasy__entry_status_name(fantasy_entry_status s);

/* Read an entry; unknown → ENOTFOUND naming it. */
fantasy_status fantasy__entry_read(fantasy_park *park, const char *entry_id,
                                   fantasy_queue_entry *out);

/* The entry object of API.md; `ride` (may be NULL: read here) gives the ETA. */
fantasy_status fantasy__entry_object(fantasy_park *park, const fantasy_queue_entry *e,
                                     const fantasy__ride *ride, cJSON **out);

/* Publish `type` for an entry right after its change in the queue store; the id is derived
 * from the entry and the time of its transition, so a repeat or a repair writes the same one. */
fantasy_status fantasy__entry_event(fantasy_park *park, const char *type,
                                    const fantasy_queue_entry *e, int64_t at_ms);

#endif
