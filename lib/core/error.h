/* Internal face of errors.h: set the thread's message and return the status. */
#ifndef FANTASY_CORE_ERROR_H
#define FANTASY_CORE_ERROR_H

#include "fantasy/errors.h"

/* Same as fantasy_error_set(); the name says it is a failing path. */
/* NOLINTNEXTLINE(readability-identifier-naming): an alias that must read as a function */
#define fantasy__fail fantasy_error_set

/* FANTASY_ENOMEM with static text (no formatting, no allocation). */
fantasy_status fantasy__oom(void);

/* Empty this thread's message (done on entry to public calls). */
void fantasy__error_clear(void);

/* Prefix the thread's current message with "prefix: " (keeps the status). */
fantasy_status fantasy__error_wrap(fantasy_status st, const char *prefix);

#endif
