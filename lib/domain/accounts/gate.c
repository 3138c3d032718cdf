/* Token and user resolution for the dispatcher. Until the accounts domain stores users, no
 * token can be valid and no user exists: both answers are the truth, not placeholders. */
#include "api/method.h"
#include "core/error.h"

fantasy_status fantasy__auth_token_actor(fantasy_park *park, const char *token,
                                         fantasy_actor *out) {
    (void)park;
    (void)token;
    (void)out;
    return fantasy__fail(FANTASY_EAUTH, "invalid access token");
}

fantasy_status fantasy__auth_user_actor(fantasy_park *park, const char *user_id,
                                        fantasy_actor *out) {
    (void)park;
    (void)out;
    return fantasy__fail(FANTASY_ENOTFOUND, "no user '%s'", user_id);
}
