/* Caller rules, new accounts (signup, create) and reads (me, get, list). */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/park_internal.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/validate.h"
#include "domain/collections.h"

fantasy_status fantasy__accounts_allow(const fantasy_actor *actor, fantasy_role min,
                                       const char *method) {
    if (actor->role == FANTASY_ROLE_SYSTEM || min == FANTASY_ROLE_NONE) {
        return FANTASY_OK;
    }
    if (actor->role == FANTASY_ROLE_NONE) {
        return fantasy__fail(FANTASY_EAUTH, "%s needs an access token", method);
    }
    if (actor->role < min) {
        return fantasy__fail(FANTASY_EPERM, "%s: permission denied for this role", method);
    }
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_self(const fantasy_actor *actor, const char *method) {
    fantasy_status st = fantasy__accounts_allow(actor, FANTASY_ROLE_USER, method);
    if (st == FANTASY_OK && actor->user_id[0] == '\0') {
        st = fantasy__fail(FANTASY_EINVAL,
                           "%s acts for a user: the host must name one "
                           "(as_user_id)",
                           method);
    }
    return st;
}

/* ---- signup and create --------------------------------------------------------------------- */

static fantasy_status check_optional(const fantasy_account_new *in) {
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
    return st;
}

static fantasy_status check_new(const fantasy_account_new *in, int create_role) {
    if (!in->username) {
        return fantasy__fail(FANTASY_EINVAL, "missing field 'username'");
    }
    if (!in->password) {
        return fantasy__fail(FANTASY_EINVAL, "missing field 'password'");
    }
    fantasy_status st = fantasy__check_username(in->username);
    if (st == FANTASY_OK) {
        st = fantasy__check_password("password", in->password);
    }
    if (st == FANTASY_OK) {
        st = check_optional(in);
    }
    if (st == FANTASY_OK && create_role &&
        (in->role < FANTASY_ROLE_USER || in->role > FANTASY_ROLE_MASTER)) {
        st = fantasy__fail(FANTASY_EINVAL, "role must be USER, MANAGER or MASTER");
    }
    return st;
}

static void copy_field(char *dst, size_t cap, const char *src) {
    (void)snprintf(dst, cap, "%s", src ? src : "");
}

fantasy_status fantasy__accounts_new(fantasy_park *park, const fantasy_actor *actor,
                                     const fantasy_account_new *in, int create_role,
                                     fantasy__account *out) {
    const char *method = create_role ? "accounts.create" : "accounts.signup";
    fantasy_status st = fantasy__accounts_allow(
        actor, create_role ? FANTASY_ROLE_MASTER : FANTASY_ROLE_NONE, method);
    if (st == FANTASY_OK) {
        st = check_new(in, create_role);
    }
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__account *a = out;
    memset(a, 0, sizeof *a);
    st = fantasy__password_hash(&park->settings, in->password, a->password_hash);
    if (st == FANTASY_OK) {
        st = fantasy__park_id(park, a->user_id);
    }
    if (st != FANTASY_OK) {
        memset(a, 0, sizeof *a);
        return st;
    }
    copy_field(a->username, sizeof a->username, in->username);
    copy_field(a->name, sizeof a->name, in->name);
    copy_field(a->email, sizeof a->email, in->email);
    copy_field(a->slack_id, sizeof a->slack_id, in->slack_id);
    a->role = create_role ? in->role : FANTASY_ROLE_USER;
    a->created_at = a->updated_at = fantasy__now(park);
    st = fantasy__account_insert(park, a);
    if (st != FANTASY_OK) {
        memset(a, 0, sizeof *a);
    }
    return st;
}

/* ---- reads --------------------------------------------------------------------------------- */

fantasy_status fantasy__accounts_me(fantasy_park *park, const fantasy_actor *actor,
                                    fantasy__account *out) {
    fantasy_status st = fantasy__accounts_self(actor, "accounts.me");
    return st == FANTASY_OK ? fantasy__account_load(park, actor->user_id, out) : st;
}

fantasy_status fantasy__accounts_get(fantasy_park *park, const fantasy_actor *actor,
                                     const char *user_id, fantasy__account *out) {
    fantasy_status st = fantasy__accounts_allow(actor, FANTASY_ROLE_USER, "accounts.get");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!fantasy__id_valid(user_id)) {
        return fantasy__fail(FANTASY_EINVAL, "user_id is not a valid id");
    }
    /* Another user's account does not exist as far as a USER can tell. */
    if (actor->role == FANTASY_ROLE_USER && strcmp(actor->user_id, user_id) != 0) {
        return fantasy__fail(FANTASY_ENOTFOUND, "no user '%s'", user_id);
    }
    return fantasy__account_load(park, user_id, out);
}

