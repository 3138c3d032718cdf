/* The busy handler of every connection (db.h): how a writer waits for a write lock another
 * connection holds.
 *
 * SQLite's own handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50,
 * 100 ms between tries. The three stores of a park share one file but not a write mutex, so their
 * writers meet here all the time, and a write transaction lasts well under a millisecond: a
 * waiter slept on for up to 100 ms after the lock was free, and the park day spent most of its
 * wall time asleep. Here a waiter first yields the CPU a few times (the holder is often a thread
 * of this process about to commit), then sleeps in steps that double from tens of microseconds
 * up to one millisecond, so it gets the lock within about a millisecond of its release, for at
 * most FANTASY__SQLITE_BUSY_TIMEOUT_MS in all, as before. */
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "backends/sqlite/db.h"

/* Tries that only yield the CPU before the first sleep. */
#define YIELDS 4
/* The first sleep and the longest one. */
#define FIRST_SLEEP_NS 20000L
#define MAX_SLEEP_NS   1000000L

int64_t fantasy__sqlite_busy_step_ns(int n) {
    if (n < YIELDS) {
        return 0;
    }
    int64_t ns = FIRST_SLEEP_NS;
    for (int i = YIELDS; i < n && ns < MAX_SLEEP_NS; i++) {
        ns *= 2;
    }
    return ns < MAX_SLEEP_NS ? ns : MAX_SLEEP_NS;
}

static int64_t now_ns(void) {
    struct timespec t;
    (void)clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_ns(int64_t ns) {
    struct timespec t = { .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000) };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* SQLite passes how many times it called the handler for this lock so far; 0 starts a wait. */
static int on_busy(void *arg, int n) {
    fantasy__sqlite_busy *b = arg;
    int64_t now = now_ns();
    if (n == 0) {
        b->since_ns = now;
    } else if (now - b->since_ns >= (int64_t)FANTASY__SQLITE_BUSY_TIMEOUT_MS * 1000000) {
        return 0; /* SQLITE_BUSY: the caller gets FANTASY_EUNAVAILABLE */
    }
    int64_t step = fantasy__sqlite_busy_step_ns(n);
    if (step == 0) {
        (void)sched_yield();
    } else {
        sleep_ns(step);
    }
    return 1;
}

void fantasy__sqlite_busy_install(sqlite3 *h, fantasy__sqlite_busy *b) {
    b->since_ns = 0;
    (void)sqlite3_busy_handler(h, on_busy, b);
}
