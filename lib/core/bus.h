/* The in-process bus's lifecycle inside the park (the public calls are in park.h).
 *
 * Per-group delivery state lives as records in collection FANTASY__BUS_STATE, each with the plain
 * index key "event:<event id>" so retention deletes them with their event:
 *   "done:<group>:<event id>"  {"group","event_id","at"}: the group's handler succeeded, or the
 *                              event was dead-lettered for it ("dead_lettered": true). Written
 *                              only after the outcome, never before.
 *   "try:<group>:<event id>"   {"group","event_id","attempts","next_try_at","last_error"}: failed
 *                              attempts so far; skipped until next_try_at (park clock). Deleted
 *                              with the done record. */
#ifndef FANTASY_CORE_BUS_H
#define FANTASY_CORE_BUS_H

#include "core/park_internal.h"

#define FANTASY__BUS_STATE "bus_groups"

/* Longest topic and group a subscription takes (room for ".DLT" and the state record ids). */
#define FANTASY__TOPIC_MAX 200
#define FANTASY__GROUP_MAX 128

fantasy_status fantasy__subs_init(fantasy__subs *subs);
void fantasy__subs_destroy(const fantasy_allocator *a, fantasy__subs *subs);

/* 1 when some group subscribes to `topic` (retention keeps its undelivered events). */
int fantasy__subs_has_topic(fantasy_park *park, const char *topic);

#endif
