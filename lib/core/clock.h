/* Built-in clocks; the only file allowed to read the system time is clock.c. */
#ifndef FANTASY_CORE_CLOCK_H
#define FANTASY_CORE_CLOCK_H

#include <stdint.h>

/* Wall time in ms for places that need it before a park exists (conf defaults). */
int64_t fantasy__system_now_ms(void);

/* Sleep the calling thread (worker, bus backoff waits). */
void fantasy__sleep_ms(int64_t ms);

#endif
