/**
 * @file accounts.h
 * @brief Accounts, roles and tokens: the typed form of the `accounts` JSON methods.
 *
 * Each function mirrors one method of API.md and applies the same caller rules, so
 * `fantasy_accounts_get(park, actor, id, &user)` behaves like `accounts.get` called by `actor`.
 * The caller is a ::fantasy_actor: fantasy_auth_verify() turns an access token into one,
 * fantasy_actor_system() is the host, fantasy_actor_as_user() is the host acting for a user.
 * A NULL actor is anonymous. An actor is a snapshot: verify the token again for each request.
 *
 * Outs are cleared on entry and stay NULL on failure; what comes out is the caller's, released
 * by the matching `_free` function. Strings in the structs are NUL-terminated; an absent optional
 * field is the empty string (JSON null).
 */
#ifndef FANTASY_ACCOUNTS_H
#define FANTASY_ACCOUNTS_H

#include "fantasy/common.h"
#include "fantasy/errors.h"
#include "fantasy/park.h"

FANTASY_BEGIN_DECLS

/** Room for a display name (at most 100 characters of UTF-8) with its NUL. */
#define FANTASY_NAME_MAX 401
/** Room for an email address (at most 254 bytes) with its NUL. */
#define FANTASY_EMAIL_MAX 255
/** Room for an access or refresh token with its NUL. */
#define FANTASY_TOKEN_MAX 1024

/** An account as callers see it (API.md `user`). Never holds the password or its hash. */
typedef struct fantasy_user {
    char user_id[FANTASY_ID_MAX];  /**< the account's id */
    char username[FANTASY_ID_MAX]; /**< as given at signup; unique ignoring case */
    char name[FANTASY_NAME_MAX];   /**< "" when absent */
    char email[FANTASY_EMAIL_MAX]; /**< "" when absent */
    char slack_id[FANTASY_ID_MAX]; /**< "" when absent; where the user's notifications go */
    fantasy_role role;             /**< USER, MANAGER or MASTER */
    int blocked;                   /**< non-zero: cannot log in, tokens refused */
    int64_t created_at_ms;         /**< signup time on the park clock */
} fantasy_user;

/** A token pair (API.md `tokens`). Expiry times are ms since the epoch on the park clock. */
typedef struct fantasy_tokens {
    char access_token[FANTASY_TOKEN_MAX];  /**< short-lived: pass it to fantasy_auth_verify() */
    char refresh_token[FANTASY_TOKEN_MAX]; /**< single use: trade it with fantasy_accounts_refresh()
                                            */
    int64_t access_expires_at_ms;          /**< when the access token stops working */
    int64_t refresh_expires_at_ms;         /**< when the refresh token stops working */
} fantasy_tokens;

/** One page of fantasy_accounts_list(). */
typedef struct fantasy_user_page {
    fantasy_user *items; /**< `n` users, oldest first; part of the page's one allocation */
    size_t n;            /**< number of users in `items` */
    char next_cursor[FANTASY_ID_MAX]; /**< "" when this page reaches the end */
} fantasy_user_page;

/** What fantasy_accounts_signup() and fantasy_accounts_create() take. Strings are borrowed. */
typedef struct fantasy_account_new {
    const char *username; /**< required: 3–50 of letters, digits, '_', '.', '-' */
    const char *password; /**< required: 8–1024 bytes of UTF-8; never stored in plain text */
    const char *name;     /**< optional (NULL): 1–100 characters */
    const char *email;    /**< optional (NULL) */
    const char *slack_id; /**< optional (NULL); unique among live accounts */
    fantasy_role role;    /**< create only: USER, MANAGER or MASTER (signup ignores it) */
} fantasy_account_new;

/** What fantasy_accounts_update() changes; NULL leaves a field as it is. */
typedef struct fantasy_account_update {
    const char *current_password; /**< required when `password` is set */
    const char *name;             /**< 1–100 characters */
    const char *email;            /**< the new email address */
    const char *slack_id;         /**< unique among live accounts */
    const char *password;         /**< the new password */
} fantasy_account_update;

