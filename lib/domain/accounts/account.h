/* An account as stored in the record store, collection "accounts", id = user id.
 *
 * Document (JSON): user_id, username, name, email, slack_id (null when absent), role, blocked,
 * password_hash (self-describing KDF string, see password.h; "" once deleted), token_epoch,
 * sessions [{sid, jti, exp}], created_at, updated_at, deleted_at (ms; null while live).
 *
 * Index keys of a live account: plain "all" and "role:<ROLE>", unique "username:<lower-cased
 * username>" and, when set, unique "slack:<slack_id>". A deleted account keeps only plain
 * "deleted", which frees its username and slack_id for others.
 *
 * Sessions: each login opens one (sid) whose current refresh token is `jti`; a refresh replaces
 * jti (spending the old one). A spent jti presented again revokes everything. The token epoch is
 * carried in every token as `ver`; bumping it revokes every token issued before. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_ACCOUNT_H
#define FANTASY_DOMAIN_ACCOUNTS_ACCOUNT_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "fantasy/accounts.h"

#include "domain/accounts/password.h"

/* Sessions kept per account; the oldest is dropped beyond this. */
#define FANTASY__SESSIONS_MAX 16
#define FANTASY__KEY_ROLE     "role:"
#define FANTASY__KEY_USERNAME "username:"
#define FANTASY__KEY_SLACK    "slack:"
#define FANTASY__KEY_DELETED  "deleted"

typedef struct fantasy__session {
    char sid[FANTASY_ID_MAX];
    char jti[FANTASY_ID_MAX]; /* the one refresh token of this session that is not spent */
    int64_t exp_s;            /* that token's exp */
} fantasy__session;

typedef struct fantasy__account {
    int64_t version; /* record version, for compare-and-set */
    char user_id[FANTASY_ID_MAX];
    char username[FANTASY_ID_MAX];
    char name[FANTASY_NAME_MAX]; /* "" when absent, likewise email and slack_id */
    char email[FANTASY_EMAIL_MAX];
    char slack_id[FANTASY_ID_MAX];
    fantasy_role role;
    int blocked;
    char password_hash[FANTASY__HASH_MAX];
    int64_t token_epoch;
    fantasy__session sessions[FANTASY__SESSIONS_MAX];
    size_t n_sessions;
    int64_t created_at, updated_at, deleted_at; /* deleted_at 0 while live */
} fantasy__account;

/* A live account by id: FANTASY_ENOTFOUND ("no user '<id>'") when missing or deleted. */
fantasy_status fantasy__account_load(fantasy_park *park, const char *user_id,
                                     fantasy__account *out);

/* What acting for a user needs of a live account, exactly as fantasy__account_load would give
 * it (same failures), without decoding the document again while its version and bytes are
 * unchanged (the park's user_actors memo). */
typedef struct fantasy__account_brief {
    fantasy_role role;
    int blocked;
} fantasy__account_brief;

fantasy_status fantasy__account_load_brief(fantasy_park *park, const char *user_id,
                                           fantasy__account_brief *out);

/* A live account by username, ignoring case: FANTASY_ENOTFOUND when there is none. */
fantasy_status fantasy__account_find(fantasy_park *park, const char *username,
                                     fantasy__account *out);

/* Write a new account (create-only). FANTASY_EEXISTS naming the username or slack_id taken. */
fantasy_status fantasy__account_insert(fantasy_park *park, fantasy__account *a);

/* Read-modify-write of one live account under compare-and-set: `fn` gets a fresh copy on each
 * attempt and sets *write when it changed something; a concurrent change makes the loop run
 * `fn` again on the new state. `out` (may be NULL) gets the account as written or read. */
typedef fantasy_status (*fantasy__account_fn)(fantasy_park *park, fantasy__account *a, void *ctx,
                                              int *write);
fantasy_status fantasy__account_mutate(fantasy_park *park, const char *user_id,
                                       fantasy__account_fn fn, void *ctx, fantasy__account *out);

/* Revoke every token: bump the epoch, end every session. */
void fantasy__account_revoke(fantasy__account *a);

/* The public `user` object of API.md. */
fantasy_status fantasy__account_json(const fantasy__account *a, cJSON **out);

/* The public C value. */
void fantasy__account_user(const fantasy__account *a, fantasy_user *out);

#endif