static fantasy_status list_key(fantasy_role role, char *key, size_t cap) {
    if (role == FANTASY_ROLE_NONE) {
        (void)snprintf(key, cap, "%s", FANTASY__KEY_ALL);
        return FANTASY_OK;
    }
    if (role < FANTASY_ROLE_USER || role > FANTASY_ROLE_MASTER) {
        return fantasy__fail(FANTASY_EINVAL, "role must be USER, MANAGER or MASTER");
    }
    (void)snprintf(key, cap, "%s%s", FANTASY__KEY_ROLE, fantasy__role_name(role));
    return FANTASY_OK;
}

static fantasy_status check_list_args(const char *cursor, int64_t limit) {
    if (cursor && !fantasy__id_valid(cursor)) {
        return fantasy__fail(FANTASY_EINVAL, "cursor is not one this method returned");
    }
    if (limit < 1 || limit > 100) {
        return fantasy__fail(FANTASY_EINVAL, "limit must be in 1..100");
    }
    return FANTASY_OK;
}

/* Load the first `limit` of `ids` into the page, skipping accounts deleted meanwhile. */
static fantasy_status fill_page(fantasy_park *park, const fantasy_list *ids, size_t limit,
                                fantasy__account_page *out) {
    size_t n = fantasy_list_size(ids);
    size_t take = n < limit ? n : limit;
    out->items = fantasy__calloc(&park->alloc, take ? take : 1, sizeof *out->items);
    if (!out->items) {
        return fantasy__oom();
    }
    for (size_t i = 0; i < take; i++) {
        fantasy_status st =
            fantasy__account_load(park, fantasy_list_str(ids, i), &out->items[out->n]);
        if (st == FANTASY_OK) {
            out->n++;
        } else if (st != FANTASY_ENOTFOUND) {
            return st;
        }
    }
    if (n > limit) {
        (void)snprintf(out->next_cursor, sizeof out->next_cursor, "%s",
                       fantasy_list_str(ids, limit - 1));
    }
    return FANTASY_OK;
}

fantasy_status fantasy__accounts_list(fantasy_park *park, const fantasy_actor *actor,
                                      fantasy_role role, const char *cursor, int64_t limit,
                                      fantasy__account_page *out) {
    memset(out, 0, sizeof *out);
    char key[32];
    fantasy_status st = fantasy__accounts_allow(actor, FANTASY_ROLE_MANAGER, "accounts.list");
    if (st == FANTASY_OK) {
        st = list_key(role, key, sizeof key);
    }
    if (st == FANTASY_OK) {
        st = check_list_args(cursor, limit);
    }
    fantasy_list *ids = NULL;
    if (st == FANTASY_OK) {
        st = fantasy_list_new(&park->alloc, &ids);
    }
    if (st == FANTASY_OK) {
        /* One more than asked tells whether another page follows. */
        st = park->records.find(park->records.self, FANTASY__COL_ACCOUNTS, key, cursor,
                                (size_t)limit + 1, ids);
    }
    if (st == FANTASY_OK) {
        st = fill_page(park, ids, (size_t)limit, out);
    }
    fantasy_list_free(ids);
    if (st != FANTASY_OK) {
        fantasy__account_page_clear(park, out);
    }
    return st;
}

void fantasy__account_page_clear(fantasy_park *park, fantasy__account_page *page) {
    fantasy__free(&park->alloc, page->items);
    memset(page, 0, sizeof *page);
}
