/* accounts.* JSON methods (API.md): read the arguments, run the operation, shape the result. */
#include <string.h>

#include <openssl/crypto.h>

#include "api/method.h"
#include "core/error.h"
#include "core/json.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/tokens.h"
#include "domain/accounts/validate.h"

static fantasy_status opt_str(const cJSON *args, const char *name, const char **out) {
    *out = NULL;
    return fantasy__json_str(args, name, 0, out, NULL);
}

static fantasy_status user_result(fantasy_status st, const fantasy__account *a, cJSON **result) {
    return st == FANTASY_OK ? fantasy__account_json(a, result) : st;
}

static fantasy_status empty_result(fantasy_status st, cJSON **result) {
    if (st != FANTASY_OK) {
        return st;
    }
    *result = cJSON_CreateObject();
    return *result ? FANTASY_OK : fantasy__oom();
}

/* The tokens object, with `user` added when given. */
static fantasy_status tokens_result(const fantasy_tokens *t, const fantasy__account *a,
                                    cJSON **result) {
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? fantasy__tokens_json(t, o) : fantasy__oom();
    cJSON *u = NULL;
    if (st == FANTASY_OK && a) {
        st = fantasy__account_json(a, &u);
        if (st == FANTASY_OK) {
            st = fantasy__json_put(o, "user", u);
        }
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *result = o;
    return FANTASY_OK;
}

static fantasy_status read_new(const cJSON *args, int create_role, fantasy_account_new *in) {
    static const char *const signup_fields[] = { "username", "password", "name",
                                                 "email",    "slack_id", NULL };
    static const char *const create_fields[] = { "username", "password", "name", "email",
                                                 "slack_id", "role",     NULL };
    memset(in, 0, sizeof *in);
    fantasy_status st = fantasy__json_only(args, create_role ? create_fields : signup_fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "username", 1, &in->username, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "password", 1, &in->password, NULL);
    }
    const char *names[] = { "name", "email", "slack_id" };
    const char **outs[] = { &in->name, &in->email, &in->slack_id };
    for (size_t i = 0; i < 3 && st == FANTASY_OK; i++) {
        st = opt_str(args, names[i], outs[i]);
    }
    const char *role = NULL;
    if (st == FANTASY_OK && create_role) {
        st = fantasy__json_str(args, "role", 1, &role, NULL);
        if (st == FANTASY_OK) {
            st = fantasy__role_parse("role", role, &in->role);
        }
    }
    return st;
}

static fantasy_status m_new(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            int create_role, cJSON **result) {
    fantasy_account_new in;
    fantasy__account a;
    fantasy_status st = read_new(args, create_role, &in);
    if (st == FANTASY_OK) {
        st = fantasy__accounts_new(park, actor, &in, create_role, &a);
    }
    return user_result(st, &a, result);
}

static fantasy_status m_signup(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    return m_new(park, actor, args, 0, result);
}

static fantasy_status m_create(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    return m_new(park, actor, args, 1, result);
}

static fantasy_status m_login(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                              cJSON **result) {
    (void)actor;
    static const char *const fields[] = { "username", "password", NULL };
    const char *username = NULL, *password = NULL;
    fantasy_tokens t;
    fantasy__account a;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "username", 1, &username, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "password", 1, &password, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__accounts_login(park, username, password, &t, &a);
    }
    if (st == FANTASY_OK) {
        st = tokens_result(&t, &a, result);
        OPENSSL_cleanse(&t, sizeof t);
    }
    return st;
}

static fantasy_status m_refresh(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                                cJSON **result) {
    (void)actor;
    static const char *const fields[] = { "refresh_token", NULL };
    const char *token = NULL;
    fantasy_tokens t;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "refresh_token", 1, &token, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__tokens_refresh(park, token, &t);
    }
    if (st == FANTASY_OK) {
        st = tokens_result(&t, NULL, result);
        OPENSSL_cleanse(&t, sizeof t);
    }
    return st;
}

static fantasy_status m_logout(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    static const char *const fields[] = { NULL };
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__accounts_logout(park, actor);
    }
    return empty_result(st, result);
}

static fantasy_status m_me(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                           cJSON **result) {
    static const char *const fields[] = { NULL };
    fantasy__account a;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__accounts_me(park, actor, &a);
    }
    return user_result(st, &a, result);
}

static fantasy_status m_get(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                            cJSON **result) {
    static const char *const fields[] = { "user_id", NULL };
    const char *id = NULL;
    fantasy__account a;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "user_id", 1, &id, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__accounts_get(park, actor, id, &a);
    }
    return user_result(st, &a, result);
}

static fantasy_status page_result(const fantasy__account_page *page, cJSON **result) {
    cJSON *items = cJSON_CreateArray();
    fantasy_status st = items ? FANTASY_OK : fantasy__oom();
    for (size_t i = 0; i < page->n && st == FANTASY_OK; i++) {
        cJSON *u = NULL;
        st = fantasy__account_json(&page->items[i], &u);
        if (st == FANTASY_OK && !cJSON_AddItemToArray(items, u)) {
            cJSON_Delete(u);
            st = fantasy__oom();
        }
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(items);
        return st;
    }
    return fantasy__json_page_result(items, page->next_cursor[0] ? page->next_cursor : NULL,
                                     result);
}

