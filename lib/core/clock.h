/* Built-in clocks; the only file allowed to read the system time is clock.c. */
#ifndef FANTASY_CORE_CLOCK_H
#define FANTASY_CORE_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Wall time in ms for places that need it before a park exists (conf defaults). */
int64_t fantasy__system_now_ms(void);

/* Milliseconds on the monotonic clock, for pacing and timeouts (never a time of day). */
int64_t fantasy__monotonic_ms(void);

/* Sleep the calling thread (worker, bus backoff waits). */
void fantasy__sleep_ms(int64_t ms);

/* A condition variable whose timed waits run on the monotonic clock, so stepping the wall clock
 * (NTP, an operator) neither cuts a wait short nor stretches it. 0 or an errno value. */
int fantasy__cond_init_monotonic(pthread_cond_t *cond);

/* The deadline `ms` from now for pthread_cond_timedwait on such a condition variable. */
struct timespec fantasy__deadline_in_ms(int64_t ms);

#endif
