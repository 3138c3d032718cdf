/* The outbox (PORTS.md): events are records in collection "outbox", written in the same apply
 * as the change that caused them. The in-process bus delivers from here (lib/core/bus.c).
 *
 * An event document is the payload object plus "event_id", "type" (= topic) and "occurred_at".
 * Index keys: plain "undelivered:<topic>" (dropped once every subscribed group is done), plain
 * "unsent:<topic>" when an external bus is configured (dropped after the relay published it) and
 * plain "all" so retention can walk events oldest first. */
#ifndef FANTASY_CORE_OUTBOX_H
#define FANTASY_CORE_OUTBOX_H

#include <cJSON.h>

#include "fantasy/backend.h"
#include "fantasy/park.h"

#include "core/json.h"

#define FANTASY__OUTBOX "outbox"

/* One event ready to go into a batch: `op` points into this struct, so keep it in place
 * until the apply is done, then fantasy__event_clear(). */
/* Event documents up to this long (an order's events are about 250 bytes) are printed into the
 * event itself: no allocation and no copy per event. */
#define FANTASY__EVENT_DOC_INLINE 512

typedef struct fantasy__event {
    char id[FANTASY_ID_MAX];
    char *doc; /* doc_buf, or a block from `a` */
    size_t doc_len;
    char doc_buf[FANTASY__EVENT_DOC_INLINE];
    char key_undelivered[600];
    char key_unsent[600];
    fantasy_index_key keys[3];
    fantasy_record_op op;
    const fantasy_allocator *a;
} fantasy__event;

/* Build an event of `type` (also its topic) from `payload` (borrowed; the event adds event_id,
 * type and occurred_at to a copy). `derived_subject` NULL → a fresh id; otherwise the id is
 * derived from (occurred_at_ms, subject, type) so a repair writes the same one. */
fantasy_status fantasy__event_make(fantasy_park *park, const char *type, const cJSON *payload,
                                   const char *derived_subject, int64_t occurred_at_ms,
                                   fantasy__event *ev);
/* Most payload fields fantasy__event_make_fields() takes. */
#define FANTASY__EVENT_MAX_FIELDS 16

/* As fantasy__event_make(), with the payload given as fields (strings or integers, in order)
 * instead of a cJSON object, so building an event makes no cJSON item at all; the document is
 * byte for byte the one an object with those members would give. */
fantasy_status fantasy__event_make_fields(fantasy_park *park, const char *type,
                                          const fantasy__json_field *fields, size_t n_fields,
                                          const char *derived_subject, int64_t occurred_at_ms,
                                          fantasy__event *ev);
void fantasy__event_clear(fantasy__event *ev);

/* Write one event on its own (create-only; an existing id counts as success): for changes made in
 * another port, right after the change. Wakes pollers. */
fantasy_status fantasy__event_publish(fantasy_park *park, const char *type, const cJSON *payload,
                                      const char *derived_subject, int64_t occurred_at_ms);

/* Tell pollers that events were committed (call after a successful apply carrying events). */
void fantasy__events_committed(fantasy_park *park, size_t n);

/* Retention: delete events older than outbox.retention_ms that no subscribed group still needs
 * and no relay still has to send. */
fantasy_status fantasy__outbox_purge(fantasy_park *park, int64_t *purged);

#endif
