/* What park.run_due does, as a table of steps so each domain adds its own (lib/core/due.c).
 * Each step adds to the counts and returns its first error; later steps still run. */
#ifndef FANTASY_CORE_DUE_H
#define FANTASY_CORE_DUE_H

#include "fantasy/park.h"

typedef fantasy_status (*fantasy__due_step)(fantasy_park *park, int64_t now_ms,
                                            fantasy_due_counts *counts);

/* The steps, in order, NULL-terminated (defined in due.c). */
extern const fantasy__due_step fantasy__due_steps[];

/* Core steps. */
fantasy_status fantasy__due_holds(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts);
fantasy_status fantasy__due_outbox(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts);
/* CALLED entries past their deadline → NO_SHOW (lib/domain/queues). */
fantasy_status fantasy__due_no_shows(fantasy_park *park, int64_t now_ms,
                                     fantasy_due_counts *counts);
/* Orders: expire unpaid ones and resume sagas (lib/domain/orders/resume.c). */
fantasy_status fantasy__due_orders(fantasy_park *park, int64_t now_ms, fantasy_due_counts *counts);

#endif
