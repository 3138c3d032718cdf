/* The in-process bus's lifecycle inside the park (the public calls are in park.h). */
#ifndef FANTASY_CORE_BUS_H
#define FANTASY_CORE_BUS_H

#include "core/park_internal.h"

fantasy_status fantasy__subs_init(fantasy__subs *subs);
void fantasy__subs_destroy(const fantasy_allocator *a, fantasy__subs *subs);

/* 1 when some group subscribes to `topic` (retention keeps its undelivered events). */
int fantasy__subs_has_topic(fantasy_park *park, const char *topic);

#endif
