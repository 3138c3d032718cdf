/**
 * @file queues.h
 * @brief Ride virtual queues: the typed form of the `queues` JSON methods.
 *
 * Same caller rules as API.md: join, get and leave act for a USER (the host acts for one with
 * fantasy_actor_as_user()); a USER touching another user's entry gets FANTASY_ENOTFOUND; call_next
 * and board need a MANAGER. Outs are cleared on entry and stay NULL on failure.
 */
#ifndef FANTASY_QUEUES_H
#define FANTASY_QUEUES_H

#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

/** A queue entry as callers see it (API.md `entry`). */
typedef struct fantasy_entry {
    char entry_id[FANTASY_ID_MAX];      /**< the entry's id */
    char attraction_id[FANTASY_ID_MAX]; /**< the ride */
    char user_id[FANTASY_ID_MAX];       /**< who queues */
    int64_t party_size;                 /**< people boarding together */
    fantasy_entry_status status;        /**< WAITING, CALLED, DONE, CANCELED or NO_SHOW */
    int64_t position;                   /**< 1 for the next to be called; 0 when not WAITING */
    int64_t eta_seconds;                /**< −1 when not WAITING */
    int64_t called_at_ms;               /**< 0 when never called */
    int64_t call_expires_at_ms;         /**< 0 when never called */
} fantasy_entry;

/** Entries called together by fantasy_queues_call_next(). */
typedef struct fantasy_entry_list {
    fantasy_entry *items; /**< `n` entries in call order */
    size_t n;             /**< number of entries */
} fantasy_entry_list;

/** Free an entry; NULL is a no-op. @thread any */
FANTASY_API void fantasy_entry_free(fantasy_entry *e);
/** Free a list with its items; NULL is a no-op. @thread any */
FANTASY_API void fantasy_entry_list_free(fantasy_entry_list *l);

/**
 * `queues.join`: a WAITING entry for the actor's user.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param attraction_id the ride to queue for.
 * @param party_size 1..capacity_per_cycle.
 * @param out free with fantasy_entry_free().
 * @return FANTASY_OK; FANTASY_EQUEUED (the user already has a WAITING or CALLED entry on the
 *         ride); FANTASY_ESTATE (ride CLOSED or outside its hours); FANTASY_EINVAL (party size,
 *         not a ride, an actor without a user); FANTASY_ENOTFOUND (unknown or deleted ride);
 *         FANTASY_EAUTH; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_queues_join(fantasy_park *park, const fantasy_actor *actor,
                                               const char *attraction_id, int64_t party_size,
                                               fantasy_entry **out);

/**
 * `queues.get`: owner or MANAGER.
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown, or another user's); FANTASY_EAUTH;
 *         FANTASY_EINVAL; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_queues_get(fantasy_park *park, const fantasy_actor *actor,
                                              const char *entry_id, fantasy_entry **out);

/**
 * `queues.leave`: owner or MANAGER; WAITING or CALLED → CANCELED.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param entry_id the entry to cancel.
 * @param out may be NULL.
 * @return as fantasy_queues_get(), plus FANTASY_ESTATE (DONE or NO_SHOW).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_queues_leave(fantasy_park *park, const fantasy_actor *actor,
                                                const char *entry_id, fantasy_entry **out);

/**
 * `queues.board`: MANAGER; CALLED → DONE.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param entry_id the called entry.
 * @param out may be NULL.
 * @return FANTASY_OK; FANTASY_ESTATE (not CALLED); FANTASY_ENOTFOUND; FANTASY_EAUTH;
 *         FANTASY_EPERM; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_queues_board(fantasy_park *park, const fantasy_actor *actor,
                                                const char *entry_id, fantasy_entry **out);

/**
 * `queues.call_next`: MANAGER; WAITING entries in join order while each party fits the ride's
 * capacity_per_cycle, each announced with a queues.called event.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param attraction_id the ride.
 * @param out the called entries (possibly none); free with fantasy_entry_list_free().
 * @return FANTASY_OK; FANTASY_ESTATE (ride PAUSED or CLOSED); FANTASY_ENOTFOUND;
 *         FANTASY_EINVAL (not a ride); FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_queues_call_next(fantasy_park *park, const fantasy_actor *actor,
                                                    const char *attraction_id,
                                                    fantasy_entry_list **out);

FANTASY_END_DECLS

#endif /* FANTASY_QUEUES_H */
