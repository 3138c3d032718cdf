/* The method table behind fantasy_call (lib/api/dispatch.c). Each domain exports one
 * NULL-terminated table; dispatch.c lists the tables. A handler gets parsed args and a resolved
 * actor (for system calls of ACTS_FOR_USER methods, the user named by `as_user_id`); it returns a
 * status with the thread's message set on failure, or FANTASY_OK and a result object. Owner rules
 * live in the domain, not here. */
#ifndef FANTASY_API_METHOD_H
#define FANTASY_API_METHOD_H

#include <cJSON.h>

#include "fantasy/park.h"

typedef fantasy_status (*fantasy__method_fn)(fantasy_park *park, const fantasy_actor *actor,
                                             const cJSON *args, cJSON **result);

enum {
    /* anyone, even without a token; a token, when given, is still verified (staff may see
     * more) */
    FANTASY__M_PUBLIC = 1u << 0,
    /* only fantasy_call_system */
    FANTASY__M_SYSTEM_ONLY = 1u << 1,
    /* acts for a user: fantasy_call_system needs `as_user_id` */
    FANTASY__M_ACTS_FOR_USER = 1u << 2
};

typedef struct fantasy__method {
    const char *name;
    fantasy_role min_role; /* ignored for PUBLIC and SYSTEM_ONLY */
    unsigned flags;
    fantasy__method_fn fn;
} fantasy__method;

/* Tables, each ending with {NULL}. */
extern const fantasy__method fantasy__park_methods[];
extern const fantasy__method fantasy__accounts_methods[];
extern const fantasy__method fantasy__attractions_methods[];
extern const fantasy__method fantasy__queues_methods[];
extern const fantasy__method fantasy__products_methods[];
extern const fantasy__method fantasy__orders_methods[];

/* Find a method by name across every table; NULL when unknown. */
const fantasy__method *fantasy__method_find(const char *name);

/* The typed C API's door: run `method` for an actor the host already holds, under the same role
 * rule as fantasy_call (NULL actor: anonymous; a method acting for a user needs a user actor).
 * `args` stays the caller's. */
fantasy_status fantasy__call_as(fantasy_park *park, const fantasy_actor *actor, const char *method,
                                const cJSON *args, cJSON **result);

/* Turn an access token into an actor (the accounts domain). FANTASY_EAUTH for a bad token,
 * FANTASY_EEXPIRED for an expired one. */
fantasy_status fantasy__auth_token_actor(fantasy_park *park, const char *token, fantasy_actor *out);
/* The host acting for `user_id` (the accounts domain): FANTASY_ENOTFOUND for an unknown or
 * deleted user. */
fantasy_status fantasy__auth_user_actor(fantasy_park *park, const char *user_id,
                                        fantasy_actor *out);

#endif
