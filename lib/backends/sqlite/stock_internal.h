/* Private to the SQLite stock store: what stock_store.c (the store, its statements, one
 * reserve) shares with stock_reserve.c (reserves batched into one transaction: group commit and
 * reserve_many). */
#ifndef FANTASY_BACKENDS_SQLITE_STOCK_INTERNAL_H
#define FANTASY_BACKENDS_SQLITE_STOCK_INTERNAL_H

#include <pthread.h>

#include "backends/sqlite/db.h"
#include "backends/sqlite/store.h"

/* The store's statements, in the order of stock_store.c's table. */
enum {
    S_SET,
    S_PRODUCT,
    S_HOLD_ADD,
    S_TAKE,
    S_USAGE_ADD,
    S_USAGE_GET,
    S_HOLD_GET,
    S_HOLD_SET,
    S_COUNTERS,
    S_USAGE_SUB,
    S_DUE,
    S_USED,
    S_HOLD_DEL,
    S_N
};

typedef struct fantasy__sqlite_waiter fantasy__sqlite_waiter;

typedef struct fantasy__sqlite_stock {
    fantasy__sqlite_store base; /* first: the shell (store.c) opens and destroys it */
    pthread_mutex_t q_lock;     /* guards the reserve queue (group commit: stock_reserve.c) */
    fantasy__sqlite_waiter *head, *tail;
    int leading; /* a thread is running a batch */
} fantasy__sqlite_stock;

/* FANTASY_EMISUSE unless `s` is a live store. */
fantasy_status fantasy__sqlite_stock_check(const fantasy__sqlite_stock *s, const char *fn);

/* FANTASY_EMISUSE or FANTASY_EINVAL for a hold reserve refuses before touching the file. */
fantasy_status fantasy__sqlite_stock_check_hold(const fantasy_hold *h);

/* One reserve inside the caller's write transaction: the hold row, the conditional UPDATE, the
 * usage. A refused reserve (sold out, over the limit, a replay with other arguments) leaves the
 * transaction as it found it, so a batch needs no savepoint per item; after any other failure
 * (the store's own) the caller rolls the whole transaction back. */
fantasy_status fantasy__sqlite_stock_reserve_in(fantasy__sqlite_conn *c, const fantasy_hold *h);

/* The vtable's reserve (group commit) and reserve_many (stock_reserve.c). */
fantasy_status fantasy__sqlite_stock_reserve(void *self, const fantasy_hold *h);
fantasy_status fantasy__sqlite_stock_reserve_many(void *self, const fantasy_hold *holds, size_t n,
                                                  fantasy_status *results);

#endif
