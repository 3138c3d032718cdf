/* The park's background worker (lib/core/worker.c). */
#ifndef FANTASY_CORE_WORKER_H
#define FANTASY_CORE_WORKER_H

#include "core/park_internal.h"

void fantasy__worker_init(fantasy__worker *w);
void fantasy__worker_destroy(fantasy__worker *w);

#endif
