/* Tokens: signing pairs, verifying access tokens for every call, rotating refresh tokens with
 * reuse detection, and the dispatcher's two hooks (method.h). */
#include "domain/accounts/tokens.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/method.h"
#include "core/error.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/accounts/jwt.h"
#include "domain/accounts/validate.h"

static int64_t exp_seconds(int64_t now_ms, int64_t ttl_ms) {
    return (now_ms + ttl_ms) / 1000;
}

/* A token whose exp (seconds) is not after now (ms) is expired. */
static int expired(int64_t exp_s, int64_t now_ms) {
    return now_ms / 1000 >= exp_s;
}

fantasy_status fantasy__session_plan_make(fantasy_park *park, fantasy__session_plan *plan) {
    memset(plan, 0, sizeof *plan);
    fantasy_status st = fantasy__park_id(park, plan->sid);
    if (st == FANTASY_OK) {
        st = fantasy__park_id(park, plan->jti);
    }
    plan->now_ms = fantasy__now(park);
    plan->refresh_exp_s = exp_seconds(plan->now_ms, park->settings.auth_refresh_ttl_ms);
    return st;
}

void fantasy__session_open(fantasy__account *a, const fantasy__session_plan *plan) {
    size_t kept = 0;
    for (size_t i = 0; i < a->n_sessions; i++) {
        if (!expired(a->sessions[i].exp_s, plan->now_ms)) {
            a->sessions[kept++] = a->sessions[i];
        }
    }
    a->n_sessions = kept;
    if (a->n_sessions == FANTASY__SESSIONS_MAX) {
        memmove(&a->sessions[0], &a->sessions[1],
                (FANTASY__SESSIONS_MAX - 1) * sizeof a->sessions[0]);
        a->n_sessions--;
    }
    fantasy__session *s = &a->sessions[a->n_sessions++];
    (void)snprintf(s->sid, sizeof s->sid, "%s", plan->sid);
    (void)snprintf(s->jti, sizeof s->jti, "%s", plan->jti);
    s->exp_s = plan->refresh_exp_s;
}

static fantasy_status sign(fantasy_park *park, const fantasy__claims *c, char *out) {
    return fantasy__jwt_sign(park->settings.auth_secret, park->settings.auth_secret_len, c, out);
}

fantasy_status fantasy__tokens_sign(fantasy_park *park, const fantasy__account *a,
                                    const fantasy__session_plan *plan, fantasy_tokens *out) {
    memset(out, 0, sizeof *out);
    fantasy__claims c;
    memset(&c, 0, sizeof c);
    (void)snprintf(c.sub, sizeof c.sub, "%s", a->user_id);
    (void)snprintf(c.role, sizeof c.role, "%s", fantasy__role_name(a->role));
    c.ver = a->token_epoch;
    c.iat = plan->now_ms / 1000;
    (void)snprintf(c.typ, sizeof c.typ, "access");
    c.exp = exp_seconds(plan->now_ms, park->settings.auth_access_ttl_ms);
    fantasy_status st = fantasy__park_id(park, c.jti);
    if (st == FANTASY_OK) {
        st = sign(park, &c, out->access_token);
    }
    out->access_expires_at_ms = c.exp * 1000;
    (void)snprintf(c.typ, sizeof c.typ, "refresh");
    (void)snprintf(c.jti, sizeof c.jti, "%s", plan->jti);
    (void)snprintf(c.sid, sizeof c.sid, "%s", plan->sid);
    c.exp = plan->refresh_exp_s;
    if (st == FANTASY_OK) {
        st = sign(park, &c, out->refresh_token);
    }
    out->refresh_expires_at_ms = c.exp * 1000;
    if (st != FANTASY_OK) {
        OPENSSL_cleanse(out, sizeof *out);
    }
    return st;
}

