/**
 * @file backend.h
 * @brief The ports: vtables a backend implements and a host may inject (PORTS.md is normative).
 *
 * Every vtable starts with `version` and carries a `self` pointer passed to each method. Start
 * from the matching `_INIT` macro (or `fantasy_<port>_init()` from C++), fill in the methods and
 * hand it to the `fantasy_conf_set_<port>` setter. The setter rejects version 0, a version newer
 * than this header's, or a NULL required method. Methods added later go last with a version bump;
 * the core calls a method only when `version` covers it and it is non-NULL, else its documented
 * fallback.
 *
 * Every method must be safe to call from many threads at once. Data a method hands back goes into
 * core-owned sinks (::fantasy_buf, ::fantasy_list) or fixed-size value structs, so no free ever
 * crosses the boundary. A vtable the host injects stays the host's: the park never calls its
 * `destroy`; backends the park builds from config strings are destroyed at close.
 */
#ifndef FANTASY_BACKEND_H
#define FANTASY_BACKEND_H

#include "fantasy/common.h"
#include "fantasy/errors.h"

FANTASY_BEGIN_DECLS

/* ------------------------------------------------------------------------------------------ */
/* Allocator                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_allocator version these headers know; new methods bump it. */
#define FANTASY_ALLOCATOR_VERSION 1

/**
 * A host allocator (zstd's customMem idea, per park). All three methods NULL means libc; some NULL
 * is rejected. It covers the library's own allocations, not cJSON, SQLite, libpq, hiredis or
 * OpenSSL. `realloc` and `free` receive pointers this allocator returned, or NULL.
 */
typedef struct fantasy_allocator {
    unsigned version; /**< FANTASY_ALLOCATOR_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    void *(*alloc)(void *self, size_t size); /**< like malloc(); NULL when out of memory */
    void *(*realloc)(void *self, void *ptr, size_t size); /**< like realloc() */
    void (*free)(void *self, void *ptr);                  /**< like free(); NULL is a no-op */
} fantasy_allocator;