static fantasy_status m_list(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                             cJSON **result) {
    static const char *const fields[] = { "role", "cursor", "limit", NULL };
    const char *role_s = NULL, *cursor = NULL;
    int64_t limit = 20;
    fantasy_role role = FANTASY_ROLE_NONE;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_page(args, &limit, &cursor);
    }
    if (st == FANTASY_OK) {
        st = opt_str(args, "role", &role_s);
    }
    if (st == FANTASY_OK && role_s) {
        st = fantasy__role_parse("role", role_s, &role);
    }
    fantasy__account_page page;
    memset(&page, 0, sizeof page);
    if (st == FANTASY_OK) {
        st = fantasy__accounts_list(park, actor, role, cursor, limit, &page);
    }
    if (st == FANTASY_OK) {
        st = page_result(&page, result);
    }
    fantasy__account_page_clear(park, &page);
    return st;
}

static fantasy_status read_update(const cJSON *args, fantasy_account_update *in) {
    static const char *const fields[] = { "current_password", "name",     "email",
                                          "slack_id",         "password", NULL };
    memset(in, 0, sizeof *in);
    fantasy_status st = fantasy__json_only(args, fields);
    const char **outs[] = { &in->current_password, &in->name, &in->email, &in->slack_id,
                            &in->password };
    for (size_t i = 0; i < 5 && st == FANTASY_OK; i++) {
        st = opt_str(args, fields[i], outs[i]);
    }
    return st;
}

static fantasy_status update_result(const fantasy__account *a, const fantasy_tokens *t,
                                    cJSON **result) {
    cJSON *o = cJSON_CreateObject();
    cJSON *u = NULL, *tok = cJSON_CreateObject();
    fantasy_status st = (o && tok) ? fantasy__tokens_json(t, tok) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__account_json(a, &u);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put(o, "user", u);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put(o, "tokens", tok);
        tok = NULL; /* taken even on failure */
    }
    cJSON_Delete(tok);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *result = o;
    return FANTASY_OK;
}

static fantasy_status m_update(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    fantasy_account_update in;
    fantasy__account a;
    fantasy_tokens t;
    int changed = 0;
    fantasy_status st = read_update(args, &in);
    if (st == FANTASY_OK) {
        st = fantasy__accounts_update(park, actor, &in, &a, &t, &changed);
    }
    if (st == FANTASY_OK) {
        st = changed ? update_result(&a, &t, result) : fantasy__account_json(&a, result);
        OPENSSL_cleanse(&t, sizeof t);
    }
    return st;
}

static fantasy_status m_set_role(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                                 cJSON **result) {
    static const char *const fields[] = { "user_id", "role", NULL };
    const char *id = NULL, *role_s = NULL;
    fantasy_role role = FANTASY_ROLE_NONE;
    fantasy__account a;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "user_id", 1, &id, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "role", 1, &role_s, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__role_parse("role", role_s, &role);
    }
    if (st == FANTASY_OK) {
        st = fantasy__accounts_set_role(park, actor, id, role, &a);
    }
    return user_result(st, &a, result);
}

static fantasy_status m_set_blocked(fantasy_park *park, const fantasy_actor *actor,
                                    const cJSON *args, cJSON **result) {
    static const char *const fields[] = { "user_id", "blocked", NULL };
    const char *id = NULL;
    int blocked = 0;
    fantasy__account a;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "user_id", 1, &id, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_bool(args, "blocked", 1, &blocked, NULL);
    }
    if (st == FANTASY_OK) {
        st = fantasy__accounts_set_blocked(park, actor, id, blocked, &a);
    }
    return user_result(st, &a, result);
}

static fantasy_status m_delete(fantasy_park *park, const fantasy_actor *actor, const cJSON *args,
                               cJSON **result) {
    static const char *const fields[] = { "user_id", "password", NULL };
    const char *id = NULL, *password = NULL;
    fantasy_status st = fantasy__json_only(args, fields);
    if (st == FANTASY_OK) {
        st = fantasy__json_str(args, "user_id", 1, &id, NULL);
    }
    if (st == FANTASY_OK) {
        st = opt_str(args, "password", &password);
    }
    if (st == FANTASY_OK) {
        st = fantasy__accounts_delete(park, actor, id, password);
    }
    return empty_result(st, result);
}

const fantasy__method fantasy__accounts_methods[] = {
    { "accounts.signup", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_signup },
    { "accounts.create", FANTASY_ROLE_MASTER, 0, m_create },
    { "accounts.login", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_login },
    { "accounts.refresh", FANTASY_ROLE_NONE, FANTASY__M_PUBLIC, m_refresh },
    { "accounts.logout", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_logout },
    { "accounts.me", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_me },
    { "accounts.get", FANTASY_ROLE_USER, 0, m_get },
    { "accounts.list", FANTASY_ROLE_MANAGER, 0, m_list },
    { "accounts.update", FANTASY_ROLE_USER, FANTASY__M_ACTS_FOR_USER, m_update },
    { "accounts.set_role", FANTASY_ROLE_MASTER, 0, m_set_role },
    { "accounts.set_blocked", FANTASY_ROLE_MANAGER, 0, m_set_blocked },
    { "accounts.delete", FANTASY_ROLE_USER, 0, m_delete },
    { NULL, FANTASY_ROLE_NONE, 0, NULL },
};
