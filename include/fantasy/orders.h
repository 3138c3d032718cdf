/**
 * @file orders.h
 * @brief Orders as sagas, payments and tickets: the typed form of the `orders` and `tickets`
 *        JSON methods.
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
    char ticket_id[FANTASY_ID_MAX];  /**< the ticket's id, what the gate scans */
    char order_id[FANTASY_ID_MAX];   /**< the order that issued it */
    char product_id[FANTASY_ID_MAX]; /**< what it admits to */
    char user_id[FANTASY_ID_MAX];    /**< its owner */
    char status[16];                 /**< "VALID", "REDEEMED" or "VOID" */
} fantasy_ticket;

/** An order (API.md `order`) with its tickets, one allocation freed by fantasy_order_free(). */
typedef struct fantasy_order {
    char order_id[FANTASY_ID_MAX];   /**< the order's id (also its hold's) */
    char user_id[FANTASY_ID_MAX];    /**< the buyer */
    char product_id[FANTASY_ID_MAX]; /**< what is bought */
    int64_t quantity;                /**< units, 1–100 */
    fantasy_money amount;            /**< price × quantity */
    char status[24];       /**< PENDING_PAYMENT, PAYING, PAYMENT_UNKNOWN, PAID, REFUND_PENDING,
                                REFUNDED, CANCELED or EXPIRED */
    int64_t expires_at_ms; /**< when an unpaid order and its hold expire */
    int64_t created_at_ms; /**< creation time on the park clock */
    char payment_key[256]; /**< "" when no payment is attached */
    char payment_id[FANTASY_ID_MAX]; /**< the provider's id, "" when none */
    size_t n_tickets;                /**< number of tickets in `tickets` */
    fantasy_ticket *tickets;         /**< `n_tickets` items, part of the order's allocation */
} fantasy_order;

/** One page of fantasy_orders_list(): the orders and all their tickets in one allocation,
 *  freed by fantasy_order_page_free(). */
typedef struct fantasy_order_page {
    fantasy_order *items; /**< `n` orders, oldest first; their `tickets` point into the page */
    size_t n;             /**< number of orders in `items` */
    char next_cursor[FANTASY_ID_MAX]; /**< "" when this page reaches the end */
} fantasy_order_page;

/** One page of fantasy_tickets_list(), freed by fantasy_ticket_page_free(). */
typedef struct fantasy_ticket_page {
    fantasy_ticket *items; /**< `n` tickets, oldest first; part of the page's allocation */
    size_t n;              /**< number of tickets in `items` */
    char next_cursor[FANTASY_ID_MAX]; /**< "" when this page reaches the end */
} fantasy_ticket_page;

/**
 * `orders.create`: holds `quantity` units until expires_at (order.ttl_ms) as PENDING_PAYMENT.
 * Idempotent per user: the same key with the same arguments returns the same order.
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param product_id an OPEN product within its sale window.
 * @param quantity 1–100 units.
 * @param idempotency_key 1–200 bytes, scoped to the user and this method.
 * @param out the order; free with fantasy_order_free().
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
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param order_id the actor's order.
 * @param payment_key the provider's key for this payment, 1–200 bytes.
 * @param amount must equal the order's amount.
 * @param out the order; free with fantasy_order_free().
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
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param order_id the order (the actor's, or any for a MANAGER).
 * @param reason may be NULL.
 * @param out the order; free with fantasy_order_free().
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
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param order_id the order (the actor's, or any for a MANAGER).
 * @param out the order with its tickets; free with fantasy_order_free().
 * @return FANTASY_OK; FANTASY_ENOTFOUND; FANTASY_EAUTH; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_get(fantasy_park *park, const fantasy_actor *actor,
                                              const char *order_id, fantasy_order **out);

/**
 * `orders.list`: the actor's own orders, oldest first; a MANAGER lists anyone's.
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param status NULL for every status, else one of fantasy_order's statuses.
 * @param user_id NULL: a USER's own orders, every order for a MANAGER; else only that user's.
 * @param cursor NULL or "" from the start, else a page's `next_cursor`.
 * @param limit 1–100, or 0 for the default 20.
 * @param out free with fantasy_order_page_free().
 * @return FANTASY_OK; FANTASY_EPERM (a USER naming another user_id); FANTASY_EINVAL (limit
 *         outside 0–100, or the system actor: use fantasy_actor_as_user()); FANTASY_EAUTH
 *         (anonymous); FANTASY_EMISUSE (NULL park or out); FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_orders_list(fantasy_park *park, const fantasy_actor *actor,
                                               const char *status, const char *user_id,
                                               const char *cursor, int limit,
                                               fantasy_order_page **out);

/**
 * `tickets.get` (owner or MANAGER).
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param ticket_id the ticket (the actor's, or any for a MANAGER).
 * @param out filled in (the caller's struct).
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown, or another USER's ticket); FANTASY_EINVAL
 *         (the system actor: use fantasy_actor_as_user()); FANTASY_EAUTH (anonymous);
 *         FANTASY_EMISUSE (NULL park, ticket_id or out); FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_tickets_get(fantasy_park *park, const fantasy_actor *actor,
                                               const char *ticket_id, fantasy_ticket *out);

/**
 * `tickets.list`: the actor's own tickets, oldest first (a MANAGER too lists only their own).
 * @param park an open park.
 * @param actor the caller: a user actor (fantasy_auth_verify() or fantasy_actor_as_user());
 *        NULL is anonymous.
 * @param status NULL for every status, else "VALID", "REDEEMED" or "VOID".
 * @param cursor NULL or "" from the start, else a page's `next_cursor`.
 * @param limit 1–100, or 0 for the default 20.
 * @param out free with fantasy_ticket_page_free().
 * @return FANTASY_OK; FANTASY_EINVAL (limit outside 0–100, or the system actor: use
 *         fantasy_actor_as_user()); FANTASY_EAUTH (anonymous); FANTASY_EMISUSE (NULL park or
 *         out); FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_tickets_list(fantasy_park *park, const fantasy_actor *actor,
                                                const char *status, const char *cursor, int limit,
                                                fantasy_ticket_page **out);

/**
 * `tickets.redeem` (MANAGER): VALID → REDEEMED exactly once, even under concurrent scans.
 * @param park an open park.
 * @param actor a MANAGER or above (the host may pass fantasy_actor_system()); NULL is
 *        anonymous.
 * @param ticket_id the scanned ticket.
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
/** Free a page with its orders and their tickets; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_order_page_free(fantasy_order_page *page);
/** Free a page of tickets; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_ticket_page_free(fantasy_ticket_page *page);

FANTASY_END_DECLS

#endif /* FANTASY_ORDERS_H */
