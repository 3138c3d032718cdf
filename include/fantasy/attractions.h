/**
 * @file attractions.h
 * @brief Attractions and hashtags: the typed form of the `attractions` JSON methods.
 *
 * Each function mirrors one method of API.md with the same caller rules: writes need a MANAGER
 * (FANTASY_EAUTH when `actor` is NULL, i.e. anonymous; FANTASY_EPERM below MANAGER), reads are
 * open to anyone. Outs are cleared on entry and stay NULL on failure; an attraction is one
 * allocation, released with fantasy_attraction_free().
 */
#ifndef FANTASY_ATTRACTIONS_H
#define FANTASY_ATTRACTIONS_H

#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

/** Room for a name (at most 200 bytes) with its NUL. */
#define FANTASY_ATTRACTION_NAME_MAX 201
/** Room for a description (at most 4000 bytes) with its NUL. */
#define FANTASY_ATTRACTION_DESC_MAX 4001
/** Room for one normalized hashtag (at most 50 characters of UTF-8) with its NUL. */
#define FANTASY_TAG_MAX 201
/** Most hashtags an attraction holds. */
#define FANTASY_ATTRACTION_TAGS_MAX 20

/** An attraction as callers see it (API.md `attraction`). */
typedef struct fantasy_attraction {
    char attraction_id[FANTASY_ID_MAX];            /**< the attraction's id */
    char name[FANTASY_ATTRACTION_NAME_MAX];        /**< display name */
    char type[8];                                  /**< "RIDE" or "AREA" */
    char status[8];                                /**< "OPEN", "PAUSED" or "CLOSED" */
    char description[FANTASY_ATTRACTION_DESC_MAX]; /**< "" when absent */
    char opens_at[6];                              /**< "HH:MM", park-local */
    char closes_at[6];          /**< "HH:MM"; before opens_at when the hours cross midnight */
    int64_t min_height_cm;      /**< −1 when absent */
    int guardian_required;      /**< −1 when absent, else 0 or 1 */
    int64_t capacity_per_cycle; /**< rides only; 0 for an AREA */
    int64_t cycle_seconds;      /**< rides only; 0 for an AREA */
    char hashtags[FANTASY_ATTRACTION_TAGS_MAX][FANTASY_TAG_MAX]; /**< normalized */
    size_t n_hashtags;     /**< how many of `hashtags` are set */
    int64_t version;       /**< 1 at creation, +1 per update; pass it back to update */
    int64_t created_at_ms; /**< creation time on the park clock */
} fantasy_attraction;

/** What attractions.create takes. Zero-initialize, then fill in. */
typedef struct fantasy_attraction_new {
    const char *name;            /**< required */
    const char *type;            /**< required: "RIDE" or "AREA" */
    const char *description;     /**< NULL: absent */
    const char *opens_at;        /**< required "HH:MM" */
    const char *closes_at;       /**< required "HH:MM" */
    int64_t min_height_cm;       /**< 0: absent */
    int guardian_required;       /**< 0 or 1 */
    int64_t capacity_per_cycle;  /**< RIDE: required ≥ 1; AREA: 0 */
    int64_t cycle_seconds;       /**< RIDE: required ≥ 1; AREA: 0 */
    const char *const *hashtags; /**< normalized on write; may be NULL when n_hashtags is 0 */
    size_t n_hashtags;           /**< how many `hashtags` there are (at most 20) */
} fantasy_attraction_new;

/** Free an attraction; NULL is a no-op. @thread any */
FANTASY_API void fantasy_attraction_free(fantasy_attraction *a);

/**
 * `attractions.create`: a new attraction, status OPEN, version 1.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param in borrowed.
 * @param out the attraction; free with fantasy_attraction_free().
 * @return FANTASY_OK; FANTASY_EINVAL (a field breaks its rule: hours, ride numbers, hashtags);
 *         FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EMISUSE (NULL park, in or out); FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_attractions_create(fantasy_park *park,
                                                      const fantasy_actor *actor,
                                                      const fantasy_attraction_new *in,
                                                      fantasy_attraction **out);

/**
 * `attractions.get`: anyone.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param attraction_id the attraction's id.
 * @param out free with fantasy_attraction_free().
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown or deleted); FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_attractions_get(fantasy_park *park, const fantasy_actor *actor,
                                                   const char *attraction_id,
                                                   fantasy_attraction **out);

/**
 * `attractions.set_status`.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param attraction_id the attraction's id.
 * @param status "OPEN", "PAUSED" or "CLOSED".
 * @param out may be NULL; else the updated attraction.
 * @return FANTASY_OK; FANTASY_EINVAL (unknown status); FANTASY_ENOTFOUND; FANTASY_EAUTH;
 *         FANTASY_EPERM; FANTASY_ECONFLICT (kept losing to other writers); FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_attractions_set_status(fantasy_park *park,
                                                          const fantasy_actor *actor,
                                                          const char *attraction_id,
                                                          const char *status,
                                                          fantasy_attraction **out);

/**
 * `attractions.delete`: soft delete; the ride's WAITING and CALLED entries are cancelled.
 * @return FANTASY_OK; FANTASY_ENOTFOUND (unknown or already deleted); FANTASY_EAUTH;
 *         FANTASY_EPERM; FANTASY_ECONFLICT; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_attractions_delete(fantasy_park *park,
                                                      const fantasy_actor *actor,
                                                      const char *attraction_id);

FANTASY_END_DECLS

#endif /* FANTASY_ATTRACTIONS_H */
