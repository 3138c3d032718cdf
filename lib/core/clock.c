/* The system and manual clocks; the only file that reads the system time. */
#include "core/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "fantasy/backends/memory.h"

#include "core/alloc.h"
#include "core/error.h"

int64_t fantasy__system_now_ms(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fantasy__monotonic_ms(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fantasy__sleep_ms(int64_t ms) {
    if (ms <= 0) {
        return;
    }
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

int fantasy__cond_init_monotonic(pthread_cond_t *cond) {
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0) {
        return rc;
    }
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0) {
        rc = pthread_cond_init(cond, &attr);
    }
    (void)pthread_condattr_destroy(&attr);
    return rc;
}

struct timespec fantasy__deadline_in_ms(int64_t ms) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + (ms > 0 ? ms : 0) % 1000 * 1000000;
    ts.tv_sec += (time_t)((ms > 0 ? ms : 0) / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

/* Both clocks keep one atomic: the manual clock's time, or the system clock's last reading so
 * it never goes backwards when the wall clock is stepped. */
typedef struct clock_state {
    atomic_llong ms;
} clock_state;

static int64_t system_now(void *self) {
    clock_state *c = self;
    int64_t now = fantasy__system_now_ms();
    long long last = atomic_load(&c->ms);
    while (now > last) {
        if (atomic_compare_exchange_weak(&c->ms, &last, now)) {
            return now;
        }
    }
    return last;
}

static int64_t manual_now(void *self) {
    clock_state *c = self;
    return atomic_load(&c->ms);
}

static fantasy_status manual_advance(void *self, int64_t ms) {
    clock_state *c = self;
    if (ms < 0) {
        return fantasy__fail(FANTASY_EINVAL, "advance_clock: ms must be >= 0, got %lld",
                             (long long)ms);
    }
    long long cur = atomic_load(&c->ms);
    do {
        if (cur > INT64_MAX - ms) {
            return fantasy__fail(FANTASY_EINVAL, "advance_clock: time would overflow");
        }
    } while (!atomic_compare_exchange_weak(&c->ms, &cur, cur + ms));
    return FANTASY_OK;
}

static void clock_destroy(void *self) {
    fantasy__free(fantasy__libc_allocator(), self);
}

static fantasy_status clock_open(int64_t start, int manual, fantasy_clock *out) {
    clock_state *c = fantasy__alloc(fantasy__libc_allocator(), sizeof *c);
    if (!c) {
        return fantasy__oom();
    }
    atomic_init(&c->ms, start);
    fantasy_clock_init(out);
    out->self = c;
    out->now_ms = manual ? manual_now : system_now;
    out->advance = manual ? manual_advance : NULL;
    out->destroy = clock_destroy;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_clock_manual_open(int64_t start_ms, fantasy_clock *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_clock_manual_open: NULL out");
    }
    if (start_ms < 0) {
        return fantasy__fail(FANTASY_EINVAL, "manual clock: start_ms must be >= 0");
    }
    return clock_open(start_ms, 1, out);
}

FANTASY_API fantasy_status fantasy_clock_system_open(fantasy_clock *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_clock_system_open: NULL out");
    }
    return clock_open(0, 0, out);
}
