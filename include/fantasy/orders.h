/**
 * @file orders.h
 * @brief Orders as sagas, payments and tickets: the typed form of `orders.*` and `tickets.*`.
 *
 * Same caller rules as API.md: orders act for a USER (the host acts for one with
 * fantasy_actor_as_user()); a USER touching another user's order or ticket gets
 * FANTASY_ENOTFOUND; redeeming needs a MANAGER. Sandbox payments (`payments=sandbox:`): a
 * payment_key starting with "decline" is declined, "timeout" gives FANTASY_EPAYUNKNOWN and later
 * lookups approve, "timeout_decline" gives FANTASY_EPAYUNKNOWN and later lookups decline; any
 * other key is approved. fantasy_park_run_due() resolves unknown payments. Outs are cleared on
 * entry and stay NULL on failure.
 */
#ifndef FANTASY_ORDERS_H
#define FANTASY_ORDERS_H

#include <stddef.h>

#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

/** A ticket (API.md): one per unit of a PAID order. */
typedef struct fantasy_ticket {
    char ticket_id[FANTASY_ID_MAX];
    char order_id[FANTASY_ID_MAX];
    char product_id[FANTASY_ID_MAX];
    char user_id[FANTASY_ID_MAX];
    char status[16]; /**< "VALID", "REDEEMED" or "VOID" */
} fantasy_ticket;

/** An order (API.md `order`) with its tickets, one allocation freed by fantasy_order_free(). */
typedef struct fantasy_order {
    char order_id[FANTASY_ID_MAX];
    char user_id[FANTASY_ID_MAX];
    char product_id[FANTASY_ID_MAX];
    int64_t quantity;
    fantasy_money amount; /**< price × quantity */
    char status[24];      /**< PENDING_PAYMENT, PAYING, PAYMENT_UNKNOWN, PAID, REFUND_PENDING,
                               REFUNDED, CANCELED or EXPIRED */
    int64_t expires_at_ms;
    int64_t created_at_ms;
    char payment_key[256];           /**< "" when no payment is attached */
    char payment_id[FANTASY_ID_MAX]; /**< the provider's id, "" when none */
    size_t n_tickets;
    fantasy_ticket *tickets; /**< `n_tickets` items, part of the order's allocation */
} fantasy_order;

/**
 * `orders.create`: holds `quantity` units until expires_at (order.ttl_ms) as PENDING_PAYMENT.
 * Idempotent per user: the same key with the same arguments returns the same order.
 * @return FANTASY_OK; FANTASY_EINVAL (quantity outside 1–100, empty key, or the system actor);
 *         FANTASY_ENOTFOUND (unknown product, or a DRAFT); FANTASY_ENOTONSALE (not OPEN or
 *         outside its sale window); FANTASY_ESOLDOUT; FANTASY_ELIMIT (per-user limit);
 *         FANTASY_EIDEMPOTENCY (key used with other arguments); FANTASY_EAUTH; FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_create(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *product_id, int64_t quantity,
                                                 const char *idempotency_key, fantasy_order **out);

/**
 * `orders.pay` (owner): PAID with its tickets.
 * @return FANTASY_OK (also for a repeat with the same payment_key); FANTASY_EAMOUNT (amount is
 *         not the order's; the provider is not called); FANTASY_EEXPIRED (past expires_at);
 *         FANTASY_EDECLINED (still payable); FANTASY_EPAYUNKNOWN (resolved by run_due);
 *         FANTASY_ECONFLICT (a payment in flight); FANTASY_ESTATE (paid with another key,
 *         canceled, expired, refunded); FANTASY_ENOTFOUND; FANTASY_EINVAL; FANTASY_EAUTH;
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_pay(fantasy_park *park, const fantasy_actor *actor,
                                              const char *order_id, const char *payment_key,
                                              const fantasy_money *amount, fantasy_order **out);

/**
 * `orders.cancel` (owner or MANAGER): CANCELED when unpaid, REFUNDED (tickets VOID, units back)
 * when paid.
 * @param reason may be NULL.
 * @return FANTASY_OK; FANTASY_EDECLINED (refund refused: stays REFUND_PENDING);
 *         FANTASY_EPAYUNKNOWN (refund outcome unknown); FANTASY_ECONFLICT (a payment or refund
 *         in flight); FANTASY_ESTATE; FANTASY_ENOTFOUND; FANTASY_EAUTH; FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_cancel(fantasy_park *park, const fantasy_actor *actor,
                                                 const char *order_id, const char *reason,
                                                 fantasy_order **out);

/**
 * `orders.get` (owner or MANAGER).
 * @return FANTASY_OK; FANTASY_ENOTFOUND; FANTASY_EAUTH; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_get(fantasy_park *park, const fantasy_actor *actor,
                                              const char *order_id, fantasy_order **out);

/**
 * `tickets.redeem` (MANAGER): VALID → REDEEMED exactly once, even under concurrent scans.
 * @param out may be NULL; otherwise gets the ticket.
 * @return FANTASY_OK; FANTASY_EREDEEMED (already redeemed); FANTASY_ESTATE (VOID);
 *         FANTASY_ENOTFOUND; FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_tickets_redeem(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *ticket_id, fantasy_ticket *out);

/** Free an order and its tickets; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_order_free(fantasy_order *order);

FANTASY_END_DECLS

#endif /* FANTASY_ORDERS_H */