/** Initializer for a ::fantasy_allocator: sets only `version`, so every method starts NULL. */
#define FANTASY_ALLOCATOR_INIT \
    { .version = FANTASY_ALLOCATOR_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Sinks: where methods put what they return                                                    */
/* ------------------------------------------------------------------------------------------ */

/** A growable byte buffer owned by whoever created it (usually the core). */
typedef struct fantasy_buf fantasy_buf;

/** A growable list of (string, integer) pairs owned by whoever created it. */
typedef struct fantasy_list fantasy_list;

/**
 * New empty buffer using `alloc` (NULL: libc).
 * @return FANTASY_OK, FANTASY_EMISUSE (NULL out), FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_buf_new(const fantasy_allocator *alloc, fantasy_buf **out);
/** Free a buffer; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_buf_free(fantasy_buf *buf);
/**
 * Replace the contents with `len` bytes (a NUL is kept after them, not counted).
 * @return FANTASY_OK, FANTASY_EMISUSE, FANTASY_ENOMEM (contents unchanged).
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_buf_set(fantasy_buf *buf, const void *data, size_t len);
/** Append `len` bytes. @return as fantasy_buf_set(). @thread exclusive */
FANTASY_API fantasy_status fantasy_buf_append(fantasy_buf *buf, const void *data, size_t len);
/** Contents, always NUL-terminated; valid until the next change. @thread exclusive */
FANTASY_API const char *fantasy_buf_data(const fantasy_buf *buf);
/** Length in bytes, not counting the NUL. @thread exclusive */
FANTASY_API size_t fantasy_buf_len(const fantasy_buf *buf);

/** New empty list using `alloc` (NULL: libc). @return FANTASY_OK, EMISUSE, ENOMEM. @thread any */
FANTASY_API fantasy_status fantasy_list_new(const fantasy_allocator *alloc, fantasy_list **out);
/** Free a list; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_list_free(fantasy_list *list);
/** Drop every item, keeping the memory. @thread exclusive */
FANTASY_API void fantasy_list_clear(fantasy_list *list);
/**
 * Append a copy of `str` with the integer `num`.
 * @return FANTASY_OK, FANTASY_EMISUSE (NULL list or str), FANTASY_ENOMEM (list unchanged).
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_list_add(fantasy_list *list, const char *str, int64_t num);
/** Number of items. @thread exclusive */
FANTASY_API size_t fantasy_list_size(const fantasy_list *list);
/** Item i's string (NULL when out of range); valid while the list lives unchanged. */
FANTASY_API const char *fantasy_list_str(const fantasy_list *list, size_t i);
/** Item i's integer (0 when out of range). @thread exclusive */
FANTASY_API int64_t fantasy_list_num(const fantasy_list *list, size_t i);

/* ------------------------------------------------------------------------------------------ */
/* Clock                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_clock version these headers know; new methods bump it. */
#define FANTASY_CLOCK_VERSION 1

/** Time source: milliseconds since the Unix epoch, UTC. */
typedef struct fantasy_clock {
    unsigned version; /**< FANTASY_CLOCK_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    /** v1, required: now in ms. Must never go backwards. */
    int64_t (*now_ms)(void *self);
    /** v1, optional: move a manual clock forward by `ms` ≥ 0; NULL → park.advance_clock gives
     *  FANTASY_ESTATE. */
    fantasy_status (*advance)(void *self, int64_t ms);
    /** v1, optional: called at close for clocks the park built. */
    void (*destroy)(void *self);
} fantasy_clock;

/** Initializer for a ::fantasy_clock: sets only `version`, so every method starts NULL. */
#define FANTASY_CLOCK_INIT \
    { .version = FANTASY_CLOCK_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Record store                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_record_store version these headers know; new methods bump it. */
#define FANTASY_RECORD_STORE_VERSION 1

/** How a put or delete is conditioned. */
typedef enum fantasy_write_mode {
    /** put only: fail with FANTASY_EEXISTS when the document exists. */
    FANTASY_WRITE_CREATE = 0,
    /** put or del: fail with FANTASY_ECONFLICT unless the stored version equals
     *  `expected_version` (a missing document counts as version 0 → FANTASY_ENOTFOUND when
     *  expected_version > 0). */
    FANTASY_WRITE_IF_VERSION = 1,
    /** put or del: no condition (del of a missing document succeeds). */
    FANTASY_WRITE_ANY = 2
} fantasy_write_mode;

/** Put or delete. */
typedef enum fantasy_op_kind {
    FANTASY_OP_PUT = 0, /**< write the document */
    FANTASY_OP_DEL = 1  /**< delete the document */
} fantasy_op_kind;

/**
 * An index key attached to a document. A unique key fails the write with FANTASY_EEXISTS while
 * another live document in the same collection holds it; plain keys may repeat.
 * Keys are at most 512 bytes, any bytes but NUL.
 */
typedef struct fantasy_index_key {
    const char *key; /**< the key's bytes, NUL-terminated */
    int unique;      /**< non-zero: at most one live document holds it */
} fantasy_index_key;

/**
 * One write of a batch. On put, the document's index keys are replaced by `keys`. The new
 * version is 1 on create and +1 per write.
 */
typedef struct fantasy_record_op {
    fantasy_op_kind kind;          /**< put or delete */
    fantasy_write_mode mode;       /**< the condition the write needs */
    const char *collection;        /**< e.g. "orders" */
    const char *id;                /**< the document's id in its collection */
    const char *doc;               /**< put: the document bytes (JSON by convention) */
    size_t doc_len;                /**< bytes in `doc` */
    int64_t expected_version;      /**< for FANTASY_WRITE_IF_VERSION */
    const fantasy_index_key *keys; /**< put: the document's index keys */
    size_t n_keys;                 /**< how many `keys` there are */
} fantasy_record_op;

/**
 * Versioned documents in collections with index keys (PORTS.md, record store).
 * Collections and ids are NUL-free strings of at most 255 bytes; ids compare bytewise.
 */
typedef struct fantasy_record_store {
    unsigned version; /**< FANTASY_RECORD_STORE_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    /** v1, required: read a document into `doc` and its version into `*version`.
     *  @return FANTASY_OK, FANTASY_ENOTFOUND. */
    fantasy_status (*get)(void *self, const char *collection, const char *id, fantasy_buf *doc,
                          int64_t *version);
    /** v1, required: all or nothing. Each op's condition is checked against the state the
     *  earlier ops of the same batch left; any failure fails the batch with that op's code
     *  (FANTASY_EEXISTS, ECONFLICT, ENOTFOUND, EINVAL) and writes nothing. On success
     *  `versions_out[i]` (when not NULL) holds op i's new version (0 for a delete).
     *  n == 0 succeeds. */
    fantasy_status (*apply)(void *self, const fantasy_record_op *ops, size_t n,
                            int64_t *versions_out);
    /** v1, required: ids holding exactly `key`, in ascending id order, strictly after
     *  `after_id` (NULL or "": from the start), at most `limit` (≥ 1) of them, appended to
     *  `out` with num = the document's version. */
    fantasy_status (*find)(void *self, const char *collection, const char *key,
                           const char *after_id, size_t limit, fantasy_list *out);
    /** v1, required: distinct keys starting with `prefix`, ascending, strictly after
     *  `after_key` (NULL or "": from the start), at most `limit`, appended to `out` with
     *  num = how many documents hold each. */
    fantasy_status (*find_keys)(void *self, const char *collection, const char *prefix,
                                const char *after_key, size_t limit, fantasy_list *out);
    /** v1, required: how many documents hold `key`. */
    fantasy_status (*count)(void *self, const char *collection, const char *key, int64_t *out);
    /** v1, optional: release the backend (only for stores the park built). */
    void (*destroy)(void *self);
} fantasy_record_store;

/** Initializer for a ::fantasy_record_store: sets only `version`, so every method starts NULL. */
#define FANTASY_RECORD_STORE_INIT \
    { .version = FANTASY_RECORD_STORE_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Stock store                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_stock_store version these headers know; new methods bump it. */
#define FANTASY_STOCK_STORE_VERSION 1

/** Stock of unlimited products. */
#define FANTASY_STOCK_UNLIMITED (-1)
/** expires_at that never comes: pins a hold while a payment is in flight. */
#define FANTASY_NEVER INT64_MAX

/** A hold's state (PORTS.md hold table). */
typedef enum fantasy_hold_state {
    FANTASY_HOLD_NONE = 0,     /**< no such hold */
    FANTASY_HOLD_HELD = 1,     /**< units set aside until expires_at */
    FANTASY_HOLD_SOLD = 2,     /**< confirmed: the units are sold */
    FANTASY_HOLD_RELEASED = 3, /**< given up before the sale: units back on sale */
    FANTASY_HOLD_EXPIRED = 4,  /**< swept after expires_at: units back on sale */
    FANTASY_HOLD_RETURNED = 5  /**< refunded after the sale: units back on sale */
} fantasy_hold_state;

/** What `reserve` asks for. hold_id is the order id. */
typedef struct fantasy_hold {
    const char *hold_id;    /**< the order id; never reused */
    const char *product_id; /**< the product to hold units of */
    const char *user_id;    /**< the buyer, for the per-user limit */
    int64_t qty;            /**< ≥ 1 */
    int64_t per_user_limit; /**< 0: none */
    int64_t expires_at_ms;  /**< when the hold lapses unless confirmed or extended */
} fantasy_hold;

/** A hold as stored. */
typedef struct fantasy_hold_info {
    fantasy_hold_state state;        /**< where the hold is in its life */
    char product_id[FANTASY_ID_MAX]; /**< the product held */
    char user_id[FANTASY_ID_MAX];    /**< the buyer */
    int64_t qty;                     /**< units held */
    int64_t expires_at_ms;           /**< FANTASY_NEVER while pinned */
} fantasy_hold_info;

/** A product's counters. available = stock − held − sold, or −1 when unlimited. */
typedef struct fantasy_stock_counts {
    int64_t stock;     /**< units for sale in all, or FANTASY_STOCK_UNLIMITED */
    int64_t held;      /**< units in HELD holds */
    int64_t sold;      /**< units in SOLD holds */
    int64_t available; /**< stock − held − sold, or −1 when unlimited */
} fantasy_stock_counts;

/**
 * Stock per product and holds (PORTS.md, stock store). Replays are idempotent: an operation on
 * a hold already in its target state succeeds and changes nothing. Any move not in the table →
 * FANTASY_ESTATE; an unknown hold → FANTASY_ENOTFOUND; an unknown product → FANTASY_ENOTFOUND.
 * Invariant at every instant: available + held + sold == stock (when limited).
 */
typedef struct fantasy_stock_store {
    unsigned version; /**< FANTASY_STOCK_STORE_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    /** v1, required: create the product's counters, or change its stock atomically.
     *  Below held + sold → FANTASY_EINVAL; −1 makes it unlimited; < −1 → FANTASY_EINVAL. */
    fantasy_status (*set_stock)(void *self, const char *product_id, int64_t stock);
    /** v1, required: (none) → HELD. Limited stock and available < qty → FANTASY_ESOLDOUT
     *  (checked first); used + qty > limit (limit > 0) → FANTASY_ELIMIT. A known hold_id with
     *  the same product, user and qty succeeds unchanged; with anything else → ECONFLICT;
     *  after RELEASED, EXPIRED or RETURNED → FANTASY_ESTATE. */
    fantasy_status (*reserve)(void *self, const fantasy_hold *hold);
    /** v1, required: HELD → HELD with a new expiry (FANTASY_NEVER pins it). */
    fantasy_status (*extend)(void *self, const char *hold_id, int64_t expires_at_ms);
    /** v1, required: HELD → SOLD. A hold past its expiry (expires_at ≤ now_ms) not yet swept →
     *  FANTASY_EEXPIRED. */
    fantasy_status (*confirm)(void *self, const char *hold_id, int64_t now_ms);
    /** v1, required: HELD → RELEASED (units back). On an EXPIRED hold: success, no change. */
    fantasy_status (*release)(void *self, const char *hold_id);
    /** v1, required: SOLD → RETURNED (units back, `used` drops). */
    fantasy_status (*give_back)(void *self, const char *hold_id);
    /** v1, required: HELD with expires_at ≤ now → EXPIRED, at most `max`, ids appended to
     *  `out` (num = qty). */
    fantasy_status (*expire)(void *self, int64_t now_ms, size_t max, fantasy_list *out);
    /** v1, required: the product's counters. */
    fantasy_status (*counts)(void *self, const char *product_id, fantasy_stock_counts *out);
    /** v1, required: the user's held + sold units of the product (0 when none). */
    fantasy_status (*used)(void *self, const char *product_id, const char *user_id, int64_t *out);
    /** v1, required: a hold as stored. */
    fantasy_status (*hold)(void *self, const char *hold_id, fantasy_hold_info *out);
    /** v1, optional: several reserves, each independent; results[i] is item i's status. The
     *  call itself fails only when it could not run at all. NULL: the core loops reserve(). */
    fantasy_status (*reserve_many)(void *self, const fantasy_hold *holds, size_t n,
                                   fantasy_status *results);
    /** v1, optional: counts of n products; NULL: the core loops counts(). */
    fantasy_status (*counts_many)(void *self, const char *const *product_ids, size_t n,
                                  fantasy_stock_counts *out);
    /** v1, optional: release the backend (only for stores the park built). */
    void (*destroy)(void *self);
} fantasy_stock_store;

/** Initializer for a ::fantasy_stock_store: sets only `version`, so every method starts NULL. */
#define FANTASY_STOCK_STORE_INIT \
    { .version = FANTASY_STOCK_STORE_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Queue store                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_queue_store version these headers know; new methods bump it. */
#define FANTASY_QUEUE_STORE_VERSION 1

/** Queue entry statuses; the values are bits so a mask can select several. */
typedef enum fantasy_entry_status {
    FANTASY_ENTRY_WAITING = 1,  /**< in line */
    FANTASY_ENTRY_CALLED = 2,   /**< asked to board before call_expires_at */
    FANTASY_ENTRY_DONE = 4,     /**< boarded */
    FANTASY_ENTRY_CANCELED = 8, /**< left the line, or the ride was deleted */
    FANTASY_ENTRY_NO_SHOW = 16  /**< called but did not board in time */
} fantasy_entry_status;

/** A queue entry as stored. */
typedef struct fantasy_queue_entry {
    char entry_id[FANTASY_ID_MAX]; /**< the entry's id */
    char ride_id[FANTASY_ID_MAX];  /**< the ride (attraction id) */
    char user_id[FANTASY_ID_MAX];  /**< who queues */
    int64_t party_size;            /**< people boarding together */
    fantasy_entry_status status;   /**< where the entry is in its life */
    int64_t seq;                   /**< per-ride join order, monotonic, from 1 */
    int64_t joined_at_ms;          /**< when it joined, on the park clock */
    int64_t called_at_ms;          /**< 0 when never called */
    int64_t call_expires_at_ms;    /**< 0 when never called */
    int64_t finished_at_ms;        /**< 0 while active */
} fantasy_queue_entry;

/** Per-ride counts. */
typedef struct fantasy_queue_counts {
    int64_t waiting;        /**< WAITING entries */
    int64_t called;         /**< CALLED entries */
    int64_t waiting_people; /**< sum of WAITING party sizes */
} fantasy_queue_counts;

/** What `enqueue` asks for. */
typedef struct fantasy_queue_join {
    const char *entry_id; /**< the new entry's id (made by the core) */
    const char *ride_id;  /**< the ride */
    const char *user_id;  /**< who joins */
    int64_t party_size;   /**< ≥ 1 */
    int64_t now_ms;       /**< the join time, on the park clock */
} fantasy_queue_join;

/** Ride virtual queues (PORTS.md, queue store). */
typedef struct fantasy_queue_store {
    unsigned version; /**< FANTASY_QUEUE_STORE_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    /** v1, required: append a WAITING entry; `*seq_out` gets its sequence number. While the user
     *  has a WAITING or CALLED entry on that ride → FANTASY_EQUEUED (atomically). A replay of an
     *  existing entry_id with the same ride, user and party size returns its seq; otherwise
     *  FANTASY_ECONFLICT. */
    fantasy_status (*enqueue)(void *self, const fantasy_queue_join *join, int64_t *seq_out);
    /** v1, required: an entry by id. @return FANTASY_OK, FANTASY_ENOTFOUND. */
    fantasy_status (*entry)(void *self, const char *entry_id, fantasy_queue_entry *out);
    /** v1, required: 1-based rank among the ride's WAITING entries and the people ahead (sum of
     *  party sizes of WAITING entries before it), in O(log n) or better. Not WAITING →
     *  FANTASY_ESTATE. */
    fantasy_status (*position)(void *self, const char *entry_id, int64_t *position,
                               int64_t *people_ahead);
    /** v1, required: move WAITING entries in seq order to CALLED while each party fits the
     *  capacity left, stopping at the first that does not; set called_at = now_ms and
     *  call_expires_at = call_expires_at_ms; append the called ids to `out` (num = seq). */
    fantasy_status (*call)(void *self, const char *ride_id, int64_t capacity, int64_t now_ms,
                           int64_t call_expires_at_ms, fantasy_list *out);
    /** v1, required: move an entry whose status is in `from_mask` to `to` (DONE, CANCELED or
     *  NO_SHOW). Already in `to`: success, no change. Otherwise → FANTASY_ESTATE. */
    fantasy_status (*finish)(void *self, const char *entry_id, unsigned from_mask,
                             fantasy_entry_status to, int64_t now_ms);
    /** v1, required: the ride's entries whose status is in `mask`, seq > after_seq, ascending,
     *  at most `limit`; ids appended to `out` with num = seq. */
    fantasy_status (*list)(void *self, const char *ride_id, unsigned mask, int64_t after_seq,
                           size_t limit, fantasy_list *out);
    /** v1, required: CALLED entries of any ride with call_expires_at ≤ now_ms, at most `max`,
     *  ids appended to `out` (num = seq). Changes nothing. */
    fantasy_status (*due_calls)(void *self, int64_t now_ms, size_t max, fantasy_list *out);
    /** v1, required: the ride's counts (zeros for an unknown ride). */
    fantasy_status (*counts)(void *self, const char *ride_id, fantasy_queue_counts *out);
    /** v1, optional. */
    void (*destroy)(void *self);
} fantasy_queue_store;

/** Initializer for a ::fantasy_queue_store: sets only `version`, so every method starts NULL. */
#define FANTASY_QUEUE_STORE_INIT \
    { .version = FANTASY_QUEUE_STORE_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Message bus                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_bus version these headers know; new methods bump it. */
#define FANTASY_BUS_VERSION 1

/** A message on the bus. Every field is borrowed for the duration of the call. */
typedef struct fantasy_bus_msg {
    const char *topic;      /**< e.g. "orders.paid" */
    const char *id;         /**< the event id: consumers dedupe by it */
    const char *key;        /**< partition key, may be NULL */
    const char *payload;    /**< the event JSON */
    size_t payload_len;     /**< bytes in `payload` */
    int64_t occurred_at_ms; /**< when the change happened, on the park clock */
} fantasy_bus_msg;

/**
 * The park's delivery callback handed to `poll`: returns 0 when `group` has handled `msg` (the
 * bus may then commit it), non-zero to have it delivered again later.
 */
typedef int (*fantasy_bus_deliver_fn)(void *ctx, const char *group, const fantasy_bus_msg *msg);

/**
 * An external message bus (Kafka). The in-process bus needs none: it delivers from the outbox
 * (PORTS.md). At least once; a message counts as handled only after deliver returned 0.
 */
typedef struct fantasy_bus {
    unsigned version; /**< FANTASY_BUS_VERSION of the header it was built against; first */
    void *self;       /**< the implementation's state, passed to every method */
    /** v1, required: publish durably; returns after the broker acknowledged it. */
    fantasy_status (*publish)(void *self, const fantasy_bus_msg *msg);
    /** v1, required: have `group` receive `topic` from now on (and its uncommitted past). */
    fantasy_status (*subscribe)(void *self, const char *topic, const char *group);
    /** v1, required: wait at most `timeout_ms` for messages and hand each to `deliver` for its
     *  group; commit those deliver accepted. `*delivered` counts accepted messages. */
    fantasy_status (*poll)(void *self, int timeout_ms, fantasy_bus_deliver_fn deliver, void *ctx,
                           size_t *delivered);
    /** v1, optional. */
    void (*destroy)(void *self);
} fantasy_bus;

/** Initializer for a ::fantasy_bus: sets only `version`, so every method starts NULL. */
#define FANTASY_BUS_INIT \
    { .version = FANTASY_BUS_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Payment provider                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_payment_provider version these headers know; new methods bump it. */
#define FANTASY_PAYMENT_PROVIDER_VERSION 1

/** What the provider said. A transport error or timeout is UNKNOWN, never DECLINED. */
typedef enum fantasy_payment_outcome {
    FANTASY_PAYMENT_APPROVED = 1, /**< captured (confirm) or refunded (cancel) */
    FANTASY_PAYMENT_DECLINED = 2, /**< refused; nothing moved */
    FANTASY_PAYMENT_UNKNOWN = 3,  /**< no answer: ask again later with lookup */
    /** lookup only: the provider never saw a request with that key */
    FANTASY_PAYMENT_NOT_FOUND = 4
} fantasy_payment_outcome;

/** A provider's answer. */
typedef struct fantasy_payment_result {
    fantasy_payment_outcome outcome; /**< the provider's verdict */
    char payment_id[FANTASY_ID_MAX]; /**< provider's id, "" when none */
    char message[256];               /**< provider's reason, "" when none */
} fantasy_payment_result;

/**
 * Confirms and cancels payments, each idempotent by `idempotency_key`: a repeat returns the first
 * outcome and never captures or refunds twice. A method's status is about the call itself (EINVAL
 * for bad arguments); the provider's verdict is in `out->outcome`.
 */
typedef struct fantasy_payment_provider {
    unsigned
        version; /**< FANTASY_PAYMENT_PROVIDER_VERSION of the header it was built against; first */
    void *self;  /**< the implementation's state, passed to every method */
    /** v1, required: capture `amount` for the order. */
    fantasy_status (*confirm)(void *self, const char *order_id, const char *payment_key,
                              const fantasy_money *amount, const char *idempotency_key,
                              fantasy_payment_result *out);
    /** v1, required: refund `amount` of a confirmed payment. */
    fantasy_status (*cancel)(void *self, const char *payment_key, const fantasy_money *amount,
                             const char *reason, const char *idempotency_key,
                             fantasy_payment_result *out);
    /** v1, required: the outcome of an earlier confirm or cancel with that key. */
    fantasy_status (*lookup)(void *self, const char *idempotency_key, fantasy_payment_result *out);
    /** v1, optional. */
    void (*destroy)(void *self);
} fantasy_payment_provider;

/** Initializer for a ::fantasy_payment_provider: sets only `version`, so every method starts NULL.
 */
#define FANTASY_PAYMENT_PROVIDER_INIT \
    { .version = FANTASY_PAYMENT_PROVIDER_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* HTTP transport (host-supplied; the library never opens a socket)                            */
/* ------------------------------------------------------------------------------------------ */

/** The newest ::fantasy_http_transport version these headers know; new methods bump it. */
#define FANTASY_HTTP_TRANSPORT_VERSION 1

/** One HTTP request. `headers` holds n_headers "Name: value" strings. */
typedef struct fantasy_http_request {
    const char *method;         /**< "GET", "POST", ... */
    const char *url;            /**< absolute https URL */
    const char *const *headers; /**< "Name: value" strings */
    size_t n_headers;           /**< how many `headers` there are */
    const char *body;           /**< request body, may be NULL */
    size_t body_len;            /**< bytes in `body` */
    int timeout_ms;             /**< give up after this long: the outcome is then unknown */
} fantasy_http_request;

/** Sends HTTP requests for providers (Toss Payments, Slack). */
typedef struct fantasy_http_transport {
    unsigned
        version; /**< FANTASY_HTTP_TRANSPORT_VERSION of the header it was built against; first */
    void *self;  /**< the implementation's state, passed to every method */
    /** v1, required: send and wait; `*status` gets the HTTP status, `body` the response body.
     *  A timeout or connection failure → FANTASY_EUNAVAILABLE. */
    fantasy_status (*send)(void *self, const fantasy_http_request *req, int *status,
                           fantasy_buf *body);
    /** v1, optional. */
    void (*destroy)(void *self);
} fantasy_http_transport;

/** Initializer for a ::fantasy_http_transport: sets only `version`, so every method starts NULL. */
#define FANTASY_HTTP_TRANSPORT_INIT \
    { .version = FANTASY_HTTP_TRANSPORT_VERSION }

/* ------------------------------------------------------------------------------------------ */
/* Initializers for C++ (designated initializers are C-only before C++20)                      */
/* ------------------------------------------------------------------------------------------ */

/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_record_store_init(fantasy_record_store *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_stock_store_init(fantasy_stock_store *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_queue_store_init(fantasy_queue_store *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_bus_init(fantasy_bus *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_payment_provider_init(fantasy_payment_provider *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_clock_init(fantasy_clock *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_http_transport_init(fantasy_http_transport *vt);
/** Zero `vt` and set its version. @thread any */
FANTASY_API void fantasy_allocator_init(fantasy_allocator *vt);

FANTASY_END_DECLS

#endif /* FANTASY_BACKEND_H */
