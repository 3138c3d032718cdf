/**
 * @file park.h
 * @brief The park handle: open and close, the JSON command surface, background work and events.
 */
#ifndef FANTASY_PARK_H
#define FANTASY_PARK_H

#include "fantasy/common.h"
#include "fantasy/conf.h"
#include "fantasy/errors.h"

FANTASY_BEGIN_DECLS

/** The one object a host holds. Every function but close is safe from many threads at once. */
typedef struct fantasy_park fantasy_park;

/** Roles, lowest first; a method's rule is a minimum role. */
typedef enum fantasy_role {
    FANTASY_ROLE_NONE = 0, /**< anonymous */
    FANTASY_ROLE_USER = 1,
    FANTASY_ROLE_MANAGER = 2,
    FANTASY_ROLE_MASTER = 3,
    FANTASY_ROLE_SYSTEM = 4 /**< the host itself: every permission */
} fantasy_role;

/** Who is calling: a plain value. `user_id` is "" for anonymous and for the system. */
typedef struct fantasy_actor {
    fantasy_role role;            /**< what the caller may do */
    char user_id[FANTASY_ID_MAX]; /**< the user's id, "" for anonymous and the system */
} fantasy_actor;

/**
 * The host's actor, with every permission.
 * @return a static value, never NULL.
 * @thread any
 */
FANTASY_API const fantasy_actor *fantasy_actor_system(void);

/**
 * Open a park from `conf` (copied; the caller still frees it). Ports left unset get the
 * embedded defaults.
 * @param conf NULL means every default.
 * @param out set to the park on success, NULL on failure.
 * @return FANTASY_OK; FANTASY_EMISUSE (NULL out); FANTASY_EINVAL (inconsistent config, named);
 *         FANTASY_EUNAVAILABLE / FANTASY_EBACKEND (a backend could not start); FANTASY_ENOMEM.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_park_open(const fantasy_conf *conf, fantasy_park **out);

/**
 * Stop the worker if running, release everything the park built, poison and free the handle.
 * Injected vtables are left to the host. NULL is a no-op.
 * @thread exclusive
 */
FANTASY_API void fantasy_park_close(fantasy_park *park);

/**
 * Run one JSON method (API.md) as the holder of `access_token`.
 * @param park an open park.
 * @param method e.g. "orders.create".
 * @param args_json a JSON object, or NULL for `{}`.
 * @param access_token NULL for an anonymous call.
 * @param result_json always set unless NULL was passed: the result object on success, or
 *        `{"error":{"code":...,"status":...,"message":...}}`; free it with fantasy_free().
 * @return FANTASY_OK or the error's status (FANTASY_EMISUSE for a NULL or closed park).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_call(fantasy_park *park, const char *method,
                                        const char *args_json, const char *access_token,
                                        char **result_json);

/**
 * Run one JSON method as the trusted host, with every permission. Methods that act for a user
 * take `as_user_id` in the args. Otherwise as fantasy_call().
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_call_system(fantasy_park *park, const char *method,
                                               const char *args_json, char **result_json);

/**
 * Free memory the library handed out (result JSON, strings). NULL is a no-op.
 * Needs no park: the buffer remembers its allocator.
 * @thread any
 */
FANTASY_API void fantasy_free(void *p);

/** What one fantasy_park_run_due() did. */
typedef struct fantasy_due_counts {
    int64_t holds_expired;  /**< orphan holds the stock store's sweep expired */
    int64_t orders_expired; /**< unpaid orders past expires_at, set EXPIRED */
    int64_t no_shows;       /**< called riders past their call window, set NO_SHOW */
    int64_t
        payments_resolved;  /**< PAYMENT_UNKNOWN or lapsed PAYING/REFUND_PENDING orders settled */
    int64_t events_relayed; /**< outbox events handed to an external bus */
    int64_t events_purged;  /**< delivered events past outbox.retention_ms, deleted */
} fantasy_due_counts;

/**
 * Do what is due now: expire holds and orders, mark no-shows, resolve unknown payments, relay
 * and prune the outbox, repair lost events. Safe to run from several threads or processes.
 * @param park an open park.
 * @param out may be NULL; cleared on entry.
 * @return FANTASY_OK or the first backend error (the other steps still ran).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_park_run_due(fantasy_park *park, fantasy_due_counts *out);

/**
 * Move a manual clock forward.
 * @param park an open park.
 * @param ms ≥ 0.
 * @param now_ms may be NULL; gets the new time.
 * @return FANTASY_OK, FANTASY_EINVAL (ms < 0), FANTASY_ESTATE (the clock is not manual),
 *         FANTASY_EMISUSE.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_park_advance_clock(fantasy_park *park, int64_t ms,
                                                      int64_t *now_ms);

/**
 * The park clock's current time in ms since the epoch (0 for a NULL or closed park).
 * @thread shared
 */
FANTASY_API int64_t fantasy_park_now(fantasy_park *park);

/** An event handed to a subscriber. Every field is borrowed for the duration of the call. */
typedef struct fantasy_event {
    const char *topic;      /**< e.g. "orders.paid" */
    const char *id;         /**< the event id: dedupe by it (delivery is at least once) */
    const char *payload;    /**< the event JSON: event_id, type, occurred_at and the ids involved */
    size_t payload_len;     /**< bytes in `payload`, not counting its NUL */
    int64_t occurred_at_ms; /**< when the change happened, on the park clock */
    int attempt;            /**< 1 on first delivery */
} fantasy_event;

/**
 * A subscriber: return 0 when handled. Non-zero is retried `bus.retries` times, `bus.backoff_ms`
 * apart on the park clock, then the event is copied to `<topic>.DLT` with the error (the text of
 * fantasy_error_set() if the handler set one) and counts as handled for this group.
 */
typedef int (*fantasy_event_handler)(void *ctx, const fantasy_event *event);

/**
 * Deliver `topic` to `handler` as consumer group `group`. Each group gets every event once it
 * subscribed, including events written before (those not yet done for it). Handlers run only
 * inside fantasy_park_poll() or the worker thread.
 * @return FANTASY_OK; FANTASY_EEXISTS (this group already subscribed to the topic);
 *         FANTASY_EINVAL (empty topic or group); FANTASY_EMISUSE; FANTASY_ENOMEM.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_park_subscribe(fantasy_park *park, const char *topic,
                                                  const char *group, fantasy_event_handler handler,
                                                  void *ctx);

/**
 * Deliver pending events to subscribers; when none is ready, wait up to `timeout_ms` for one.
 * @return how many deliveries succeeded (≥ 0), or a negative ::fantasy_status.
 * @thread shared (deliveries of one group never run twice at once)
 */
FANTASY_API int fantasy_park_poll(fantasy_park *park, int timeout_ms);

/**
 * Start a background thread that runs fantasy_park_run_due() and fantasy_park_poll() every
 * `interval_ms` (≥ 1).
 * @return FANTASY_OK; FANTASY_ESTATE (already running); FANTASY_EINVAL; FANTASY_EMISUSE;
 *         FANTASY_EBACKEND (thread creation failed).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_park_start_worker(fantasy_park *park, int interval_ms);

/**
 * Stop the worker and wait for it. Not running: success.
 * @return FANTASY_OK, FANTASY_EMISUSE.
 * @thread shared (not from inside a handler)
 */
FANTASY_API fantasy_status fantasy_park_stop_worker(fantasy_park *park);

FANTASY_END_DECLS

#endif /* FANTASY_PARK_H */
