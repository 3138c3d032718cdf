/* Login and logout, and the password checks shared with update and delete. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/error.h"
#include "core/park_internal.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/tokens.h"
#include "domain/accounts/validate.h"

/* One message for an unknown username and a wrong password: no user enumeration. */
static const char bad_login[] = "invalid username or password";

fantasy_status fantasy__accounts_check_password(fantasy_park *park, const char *what,
                                                const char *password, const char *hash) {
    if (!password) {
        return fantasy__fail(FANTASY_EAUTH, "%s is required", what);
    }
    size_t n = strnlen(password, FANTASY__PASSWORD_MAX + 1);
    if (n > FANTASY__PASSWORD_MAX) {
        return fantasy__fail(FANTASY_EINVAL, "%s must be at most %d bytes", what,
                             FANTASY__PASSWORD_MAX);
    }
    int ok = 0, stale = 0;
    fantasy_status st =
        n == 0 ? FANTASY_OK
               : fantasy__password_verify(&park->settings, password, hash, &ok, &stale);
    if (st == FANTASY_OK && !ok) {
        st = fantasy__fail(FANTASY_EAUTH, "%s is wrong", what);
    }
    return st;
}

typedef struct login_ctx {
    const char *verified_hash;        /* the hash the password was checked against */
    char new_hash[FANTASY__HASH_MAX]; /* "" unless the stored one uses old parameters */
    fantasy__session_plan plan;
} login_ctx;

static fantasy_status login_fn(fantasy_park *park, fantasy__account *a, void *vctx, int *write) {
    (void)park;
    login_ctx *ctx = vctx;
    if (a->blocked) {
        return fantasy__fail(FANTASY_EAUTH, "account is blocked");
    }
    if (strcmp(a->password_hash, ctx->verified_hash) != 0) {
        return fantasy__fail(FANTASY_EAUTH, "%s", bad_login); /* changed since we checked it */
    }
    if (ctx->new_hash[0]) {
        (void)snprintf(a->password_hash, sizeof a->password_hash, "%s", ctx->new_hash);
    }
    fantasy__session_open(a, &ctx->plan);
    *write = 1;
    return FANTASY_OK;
}

static fantasy_status check_login_args(const char *username, const char *password) {
    fantasy_status st = fantasy__check_username(username);
    size_t n = strnlen(password, FANTASY__PASSWORD_MAX + 1);
    if (st == FANTASY_OK && (n == 0 || n > FANTASY__PASSWORD_MAX)) {
        st = fantasy__fail(FANTASY_EINVAL, "password must be 1-%d bytes", FANTASY__PASSWORD_MAX);
    }
    return st;
}

/* The account behind `username` if `password` is right; FANTASY_EAUTH (bad_login) otherwise.
 * *stale tells that the hash should be redone with the current parameters. */
static fantasy_status authenticate(fantasy_park *park, const char *username, const char *password,
                                   fantasy__account *a, int *stale) {
    fantasy_status st = fantasy__account_find(park, username, a);
    if (st == FANTASY_ENOTFOUND) {
        fantasy__password_burn(&park->settings, password);
        return fantasy__fail(FANTASY_EAUTH, "%s", bad_login);
    }
    int ok = 0;
    if (st == FANTASY_OK) {
        st = fantasy__password_verify(&park->settings, password, a->password_hash, &ok, stale);
    }
    if (st == FANTASY_OK && !ok) {
        st = fantasy__fail(FANTASY_EAUTH, "%s", bad_login);
    }
    if (st == FANTASY_OK && a->blocked) {
        st = fantasy__fail(FANTASY_EAUTH, "account is blocked");
    }
    return st;
}

fantasy_status fantasy__accounts_login(fantasy_park *park, const char *username,
                                       const char *password, fantasy_tokens *tokens,
                                       fantasy__account *out) {
    memset(tokens, 0, sizeof *tokens);
    fantasy__account a;
    int stale = 0;
    login_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    fantasy_status st = check_login_args(username, password);
    if (st == FANTASY_OK) {
        st = authenticate(park, username, password, &a, &stale);
    }
    if (st == FANTASY_OK && stale) {
        st = fantasy__password_hash(&park->settings, password, ctx.new_hash);
    }
    if (st == FANTASY_OK) {
        ctx.verified_hash = a.password_hash;
        st = fantasy__session_plan_make(park, &ctx.plan);
    }
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, a.user_id, login_fn, &ctx, out);
        if (st == FANTASY_ENOTFOUND) {
            st = fantasy__fail(FANTASY_EAUTH, "%s", bad_login); /* deleted meanwhile */
        }
    }
    if (st == FANTASY_OK) {
        st = fantasy__tokens_sign(park, out, &ctx.plan, tokens);
    }
    OPENSSL_cleanse(ctx.new_hash, sizeof ctx.new_hash);
    return st;
}

static fantasy_status logout_fn(fantasy_park *park, fantasy__account *a, void *ctx, int *write) {
    (void)park;
    (void)ctx;
    fantasy__account_revoke(a);
    *write = 1;
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_logout(fantasy_park *park, const fantasy_actor *actor) {
    fantasy_status st = fantasy__accounts_self(actor, "accounts.logout");
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, actor->user_id, logout_fn, NULL, NULL);
    }
    return st;
}
