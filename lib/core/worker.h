/* The park's background worker (lib/core/worker.c). */
#ifndef FANTASY_CORE_WORKER_H
#define FANTASY_CORE_WORKER_H

#include "core/park_internal.h"

void fantasy__worker_init(fantasy__worker *w);
void fantasy__worker_destroy(fantasy__worker *w);

/* 1 when the calling thread is the park's worker and it has been asked to stop, so a poll it
 * runs stops waiting at once. Call with park->subs.lock held or not (lock order: subs.lock
 * before worker.lock). */
int fantasy__worker_stopping(fantasy_park *park);

#endif