/* Signature, algorithm and form, then the type and the park clock. */
static fantasy_status verify(fantasy_park *park, const char *token, const char *typ,
                             fantasy__claims *c) {
    fantasy_status st =
        fantasy__jwt_verify(park->settings.auth_secret, park->settings.auth_secret_len, token, c);
    if (st != FANTASY_OK) {
        return st;
    }
    if (strcmp(c->typ, typ) != 0) {
        return fantasy__fail(FANTASY_EAUTH, "wrong token type: expected %s, got %s", typ, c->typ);
    }
    if (expired(c->exp, fantasy__now(park))) {
        return fantasy__fail(FANTASY_EEXPIRED, "%s token expired", typ);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__auth_token_actor(fantasy_park *park, const char *token,
                                         fantasy_actor *out) {
    memset(out, 0, sizeof *out);
    fantasy__claims c;
    fantasy_status st = verify(park, token, "access", &c);
    fantasy__account a;
    if (st == FANTASY_OK) {
        st = fantasy__account_load(park, c.sub, &a);
        if (st == FANTASY_ENOTFOUND || st == FANTASY_EINVAL) {
            st = fantasy__fail(FANTASY_EAUTH, "the token's account no longer exists");
        }
    }
    if (st == FANTASY_OK && a.blocked) {
        st = fantasy__fail(FANTASY_EAUTH, "account is blocked");
    }
    /* Exact: any revocation since the token was signed changed the epoch. */
    if (st == FANTASY_OK && a.token_epoch != c.ver) {
        st = fantasy__fail(FANTASY_EAUTH, "access token has been revoked");
    }
    if (st == FANTASY_OK) {
        out->role = a.role;
        (void)snprintf(out->user_id, sizeof out->user_id, "%s", a.user_id);
    }
    return st;
}

fantasy_status fantasy__auth_user_actor(fantasy_park *park, const char *user_id,
                                        fantasy_actor *out) {
    memset(out, 0, sizeof *out);
    fantasy__account_brief a;
    fantasy_status st = fantasy__account_load_brief(park, user_id, &a);
    if (st == FANTASY_OK && a.blocked) {
        st = fantasy__fail(FANTASY_EPERM, "user '%s' is blocked", user_id);
    }
    if (st == FANTASY_OK) {
        /* The stored user_id equals the id asked for: the decode checks it. */
        out->role = a.role;
        (void)snprintf(out->user_id, sizeof out->user_id, "%s", user_id);
    }
    return st;
}

/* ---- refresh ------------------------------------------------------------------------------- */

typedef struct refresh_ctx {
    const fantasy__claims *c;
    fantasy__session_plan plan; /* sid is the token's; jti and times are new */
    int reused;
} refresh_ctx;

static fantasy__session *find_session(fantasy__account *a, const char *sid) {
    for (size_t i = 0; i < a->n_sessions; i++) {
        if (strcmp(a->sessions[i].sid, sid) == 0) {
            return &a->sessions[i];
        }
    }
    return NULL;
}

static fantasy_status refresh_fn(fantasy_park *park, fantasy__account *a, void *vctx, int *write) {
    (void)park;
    refresh_ctx *ctx = vctx;
    ctx->reused = 0;
    if (a->blocked) {
        return fantasy__fail(FANTASY_EAUTH, "account is blocked");
    }
    if (a->token_epoch != ctx->c->ver) {
        return fantasy__fail(FANTASY_EAUTH, "refresh token has been revoked");
    }
    fantasy__session *s = find_session(a, ctx->c->sid);
    if (!s) {
        return fantasy__fail(FANTASY_EAUTH, "the refresh token's session has ended");
    }
    *write = 1;
    if (strcmp(s->jti, ctx->c->jti) != 0) {
        /* A spent token came back: someone holds a copy. Nobody can tell which holder is
         * legitimate, so every token of the user dies. */
        fantasy__account_revoke(a);
        ctx->reused = 1;
        return FANTASY_OK;
    }
    (void)snprintf(s->jti, sizeof s->jti, "%s", ctx->plan.jti);
    s->exp_s = ctx->plan.refresh_exp_s;
    return FANTASY_OK;
}

fantasy_status fantasy__tokens_refresh(fantasy_park *park, const char *refresh_token,
                                       fantasy_tokens *out) {
    memset(out, 0, sizeof *out);
    fantasy__claims c;
    refresh_ctx ctx = { .c = &c };
    fantasy_status st = verify(park, refresh_token, "refresh", &c);
    if (st == FANTASY_OK && c.sid[0] == '\0') {
        st = fantasy__fail(FANTASY_EAUTH, "malformed refresh token: no session");
    }
    if (st == FANTASY_OK) {
        st = fantasy__session_plan_make(park, &ctx.plan);
        (void)snprintf(ctx.plan.sid, sizeof ctx.plan.sid, "%s", c.sid);
    }
    fantasy__account a;
    if (st == FANTASY_OK) {
        st = fantasy__account_mutate(park, c.sub, refresh_fn, &ctx, &a);
        if (st == FANTASY_ENOTFOUND || st == FANTASY_EINVAL) {
            st = fantasy__fail(FANTASY_EAUTH, "the token's account no longer exists");
        }
    }
    if (st == FANTASY_OK && ctx.reused) {
        st = fantasy__fail(FANTASY_EAUTH, "refresh token was already used: every token of this "
                                          "user has been revoked");
    }
    if (st == FANTASY_OK) {
        st = fantasy__tokens_sign(park, &a, &ctx.plan, out);
    }
    return st;
}

fantasy_status fantasy__tokens_json(const fantasy_tokens *t, cJSON *into) {
    fantasy_status st = fantasy__json_put_str(into, "access_token", t->access_token);
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(into, "refresh_token", t->refresh_token);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(into, "access_expires_at", t->access_expires_at_ms);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(into, "refresh_expires_at", t->refresh_expires_at_ms);
    }
    return st;
}
