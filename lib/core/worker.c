/* The park's background worker: run_due every interval and deliver events in between. */
#include "core/worker.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"

void fantasy__worker_init(fantasy__worker *w) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    (void)fantasy__cond_init_monotonic(&w->wake);
}

void fantasy__worker_destroy(fantasy__worker *w) {
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
}

int fantasy__worker_stopping(fantasy_park *park) {
    fantasy__worker *w = &park->worker;
    pthread_mutex_lock(&w->lock);
    int stop = w->running && w->stopping && pthread_equal(w->thread, pthread_self());
    pthread_mutex_unlock(&w->lock);
    return stop;
}

/* Real (monotonic) time, not the park clock: a manual clock never moves by itself. */
static void wait_interval(fantasy__worker *w, int ms) {
    struct timespec ts = fantasy__deadline_in_ms(ms);
    int rc = 0;
    pthread_mutex_lock(&w->lock);
    while (rc != ETIMEDOUT && !w->stopping) {
        rc = pthread_cond_timedwait(&w->wake, &w->lock, &ts);
    }
    pthread_mutex_unlock(&w->lock);
}

static int should_stop(fantasy__worker *w) {
    pthread_mutex_lock(&w->lock);
    int stop = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static void *worker_main(void *arg) {
    fantasy_park *park = arg;
    fantasy__worker *w = &park->worker;
    int interval = w->interval_ms; /* set before the thread started, never changed while alive */
    int64_t next_due = 0;
    while (!should_stop(w)) {
        /* poll returns early whenever events are committed, so run_due is paced separately. */
        int64_t now = fantasy__monotonic_ms();
        if (now >= next_due) {
            (void)fantasy_park_run_due(park, NULL);
            next_due = now + interval;
        }
        if (fantasy_park_poll(park, interval) < 0) {
            wait_interval(w, interval); /* a failing backend is not retried in a hot loop */
        }
    }
    return NULL;
}

FANTASY_API fantasy_status fantasy_park_start_worker(fantasy_park *park, int interval_ms) {
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    if (interval_ms < 1) {
        return fantasy__fail(FANTASY_EINVAL, "start_worker: interval_ms must be >= 1, got %d",
                             interval_ms);
    }
    fantasy__worker *w = &park->worker;
    fantasy_status st = FANTASY_OK;
    pthread_mutex_lock(&w->lock);
    if (w->running) {
        st = fantasy__fail(FANTASY_ESTATE, "start_worker: the worker is already running");
    } else {
        w->stopping = 0;
        w->interval_ms = interval_ms;
        int rc = pthread_create(&w->thread, NULL, worker_main, park);
        if (rc != 0) {
            st = fantasy__fail(FANTASY_EBACKEND, "start_worker: pthread_create failed (errno %d)",
                               rc);
        } else {
            w->running = 1;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return st;
}

/* Wake everything the worker may be sleeping on: its own interval wait and a poll's wait. */
static void wake_worker(fantasy_park *park) {
    pthread_cond_broadcast(&park->worker.wake);
    pthread_mutex_lock(&park->subs.lock);
    pthread_cond_broadcast(&park->subs.wake);
    pthread_mutex_unlock(&park->subs.lock);
}

FANTASY_API fantasy_status fantasy_park_stop_worker(fantasy_park *park) {
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    fantasy__worker *w = &park->worker;
    pthread_mutex_lock(&w->lock);
    if (w->running && pthread_equal(w->thread, pthread_self())) {
        pthread_mutex_unlock(&w->lock);
        return fantasy__fail(FANTASY_EMISUSE, "stop_worker: called from the worker's own handler");
    }
    if (w->running && w->stopping) {
        /* Another thread is already joining: wait for it to finish rather than join twice. */
        while (w->running) {
            pthread_cond_wait(&w->wake, &w->lock);
        }
    }
    if (!w->running) {
        pthread_mutex_unlock(&w->lock);
        return FANTASY_OK;
    }
    w->stopping = 1;
    pthread_t thread = w->thread;
    pthread_mutex_unlock(&w->lock);
    /* Outside worker.lock: the lock order is subs.lock before worker.lock. */
    wake_worker(park);
    pthread_join(thread, NULL);
    pthread_mutex_lock(&w->lock);
    w->running = 0;
    w->stopping = 0;
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return FANTASY_OK;
}