/**
 * Turn an access token into an actor: signature (HS256 only), type, expiry on the park clock,
 * then the account's token epoch and blocked flag.
 * @param park an open park.
 * @param access_token an access token from login, refresh or a password change.
 * @param out the actor (user id and current role); zeroed on failure.
 * @return FANTASY_OK; FANTASY_EAUTH (malformed, tampered, another park's, a refresh token,
 *         revoked, blocked or deleted user); FANTASY_EEXPIRED; FANTASY_EMISUSE (NULL argument or
 *         park); FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_auth_verify(fantasy_park *park, const char *access_token,
                                               fantasy_actor *out);

/**
 * The host acting for a user (the typed `as_user_id`), with that user's current role.
 * @param park an open park.
 * @param user_id the user to act for.
 * @param out zeroed on failure.
 * @return FANTASY_OK; FANTASY_EINVAL (not a user id); FANTASY_ENOTFOUND (unknown or deleted);
 *         FANTASY_EPERM (the user is blocked); FANTASY_EMISUSE; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_actor_as_user(fantasy_park *park, const char *user_id,
                                                 fantasy_actor *out);

/**
 * `accounts.signup`: anyone opens a USER account.
 * @param park an open park.
 * @param actor may be NULL (anonymous).
 * @param in borrowed; `role` is ignored.
 * @param out the new user; free with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EINVAL (a field breaks its rule, nothing written);
 *         FANTASY_EEXISTS (username taken ignoring case, or slack_id in use); FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_signup(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_new *in,
                                                   fantasy_user **out);

/**
 * `accounts.create`: a MASTER (or the host) opens an account with any role.
 * @return as fantasy_accounts_signup(), plus FANTASY_EAUTH (anonymous) and FANTASY_EPERM
 *         (caller below MASTER).
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_create(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_new *in,
                                                   fantasy_user **out);

/**
 * `accounts.login`: check the password and open a session.
 * @param park an open park.
 * @param actor may be NULL.
 * @param username as given at signup, any case.
 * @param password the account's password.
 * @param tokens the new pair; free with fantasy_tokens_free().
 * @param user may be NULL; else the account, freed with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EAUTH (unknown username or wrong password — one message for both
 *         — or a blocked account); FANTASY_EINVAL (malformed username, password over 1024 bytes);
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_login(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *username, const char *password,
                                                  fantasy_tokens **tokens, fantasy_user **user);

/**
 * `accounts.refresh`: trade a refresh token for a new pair. The old refresh token is spent;
 * presenting a spent one again revokes every token of its user.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param refresh_token a refresh token from login, refresh or a password change.
 * @param out the new pair; free with fantasy_tokens_free().
 * @return FANTASY_OK; FANTASY_EAUTH (bad, revoked, spent or an access token);
 *         FANTASY_EEXPIRED; FANTASY_ECONFLICT (the account kept changing; retry);
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_refresh(fantasy_park *park, const fantasy_actor *actor,
                                                    const char *refresh_token,
                                                    fantasy_tokens **out);

/**
 * `accounts.logout`: revoke every token issued to the actor's user so far.
 * @return FANTASY_OK; FANTASY_EAUTH (anonymous); FANTASY_EINVAL (the system actor: use
 *         fantasy_actor_as_user()); FANTASY_ENOTFOUND; FANTASY_ECONFLICT; FANTASY_EMISUSE;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_logout(fantasy_park *park, const fantasy_actor *actor);

/**
 * `accounts.me`: the actor's own account.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param out free with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EAUTH; FANTASY_EINVAL (system actor); FANTASY_ENOTFOUND;
 *         FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_me(fantasy_park *park, const fantasy_actor *actor,
                                               fantasy_user **out);

/**
 * `accounts.get`: one account; a USER sees only their own.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param user_id the account's id.
 * @param out free with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EAUTH; FANTASY_EINVAL (malformed id); FANTASY_ENOTFOUND (unknown,
 *         deleted, or another user's account asked by a USER); FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_get(fantasy_park *park, const fantasy_actor *actor,
                                                const char *user_id, fantasy_user **out);

/**
 * `accounts.list` (MANAGER): live accounts, oldest first.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param role FANTASY_ROLE_NONE for every role, else only that one.
 * @param cursor NULL or "" from the start, else a page's `next_cursor`.
 * @param limit 1–100, or 0 for the default 20.
 * @param out free with fantasy_user_page_free().
 * @return FANTASY_OK; FANTASY_EAUTH; FANTASY_EPERM (below MANAGER); FANTASY_EINVAL (role, cursor
 *         or limit); FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_list(fantasy_park *park, const fantasy_actor *actor,
                                                 fantasy_role role, const char *cursor, int limit,
                                                 fantasy_user_page **out);

/**
 * `accounts.update`: change the actor's own name, email, slack_id or password. A password change
 * needs `current_password`, revokes every earlier token and returns a fresh pair.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param in borrowed; NULL fields stay as they are.
 * @param user free with fantasy_user_free().
 * @param tokens may be NULL; set (free with fantasy_tokens_free()) only when the password
 *        changed, else NULL.
 * @return FANTASY_OK; FANTASY_EAUTH (anonymous, or current_password missing or wrong);
 *         FANTASY_EINVAL (a field breaks its rule, or the system actor); FANTASY_EEXISTS
 *         (slack_id in use); FANTASY_ENOTFOUND; FANTASY_ECONFLICT; FANTASY_EMISUSE;
 *         FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_update(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_update *in,
                                                   fantasy_user **user, fantasy_tokens **tokens);

/**
 * `accounts.set_role` (MASTER): change a role; revokes the user's tokens when it changes.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param user_id the account to change.
 * @param role FANTASY_ROLE_USER, FANTASY_ROLE_MANAGER or FANTASY_ROLE_MASTER.
 * @param out free with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EAUTH; FANTASY_EPERM; FANTASY_EINVAL; FANTASY_ENOTFOUND;
 *         FANTASY_ECONFLICT; FANTASY_EMISUSE; FANTASY_ENOMEM; FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_set_role(fantasy_park *park, const fantasy_actor *actor,
                                                     const char *user_id, fantasy_role role,
                                                     fantasy_user **out);

/**
 * `accounts.set_blocked` (MANAGER): block or unblock. A caller acts only on roles below its own
 * and never on a MASTER (the host may). Blocking revokes the user's tokens; unblocking lets the
 * user log in again but revives no token.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param user_id the account to change.
 * @param blocked non-zero blocks, zero unblocks.
 * @param out free with fantasy_user_free().
 * @return FANTASY_OK; FANTASY_EAUTH; FANTASY_EPERM (role rule or hierarchy); FANTASY_EINVAL;
 *         FANTASY_ENOTFOUND; FANTASY_ECONFLICT; FANTASY_EMISUSE; FANTASY_ENOMEM;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_set_blocked(fantasy_park *park,
                                                        const fantasy_actor *actor,
                                                        const char *user_id, int blocked,
                                                        fantasy_user **out);

/**
 * `accounts.delete`: soft-delete an account, revoking its tokens and freeing its username and
 * slack_id. Users delete themselves with their password; a MASTER or the host deletes anyone.
 * @param park an open park.
 * @param actor the caller (NULL: anonymous).
 * @param user_id the account to delete.
 * @param password required when the actor deletes its own account.
 * @return FANTASY_OK; FANTASY_EAUTH (anonymous, password missing or wrong); FANTASY_EPERM (a
 *         MANAGER deleting someone else); FANTASY_ENOTFOUND (unknown, deleted, or another user's
 *         account for a USER); FANTASY_EINVAL; FANTASY_ECONFLICT; FANTASY_EMISUSE;
 *         FANTASY_EBACKEND.
 * @thread shared
 */
FANTASY_API fantasy_status fantasy_accounts_delete(fantasy_park *park, const fantasy_actor *actor,
                                                   const char *user_id, const char *password);

/** Free a user from this API. NULL is a no-op. @thread any */
FANTASY_API void fantasy_user_free(fantasy_user *user);
/** Free a token pair from this API (after wiping it). NULL is a no-op. @thread any */
FANTASY_API void fantasy_tokens_free(fantasy_tokens *tokens);
/** Free a page and its users. NULL is a no-op. @thread any */
FANTASY_API void fantasy_user_page_free(fantasy_user_page *page);

FANTASY_END_DECLS

#endif /* FANTASY_ACCOUNTS_H */
