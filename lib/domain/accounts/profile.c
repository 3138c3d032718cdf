/* A user's own account: update (profile and password) and delete. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/error.h"
#include "core/ids.h"
#include "core/park_internal.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/tokens.h"
#include "domain/accounts/validate.h"

/* ---- update -------------------------------------------------------------------------------- */

typedef struct update_ctx {
    const fantasy_account_update *in;
    char verified_hash[FANTASY__HASH_MAX]; /* the stored hash current_password matched */
    char new_hash[FANTASY__HASH_MAX];
    fantasy__session_plan plan;
} update_ctx;

static fantasy_status check_update(const fantasy_account_update *in) {
    fantasy_status st = FANTASY_OK;
    if (in->name) {
        st = fantasy__check_name(in->name);
    }
    if (st == FANTASY_OK && in->email) {
        st = fantasy__check_email(in->email);
    }
    if (st == FANTASY_OK && in->slack_id) {
        st = fantasy__check_slack_id(in->slack_id);
    }
    if (st == FANTASY_OK && in->password) {
        st = fantasy__check_password("password", in->password);
    }
    if (st == FANTASY_OK && in->password && !in->current_password) {
        st = fantasy__fail(FANTASY_EAUTH, "current_password is required to change the password");
    }
    return st;
}

static fantasy_status change_password(fantasy_park *park, fantasy__account *a, update_ctx *ctx) {
    /* Checked once per stored hash, so a retry after an unrelated write costs no second KDF. */
    if (strcmp(a->password_hash, ctx->verified_hash) != 0) {
        fantasy_status st = fantasy__accounts_check_password(
            park, "current_password", ctx->in->current_password, a->password_hash);
        if (st != FANTASY_OK) {
            return st;
        }
        (void)snprintf(ctx->verified_hash, sizeof ctx->verified_hash, "%s", a->password_hash);
    }
    (void)snprintf(a->password_hash, sizeof a->password_hash, "%s", ctx->new_hash);
    fantasy__account_revoke(a);
    fantasy__session_open(a, &ctx->plan);
    return FANTASY_OK;
}

static fantasy_status update_fn(fantasy_park *park, fantasy__account *a, void *vctx, int *write) {
    update_ctx *ctx = vctx;
    const fantasy_account_update *in = ctx->in;
    if (in->password) {
        fantasy_status st = change_password(park, a, ctx);
        if (st != FANTASY_OK) {
            return st;
        }
    }
    if (in->name) {
        (void)snprintf(a->name, sizeof a->name, "%s", in->name);
    }
    if (in->email) {
        (void)snprintf(a->email, sizeof a->email, "%s", in->email);
    }
    if (in->slack_id) {
        (void)snprintf(a->slack_id, sizeof a->slack_id, "%s", in->slack_id);
    }
    *write = in->password || in->name || in->email || in->slack_id;
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_update(fantasy_park *park, const fantasy_actor *actor,
                                        const fantasy_account_update *in, fantasy__account *out,
                                        fantasy_tokens *tokens, int *password_changed) {
    *password_changed = 0;
    memset(tokens, 0, sizeof *tokens);
    update_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.in = in;
    fantasy_status st = fantasy__accounts_self(actor, "accounts.update");
    if (st == FANTASY_OK) {
        st = check_update(in);
    }
    if (st == FANTASY_OK && in->password) {
        st = fantasy__password_hash(&park->settings, in->password, ctx.new_hash);
        if (st == FANTASY_OK) {
            st = fantasy__session_plan_make(park, &ctx.plan);
        }
    }
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, actor->user_id, update_fn, &ctx, out);
    }
    if (st == FANTASY_OK && in->password) {
        st = fantasy__tokens_sign(park, out, &ctx.plan, tokens);
        *password_changed = st == FANTASY_OK;
    }
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return st;
}

/* ---- delete -------------------------------------------------------------------------------- */

typedef struct delete_ctx {
    const char *password; /* NULL when no check is due */
    char verified_hash[FANTASY__HASH_MAX];
    int64_t now_ms;
} delete_ctx;

static fantasy_status delete_fn(fantasy_park *park, fantasy__account *a, void *vctx, int *write) {
    delete_ctx *ctx = vctx;
    if (ctx->password && strcmp(a->password_hash, ctx->verified_hash) != 0) {
        fantasy_status st =
            fantasy__accounts_check_password(park, "password", ctx->password, a->password_hash);
        if (st != FANTASY_OK) {
            return st;
        }
        (void)snprintf(ctx->verified_hash, sizeof ctx->verified_hash, "%s", a->password_hash);
    }
    fantasy__account_revoke(a);
    a->deleted_at = ctx->now_ms;
    /* Nothing can log in to a deleted account; keep no secret for it. */
    memset(a->password_hash, 0, sizeof a->password_hash);
    *write = 1;
    return FANTASY_OK;
}

/* Who may delete whom: yourself with your password, anyone as a MASTER or the host. */
static fantasy_status delete_rule(fantasy_park *park, const fantasy_actor *actor,
                                  const char *user_id, const char *password, delete_ctx *ctx) {
    int self = actor->user_id[0] && strcmp(actor->user_id, user_id) == 0;
    if (self) {
        ctx->password = password;
        return password ? FANTASY_OK
                        : fantasy__fail(FANTASY_EAUTH, "deleting your own account needs your "
                                                       "password");
    }
    if (actor->role == FANTASY_ROLE_SYSTEM || actor->role == FANTASY_ROLE_MASTER) {
        return FANTASY_OK;
    }
    if (actor->role == FANTASY_ROLE_USER) {
        return fantasy__fail(FANTASY_ENOTFOUND, "no user '%s'", user_id);
    }
    fantasy__account target;
    fantasy_status st = fantasy__account_load(park, user_id, &target);
    return st == FANTASY_OK
               ? fantasy__fail(FANTASY_EPERM, "accounts.delete: only a MASTER deletes others")
               : st;
}

fantasy_status fantasy__accounts_delete(fantasy_park *park, const fantasy_actor *actor,
                                        const char *user_id, const char *password) {
    delete_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    fantasy_status st = fantasy__accounts_allow(actor, FANTASY_ROLE_USER, "accounts.delete");
    if (st == FANTASY_OK && !fantasy__id_valid(user_id)) {
        st = fantasy__fail(FANTASY_EINVAL, "user_id is not a valid id");
    }
    if (st == FANTASY_OK) {
        st = delete_rule(park, actor, user_id, password, &ctx);
    }
    if (st == FANTASY_OK) {
        ctx.now_ms = fantasy__now(park);
        st = fantasy__account_mutate(park, user_id, delete_fn, &ctx, NULL);
    }
    return st;
}
