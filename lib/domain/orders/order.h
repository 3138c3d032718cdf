/* The orders domain's internals: order and ticket documents, batches of writes with their
 * events, and the saga steps (PORTS.md "Orders: the step order"). */
#ifndef FANTASY_DOMAIN_ORDERS_ORDER_H
#define FANTASY_DOMAIN_ORDERS_ORDER_H

#include <cJSON.h>

#include "core/outbox.h"
#include "core/park_internal.h"
#include "domain/products/docs.h"

#define FANTASY__ORDER_MAX_QTY 100
#define FANTASY__BATCH_EVENTS  4
/* Internal order fields, true while a step in the stock store is pending (holds.c); the index
 * keys FANTASY__KEY_GIVE_BACK and FANTASY__KEY_RELEASE follow them. */
#define FANTASY__ORDER_GIVE_BACK "give_back_pending"
#define FANTASY__ORDER_RELEASE   "release_pending"

/* Several writes and their events, applied as one batch. */
/* Batches of at most FANTASY__BATCH_INLINE docs (nearly all) use the arrays inside, so a batch
 * on the stack costs no allocation. */
#define FANTASY__BATCH_INLINE 2

typedef struct fantasy__batch {
    fantasy_park *park;
    fantasy__docw *docs;
    size_t ndocs, cap;
    fantasy__event evs[FANTASY__BATCH_EVENTS];
    size_t nevs;
    fantasy_record_op *ops;
    fantasy__docw inline_docs[FANTASY__BATCH_INLINE];
    fantasy_record_op inline_ops[FANTASY__BATCH_INLINE + FANTASY__BATCH_EVENTS];
} fantasy__batch;

fantasy_status fantasy__batch_init(fantasy_park *park, fantasy__batch *b, size_t cap);
/* Add the order `doc` (its keys derived from it) written over `expected` (0: create). */
fantasy_status fantasy__batch_order(fantasy__batch *b, const cJSON *doc, int64_t expected);
fantasy_status fantasy__batch_doc(fantasy__batch *b, const char *col, const char *id,
                                  const cJSON *doc, int64_t expected, const char *const *keys,
                                  const char *unique);
/* Add an event about the order (payload: its ids and quantity). */
fantasy_status fantasy__batch_event(fantasy__batch *b, const char *type, const cJSON *order);
/* Apply all; *version gets the first write's new version. */
fantasy_status fantasy__batch_apply(fantasy__batch *b, int64_t *version);
void fantasy__batch_free(fantasy__batch *b);

/* Load an order `actor` may see: another USER's order is NOT_FOUND; MANAGER+ sees all unless
 * `owner_only`. The system actor (run_due) passes NULL. */
fantasy_status fantasy__order_load(fantasy_park *park, const fantasy_actor *actor, const char *id,
                                   int owner_only, cJSON **doc, int64_t *version);
/* The API object (with its tickets). */
fantasy_status fantasy__order_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                   cJSON **out);
/* As fantasy__order_json(), turning `doc` (taken, even on failure) itself into the API object:
 * for a doc the caller has no further use for, which saves copying it. */
fantasy_status fantasy__order_json_take(fantasy_park *park, cJSON *doc, int64_t version,
                                        cJSON **out);
fantasy_status fantasy__ticket_json(fantasy_park *park, const cJSON *doc, int64_t version,
                                    cJSON **out);
/* Move the order doc to `status` in memory. */
fantasy_status fantasy__order_set_status(cJSON *doc, const char *status);
/* One write of the order and its events; *version updated. */
fantasy_status fantasy__order_move(fantasy_park *park, cJSON *doc, int64_t *version,
                                   const char *status, const char *const *events);
/* Mark a pending stock-store step (FANTASY__ORDER_RELEASE or _GIVE_BACK) in the doc, to be
 * written with the record move that precedes the step; and whether it is marked. */
fantasy_status fantasy__order_mark(cJSON *doc, const char *flag);
int fantasy__order_marked(const cJSON *doc, const char *flag);
/* The steps (holds.c), each idempotent and ending in the apply that drops its mark. */
fantasy_status fantasy__order_release(fantasy_park *park, cJSON *doc, int64_t *version);
/* Every step the doc is marked for (run_due). */
fantasy_status fantasy__order_finish_steps(fantasy_park *park, cJSON *doc, int64_t *version);

/* Saga steps, shared by the calls and run_due. */
fantasy_status fantasy__order_finish_paid(fantasy_park *park, cJSON *doc, int64_t *version,
                                          const char *payment_id);
/* The attempt is over without a capture: `declined` says the provider declined it (announced
 * as payments.declined); otherwise it never reached the provider. Payable again until
 * expires_at, EXPIRED past it or when the hold is gone. */
fantasy_status fantasy__order_unpay(fantasy_park *park, cJSON *doc, int64_t *version, int declined);
fantasy_status fantasy__order_finish_refund(fantasy_park *park, cJSON *doc, int64_t *version);
/* Units of a REFUNDED order back on sale, then one apply drops its give-back mark and announces
 * inventory.returned (holds.c). */
fantasy_status fantasy__order_give_back(fantasy_park *park, cJSON *doc, int64_t *version);
/* REFUND_PENDING with a lease (CAS), then the provider's cancel with the order's refund key. */
fantasy_status fantasy__order_refund(fantasy_park *park, cJSON *doc, int64_t *version,
                                     const char *reason);
/* EXPIRED (with orders.expired and, when not NULL, `cause` in the same apply), then the hold
 * released if it is still HELD (fantasy__order_release). */
fantasy_status fantasy__order_expire(fantasy_park *park, cJSON *doc, int64_t *version,
                                     const char *cause);

fantasy_status fantasy__orders_create(fantasy_park *park, const fantasy_actor *actor,
                                      const char *product_id, int64_t qty, const char *key,
                                      cJSON **result);
fantasy_status fantasy__orders_pay(fantasy_park *park, const fantasy_actor *actor,
                                   const char *order_id, const char *payment_key,
                                   const fantasy_money *amount, cJSON **result);
fantasy_status fantasy__orders_cancel(fantasy_park *park, const fantasy_actor *actor,
                                      const char *order_id, const char *reason, cJSON **result);

/* tickets.* handlers (tickets.c), listed in the orders method table. */
fantasy_status fantasy__tickets_get(fantasy_park *park, const fantasy_actor *actor,
                                    const cJSON *args, cJSON **result);
fantasy_status fantasy__tickets_list(fantasy_park *park, const fantasy_actor *actor,
                                     const cJSON *args, cJSON **result);
fantasy_status fantasy__tickets_redeem(fantasy_park *park, const fantasy_actor *actor,
                                       const cJSON *args, cJSON **result);

#endif
