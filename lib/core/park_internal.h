/* The park handle's layout, shared by lib/core, lib/api and lib/domain. Nothing here is public. */
#ifndef FANTASY_CORE_PARK_INTERNAL_H
#define FANTASY_CORE_PARK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "fantasy/backend.h"
#include "fantasy/park.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/memo.h"
#include "core/settings.h"

#define FANTASY__PARK_LIVE 0x7061726bu /* "park" */
#define FANTASY__PARK_DEAD 0xdeadbeefu

/* Slots of the park's memos: products on sale at once, users a host acts for at once. */
#define FANTASY__MEMO_SALE_SLOTS  64
#define FANTASY__MEMO_ACTOR_SLOTS 512

#define FANTASY__CHECK_PARK(p)                                                          \
    do {                                                                                \
        if (!(p) || (p)->magic != FANTASY__PARK_LIVE) {                                 \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL or closed park", __func__); \
        }                                                                               \
    } while (0)

/* One subscription of the in-process bus (lib/core/bus.c). */
typedef struct fantasy__sub {
    char *topic;
    char *group;
    fantasy_event_handler handler;
    void *ctx;
    pthread_mutex_t running; /* one delivery of a group at a time */
} fantasy__sub;

typedef struct fantasy__subs {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled when an event is written, so poll can stop waiting */
    fantasy__sub **items;
    size_t n, cap;
    atomic_llong published;     /* events written to the outbox by this park */
    atomic_llong dead_lettered; /* copies made to <topic>.DLT by this park */
} fantasy__subs;

typedef struct fantasy__worker {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int running;
    int stopping;
    int interval_ms;
} fantasy__worker;

struct fantasy_park {
    uint32_t magic;
    fantasy_allocator alloc; /* normalized: every method set */
    fantasy__settings settings;

    fantasy_record_store records;
    fantasy_stock_store stock;
    fantasy_queue_store queues;
    fantasy_payment_provider payments;
    fantasy_clock clock;
    fantasy_bus bus;             /* version 0 when the bus is in-process (outbox) */
    fantasy_http_transport http; /* version 0 when the host gave none */
    int own_records, own_stock, own_queues, own_payments, own_clock, own_bus;

    fantasy__idgen ids;
    fantasy__subs subs;
    fantasy__worker worker;
    /* Memos of values derived from hot documents (core/memo.h; zeroed is empty): products'
     * sale rules (lib/domain/products/sale.c) and the actors of as_user_id
     * (lib/domain/accounts/tokens.c). Inline, so the park's allocation is all they need. */
    fantasy__memo_slot sale_rules[FANTASY__MEMO_SALE_SLOTS];
    fantasy__memo_slot user_actors[FANTASY__MEMO_ACTOR_SLOTS];
};

#define FANTASY__MEMO_OF(park, field) \
    ((fantasy__memo){ (park)->field, sizeof(park)->field / sizeof(park)->field[0] })

/* The park clock. */
int64_t fantasy__now(const fantasy_park *park);

/* A fresh time-ordered id from the park clock. */
fantasy_status fantasy__park_id(fantasy_park *park, char out[FANTASY_ID_MAX]);

#endif
