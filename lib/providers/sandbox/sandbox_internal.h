/* The sandbox payment provider's pieces: the decisions (sandbox.c) and the requests, captures and
 * payment counter it keeps in the park's record store (sandbox_store.c). Keeping them there,
 * not in process memory, is what lets a park reopened on a SQLite file or a PostgreSQL database
 * (another `fantasy` CLI call, a restarted kiosk) still look up a payment whose answer was lost,
 * and lets several processes on one store share one sandbox. */
#ifndef FANTASY_PROVIDERS_SANDBOX_INTERNAL_H
#define FANTASY_PROVIDERS_SANDBOX_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fantasy/backend.h"

typedef enum fantasy__sb_kind {
    FANTASY__SB_CONFIRM = 1,
    FANTASY__SB_CANCEL = 2
} fantasy__sb_kind;

/* One confirm or cancel, stored forever under its idempotency key so replays and lookups answer
 * from it. A loaded request's strings live in `tree`; a fresh one's point at the caller's. */
typedef struct fantasy__sb_request {
    fantasy__sb_kind kind;
    const char *key;      /* the idempotency key */
    const char *order_id; /* confirm only; NULL for a cancel */
    const char *payment_key;
    fantasy_money amount;
    fantasy_payment_outcome said;     /* what the call answered */
    fantasy_payment_outcome resolved; /* what lookups answer */
    const char *message;              /* "" when none */
    char payment_id[FANTASY_ID_MAX];
    int refunded;    /* on a capturing confirm: a cancel refunded it */
    int64_t version; /* of the stored document */
    cJSON *tree;
} fantasy__sb_request;

typedef struct fantasy__sb {
    fantasy_allocator alloc;
    fantasy_record_store rs; /* the park's; outlives the sandbox */
    pthread_mutex_t lock;    /* one decision at a time in this process */
} fantasy__sb;

/* What a new request changes besides storing itself. */
typedef struct fantasy__sb_effects {
    int capture;               /* a confirm that took the money: its capture and the counter */
    int64_t counter_ver;       /* the counter document's version it read (0: none yet) */
    int64_t captured;          /* captures counted after this one */
    fantasy__sb_request *paid; /* a cancel that refunded it: stored again with refunded set */
} fantasy__sb_effects;

/* The request stored under `key`; *found is 0 (and `out` untouched) when there is none. A
 * document that does not read back is FANTASY_EBACKEND. */
fantasy_status fantasy__sb_load(fantasy__sb *sb, const char *key, fantasy__sb_request *out,
                                int *found);

/* The confirm that captured `payment_key`; *found is 0 when none has. */
fantasy_status fantasy__sb_load_capture(fantasy__sb *sb, const char *payment_key,
                                        fantasy__sb_request *out, int *found);

/* How many payments were captured so far, and the version of the counter document (0: none). */
fantasy_status fantasy__sb_captured(fantasy__sb *sb, int64_t *count, int64_t *version);

/* Store the decided request `r` with its effects in one apply: all or nothing. Another process
 * deciding at the same time makes it fail with FANTASY_EEXISTS or FANTASY_ECONFLICT. */
fantasy_status fantasy__sb_save(fantasy__sb *sb, const fantasy__sb_request *r,
                                const fantasy__sb_effects *fx);

/* Release what a loaded request holds. */
void fantasy__sb_request_clear(fantasy__sb_request *r);

#endif
