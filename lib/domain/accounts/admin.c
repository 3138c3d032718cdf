/* Staff operations on other accounts: set_role (MASTER) and set_blocked (MANAGER, hierarchy). */
#include <string.h>

#include "core/error.h"
#include "core/ids.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/validate.h"

static fantasy_status check_target(const char *user_id) {
    return fantasy__id_valid(user_id) ? FANTASY_OK
                                      : fantasy__fail(FANTASY_EINVAL, "user_id is not a valid id");
}

static fantasy_status role_fn(fantasy_park *park, fantasy__account *a, void *ctx, int *write) {
    (void)park;
    fantasy_role role = *(const fantasy_role *)ctx;
    if (a->role != role) {
        a->role = role;
        fantasy__account_revoke(a); /* tokens carry the role: none may outlive it */
        *write = 1;
    }
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_set_role(fantasy_park *park, const fantasy_actor *actor,
                                          const char *user_id, fantasy_role role,
                                          fantasy__account *out) {
    fantasy_status st = fantasy__accounts_allow(actor, FANTASY_ROLE_MASTER, "accounts.set_role");
    if (st == FANTASY_OK) {
        st = check_target(user_id);
    }
    if (st == FANTASY_OK && (role < FANTASY_ROLE_USER || role > FANTASY_ROLE_MASTER)) {
        st = fantasy__fail(FANTASY_EINVAL, "role must be USER, MANAGER or MASTER");
    }
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, user_id, role_fn, &role, out);
    }
    return st;
}

typedef struct block_ctx {
    const fantasy_actor *actor;
    int blocked;
} block_ctx;

/* A caller blocks or unblocks only roles below its own, and never a MASTER; the host any. */
static fantasy_status block_rule(const fantasy_actor *actor, const fantasy__account *a) {
    if (actor->role == FANTASY_ROLE_SYSTEM) {
        return FANTASY_OK;
    }
    if (a->role == FANTASY_ROLE_MASTER) {
        return fantasy__fail(FANTASY_EPERM, "accounts.set_blocked: a MASTER cannot be blocked");
    }
    if (a->role >= actor->role) {
        return fantasy__fail(FANTASY_EPERM, "accounts.set_blocked: only accounts below your "
                                            "role");
    }
    return FANTASY_OK;
}

static fantasy_status block_fn(fantasy_park *park, fantasy__account *a, void *vctx, int *write) {
    (void)park;
    const block_ctx *ctx = vctx;
    fantasy_status st = block_rule(ctx->actor, a);
    if (st != FANTASY_OK || a->blocked == ctx->blocked) {
        return st;
    }
    a->blocked = ctx->blocked;
    /* Blocking revokes; unblocking only lifts the flag, so revocations made for other reasons
     * (logout, password change) stay in force. */
    if (ctx->blocked) {
        fantasy__account_revoke(a);
    }
    *write = 1;
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_set_blocked(fantasy_park *park, const fantasy_actor *actor,
                                             const char *user_id, int blocked,
                                             fantasy__account *out) {
    block_ctx ctx = { .actor = actor, .blocked = blocked != 0 };
    fantasy_status st =
        fantasy__accounts_allow(actor, FANTASY_ROLE_MANAGER, "accounts.set_blocked");
    if (st == FANTASY_OK) {
        st = check_target(user_id);
    }
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, user_id, block_fn, &ctx, out);
    }
    return st;
}
