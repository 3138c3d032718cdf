/* The SQLite stock store's batched reserves (PORTS.md, stock store): several reserves in one
 * IMMEDIATE transaction, each succeeding or failing alone (a refused reserve writes nothing, so
 * no savepoint per item is needed). reserve batches the calls of concurrent threads (group
 * commit); reserve_many the items of one call. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "backends/sqlite/db.h"
#include "backends/sqlite/stock_internal.h"
#include "core/error.h"

typedef fantasy__sqlite_stock store;
typedef fantasy__sqlite_waiter waiter;

/* A failure of the store itself (not of one item's conditions) ends a reserve_many. */
static int store_failure(fantasy_status st) {
    return st == FANTASY_EUNAVAILABLE || st == FANTASY_EBACKEND || st == FANTASY_ENOMEM ||
           st == FANTASY_EMISUSE;
}

/* One item of a batch: its own result, or the store's failure, which ends the batch. A refused
 * item leaves no trace (fantasy__sqlite_stock_reserve_in). */
static fantasy_status reserve_item(fantasy__sqlite_conn *c, const fantasy_hold *h,
                                   fantasy_status *result) {
    *result = fantasy__sqlite_stock_check_hold(h);
    if (*result != FANTASY_OK) {
        return FANTASY_OK;
    }
    *result = fantasy__sqlite_stock_reserve_in(c, h);
    return store_failure(*result) ? *result : FANTASY_OK;
}

/* ---- group commit -------------------------------------------------------------------------- */

/* A reserve waiting in the store's queue. The leader fills st and msg, then sets done and
 * signals `wake` under q_lock; the waiter's stack frame holds it until then. A condition of its
 * own per waiter: a batch's end wakes its own waiters and the next leader, not every thread
 * queued (a broadcast had all of them fight for q_lock after every commit). */
struct fantasy__sqlite_waiter {
    const fantasy_hold *h;
    struct fantasy__sqlite_waiter *next;
    pthread_cond_t wake;
    fantasy_status st;
    int done;
    char msg[512]; /* the leader's message for this item, set again in the waiter's thread */
};

static void note(waiter *w, fantasy_status st) {
    w->st = st;
    if (st != FANTASY_OK) {
        (void)snprintf(w->msg, sizeof w->msg, "%s", fantasy_error_last());
    }
}

/* The batch's reserves: one alone decides the transaction (its failure rolls back its hold
 * row); of several, each refused one takes its own hold row back. */
static fantasy_status group_items(fantasy__sqlite_conn *c, waiter *batch) {
    if (!batch->next) {
        fantasy_status st = fantasy__sqlite_stock_reserve_in(c, batch->h);
        note(batch, st);
        return st;
    }
    fantasy_status st = FANTASY_OK;
    for (waiter *w = batch; w && st == FANTASY_OK; w = w->next) {
        fantasy_status item = FANTASY_OK;
        st = reserve_item(c, w->h, &item);
        note(w, item);
    }
    return st;
}

/* Take the queue as it stands; called with q_lock held. */
static waiter *take_queue(store *s) {
    waiter *batch = s->head;
    s->head = NULL;
    s->tail = NULL;
    return batch;
}

/* Lead one batch; called with q_lock held, returns with it held. The queue is taken only once
 * the write lock is ours, so every reserve that arrived while the leader waited for it (and
 * while the previous batch ran) rides along. When the transaction as a whole fails, nothing of
 * it was written and every item gets that failure. */
static void lead(store *s) {
    s->leading = 1;
    pthread_mutex_unlock(&s->q_lock);
    fantasy__sqlite_conn *c = NULL;
    fantasy_status st = fantasy__sqlite_acquire(s->base.db, "reserve", &c);
    st = st ? st : fantasy__sqlite_begin_write(c, "reserve: begin");
    /* Let the threads the last batch woke (on a busy core) queue before the batch closes. */
    (void)sched_yield();
    pthread_mutex_lock(&s->q_lock);
    waiter *batch = take_queue(s);
    pthread_mutex_unlock(&s->q_lock);
    st = st ? st : group_items(c, batch);
    if (c) {
        st = fantasy__sqlite_end(c, st, "reserve: commit");
    }
    if (st != FANTASY_OK && (batch->next || batch->st != st)) {
        for (waiter *w = batch; w; w = w->next) {
            note(w, st);
        }
    }
    pthread_mutex_lock(&s->q_lock);
    while (batch) {
        waiter *next = batch->next;
        batch->done = 1;
        pthread_cond_signal(&batch->wake);
        batch = next;
    }
    s->leading = 0;
    if (s->head) { /* the first of those queued meanwhile leads the next batch */
        pthread_cond_signal(&s->head->wake);
    }
    /* Only now: release() may run a checkpoint, which the waiters need not sit through. */
    pthread_mutex_unlock(&s->q_lock);
    fantasy__sqlite_release(s->base.db, c);
    pthread_mutex_lock(&s->q_lock);
}

/* Reserves of one store that arrive while a transaction runs queue up; when it ends, one of them
 * leads the whole queue through the next transaction (group commit). Each reserve is still its
 * own hold row and conditional UPDATE, and a refused one writes nothing, so each succeeds or fails
 * alone, and each returns only once the transaction holding it committed. Threads of one process
 * thus share one write lock hand-off and one commit instead of queueing for them one by one. */
fantasy_status fantasy__sqlite_stock_reserve(void *self, const fantasy_hold *h) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "reserve");
    st = st ? st : fantasy__sqlite_stock_check_hold(h);
    /* Before the queue: in a forked child its lock may be a copy taken mid-use. */
    st = st ? st : fantasy__sqlite_check_process(s->base.db, "reserve");
    if (st != FANTASY_OK) {
        return st;
    }
    waiter me;
    memset(&me, 0, sizeof me);
    me.h = h;
    if (pthread_cond_init(&me.wake, NULL) != 0) {
        return fantasy__fail(FANTASY_ENOMEM, "sqlite stock store: reserve: no condition");
    }
    pthread_mutex_lock(&s->q_lock);
    if (s->tail) {
        s->tail->next = &me;
    } else {
        s->head = &me;
    }
    s->tail = &me;
    while (!me.done) {
        if (s->leading) {
            pthread_cond_wait(&me.wake, &s->q_lock);
        } else {
            lead(s);
        }
    }
    pthread_mutex_unlock(&s->q_lock);
    pthread_cond_destroy(&me.wake);
    return me.st == FANTASY_OK ? FANTASY_OK : fantasy__fail(me.st, "%s", me.msg);
}

fantasy_status fantasy__sqlite_stock_reserve_many(void *self, const fantasy_hold *holds, size_t n,
                                                  fantasy_status *results) {
    store *s = self;
    fantasy_status st = fantasy__sqlite_stock_check(s, "reserve_many");
    if (st != FANTASY_OK || n == 0) {
        return st;
    }
    if (!holds || !results) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite stock store: reserve_many: NULL array");
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->base.db, "reserve_many", &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, "reserve_many: begin");
        for (size_t i = 0; i < n && st == FANTASY_OK; i++) {
            st = reserve_item(c, &holds[i], &results[i]);
        }
        st = fantasy__sqlite_end(c, st, "reserve_many: commit");
    }
    fantasy__sqlite_release(s->base.db, c);
    for (size_t i = 0; st != FANTASY_OK && i < n; i++) {
        results[i] = st; /* nothing of the batch was written */
    }
    return st;
}
