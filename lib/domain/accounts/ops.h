/* The accounts operations behind both the JSON methods (methods.c) and the typed API (typed.c).
 * Each checks its caller rule itself, so both surfaces behave the same; owner rules (a USER sees
 * only their own account, as NOT_FOUND for the rest) live here too. `actor` is never NULL. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_OPS_H
#define FANTASY_DOMAIN_ACCOUNTS_OPS_H

#include "fantasy/accounts.h"

#include "domain/accounts/account.h"

/* The caller holds at least `min` (FANTASY_EAUTH when anonymous, FANTASY_EPERM when lower). */
fantasy_status fantasy__accounts_allow(const fantasy_actor *actor, fantasy_role min,
                                       const char *method);
/* A method that acts for a user: the caller must be one (the host passes as_user_id). */
fantasy_status fantasy__accounts_self(const fantasy_actor *actor, const char *method);

/* signup (`create_role` 0: USER, anyone) or create (`create_role` 1: in->role, MASTER). */
fantasy_status fantasy__accounts_new(fantasy_park *park, const fantasy_actor *actor,
                                     const fantasy_account_new *in, int create_role,
                                     fantasy__account *out);
fantasy_status fantasy__accounts_login(fantasy_park *park, const char *username,
                                       const char *password, fantasy_tokens *tokens,
                                       fantasy__account *out);
fantasy_status fantasy__accounts_logout(fantasy_park *park, const fantasy_actor *actor);
fantasy_status fantasy__accounts_me(fantasy_park *park, const fantasy_actor *actor,
                                    fantasy__account *out);
fantasy_status fantasy__accounts_get(fantasy_park *park, const fantasy_actor *actor,
                                     const char *user_id, fantasy__account *out);

/* A page of accounts in park memory; release with fantasy__account_page_clear. */
typedef struct fantasy__account_page {
    fantasy__account *items;
    size_t n;
    char next_cursor[FANTASY_ID_MAX]; /* "" at the end */
} fantasy__account_page;

/* `role` NONE: all; `cursor` NULL: from the start; `limit` 1–100. */
fantasy_status fantasy__accounts_list(fantasy_park *park, const fantasy_actor *actor,
                                      fantasy_role role, const char *cursor, int64_t limit,
                                      fantasy__account_page *out);
void fantasy__account_page_clear(fantasy_park *park, fantasy__account_page *page);

/* `*password_changed` tells whether `tokens` was filled. */
fantasy_status fantasy__accounts_update(fantasy_park *park, const fantasy_actor *actor,
                                        const fantasy_account_update *in, fantasy__account *out,
                                        fantasy_tokens *tokens, int *password_changed);
fantasy_status fantasy__accounts_set_role(fantasy_park *park, const fantasy_actor *actor,
                                          const char *user_id, fantasy_role role,
                                          fantasy__account *out);
fantasy_status fantasy__accounts_set_blocked(fantasy_park *park, const fantasy_actor *actor,
                                             const char *user_id, int blocked,
                                             fantasy__account *out);
fantasy_status fantasy__accounts_delete(fantasy_park *park, const fantasy_actor *actor,
                                        const char *user_id, const char *password);

/* Check `password` against `hash` the way login does: FANTASY_EAUTH with `what` named when it
 * is missing or wrong; FANTASY_EINVAL when it is over 1024 bytes. */
fantasy_status fantasy__accounts_check_password(fantasy_park *park, const char *what,
                                                const char *password, const char *hash);

#endif
