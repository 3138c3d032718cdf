/* Record-store conventions every domain follows, so cross-domain readers (park.stats, run_due
 * repairs) find documents through index keys, never by scanning. */
#ifndef FANTASY_DOMAIN_COLLECTIONS_H
#define FANTASY_DOMAIN_COLLECTIONS_H

/* Collections. */
#define FANTASY__COL_ACCOUNTS    "accounts"
#define FANTASY__COL_PRODUCTS    "products"
#define FANTASY__COL_ORDERS      "orders"
#define FANTASY__COL_TICKETS     "tickets"
#define FANTASY__COL_ATTRACTIONS "attractions"
#define FANTASY__COL_ENTRIES     "queue_entries"
#define FANTASY__COL_IDEMPOTENCY "idempotency"

/* Plain key every live document of a collection carries: "oldest first" lists are find() on it. */
#define FANTASY__KEY_ALL "all"
/* Plain keys "status:<STATUS>", "type:<TYPE>", "user:<user id>" filter lists and feed counts. */
#define FANTASY__KEY_STATUS "status:"
#define FANTASY__KEY_TYPE   "type:"
#define FANTASY__KEY_USER   "user:"
/* Plain keys of an order whose step in the stock store is not recorded yet: a REFUNDED order
 * whose units are not back on sale, a CANCELED or EXPIRED order whose hold is not released.
 * run_due visits only these, never every ended order; each key goes in the apply that announces
 * the step (inventory.returned, inventory.released). */
#define FANTASY__KEY_GIVE_BACK "give_back:pending"
#define FANTASY__KEY_RELEASE   "release:pending"

/* Order statuses (API.md), for counts by status. */
#define FANTASY__ORDER_STATUSES                                                               \
    {                                                                                         \
        "PENDING_PAYMENT", "PAYING", "PAYMENT_UNKNOWN", "PAID", "REFUND_PENDING", "REFUNDED", \
            "CANCELED", "EXPIRED", NULL                                                       \
    }

#endif
