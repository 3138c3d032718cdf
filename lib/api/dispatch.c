/* fantasy_call / fantasy_call_system: parse, find the method, resolve the caller, check the
 * role rule, run, print. Every failure becomes the error JSON of API.md, never a crash. */
#include <string.h>

#include "fantasy/park.h"

#include "api/method.h"
#include "core/json.h"
#include "core/park_internal.h"

/* Every domain's table; a new domain adds its table here. */
static const fantasy__method *const tables[] = {
    fantasy__park_methods,
    fantasy__accounts_methods,
    fantasy__attractions_methods,
    fantasy__queues_methods,
    fantasy__products_methods,
    fantasy__orders_methods,
    NULL,
};

const fantasy__method *fantasy__method_find(const char *name) {
    for (size_t t = 0; tables[t]; t++) {
        for (const fantasy__method *m = tables[t]; m->name; m++) {
            /* The first letter (the domain's) skips most of the tables without a call. */
            if (m->name[0] == name[0] && strcmp(m->name, name) == 0) {
                return m;
            }
        }
    }
    return NULL;
}

static fantasy_status check_role(const fantasy__method *m, const fantasy_actor *actor) {
    if (actor->role == FANTASY_ROLE_SYSTEM || (m->flags & FANTASY__M_PUBLIC)) {
        return FANTASY_OK;
    }
    if (actor->role == FANTASY_ROLE_NONE) {
        return fantasy__fail(FANTASY_EAUTH, "%s needs an access token", m->name);
    }
    if ((m->flags & FANTASY__M_SYSTEM_ONLY) || actor->role < m->min_role) {
        return fantasy__fail(FANTASY_EPERM, "%s: permission denied for this role", m->name);
    }
    return FANTASY_OK;
}

/* The host acting for a user names them with `as_user_id`, which the handler never sees. */
static fantasy_status system_actor(fantasy_park *park, const fantasy__method *m, cJSON *args,
                                   fantasy_actor *actor) {
    *actor = *fantasy_actor_system();
    const char *uid = NULL;
    int present = 0;
    fantasy_status st = fantasy__json_str(args, "as_user_id", 0, &uid, &present);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!(m->flags & FANTASY__M_ACTS_FOR_USER)) {
        if (present) {
            return fantasy__fail(FANTASY_EINVAL, "%s does not take as_user_id", m->name);
        }
        return FANTASY_OK;
    }
    if (!present) {
        return fantasy__fail(FANTASY_EINVAL,
                             "%s acts for a user: fantasy_call_system needs "
                             "as_user_id",
                             m->name);
    }
    st = fantasy__auth_user_actor(park, uid, actor);
    cJSON_DeleteItemFromObjectCaseSensitive(args, "as_user_id");
    return st;
}

static fantasy_status caller_actor(fantasy_park *park, cJSON *args, const char *token,
                                   fantasy_actor *actor) {
    memset(actor, 0, sizeof *actor);
    if (cJSON_GetObjectItemCaseSensitive(args, "as_user_id")) {
        return fantasy__fail(FANTASY_EPERM, "as_user_id is only for fantasy_call_system");
    }
    if (!token) {
        return FANTASY_OK; /* anonymous; check_role decides */
    }
    if (token[0] == '\0') {
        return fantasy__fail(FANTASY_EAUTH, "empty access token");
    }
    return fantasy__auth_token_actor(park, token, actor);
}

fantasy_status fantasy__call_as(fantasy_park *park, const fantasy_actor *actor, const char *method,
                                const cJSON *args, cJSON **result) {
    static const fantasy_actor anonymous = { .role = FANTASY_ROLE_NONE, .user_id = "" };
    *result = NULL;
    actor = actor ? actor : &anonymous;
    if (actor->role < FANTASY_ROLE_NONE || actor->role > FANTASY_ROLE_SYSTEM ||
        !memchr(actor->user_id, '\0', sizeof actor->user_id)) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: actor is not one the library made", method);
    }
    const fantasy__method *m = fantasy__method_find(method);
    if (!m) {
        return fantasy__fail(FANTASY_ENOTFOUND, "unknown method '%s'", method);
    }
    fantasy_status st = check_role(m, actor);
    if (st == FANTASY_OK && (m->flags & FANTASY__M_ACTS_FOR_USER) && actor->user_id[0] == '\0') {
        st = fantasy__fail(FANTASY_EINVAL, "%s acts for a user: use fantasy_actor_as_user()",
                           method);
    }
    return st == FANTASY_OK ? m->fn(park, actor, args, result) : st;
}

static fantasy_status run_method(fantasy_park *park, const fantasy__method *m, cJSON *args,
                                 const char *token, int system, cJSON **result) {
    fantasy_actor actor;
    fantasy_status st =
        system ? system_actor(park, m, args, &actor) : caller_actor(park, args, token, &actor);
    if (st == FANTASY_OK) {
        st = check_role(m, &actor);
    }
    if (st == FANTASY_OK) {
        st = m->fn(park, &actor, args, result);
    }
    if (st == FANTASY_OK && !*result) {
        st = fantasy__fail(FANTASY_EBACKEND, "%s returned no result", m->name);
    }
    return st;
}

static fantasy_status run(fantasy_park *park, const char *method, const char *args_json,
                          const char *token, int system, cJSON **result) {
    if (!method) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_call: NULL method");
    }
    cJSON *args = NULL;
    fantasy_status st = fantasy__json_parse_object(args_json, &args);
    if (st != FANTASY_OK) {
        return st;
    }
    const fantasy__method *m = fantasy__method_find(method);
    if (!m) {
        st = fantasy__fail(FANTASY_ENOTFOUND, "unknown method '%s'", method);
    } else {
        st = run_method(park, m, args, token, system, result);
    }
    cJSON_Delete(args);
    return st;
}

static fantasy_status call(fantasy_park *park, const char *method, const char *args_json,
                           const char *token, int system, char **result_json) {
    fantasy__error_clear();
    if (result_json) {
        *result_json = NULL;
    }
    const fantasy_allocator *a = fantasy__libc_allocator();
    fantasy_status st;
    if (!park || park->magic != FANTASY__PARK_LIVE) {
        st = fantasy__fail(FANTASY_EMISUSE, "fantasy_call: NULL or closed park");
    } else {
        a = &park->alloc;
        cJSON *result = NULL;
        st = run(park, method, args_json, token, system, &result);
        if (st == FANTASY_OK && result_json) {
            st = fantasy__json_print_out(a, result, result_json);
        }
        cJSON_Delete(result);
    }
    if (st != FANTASY_OK && result_json) {
        *result_json = fantasy__json_error_out(a, st);
    }
    return st;
}

FANTASY_API fantasy_status fantasy_call(fantasy_park *park, const char *method,
                                        const char *args_json, const char *access_token,
                                        char **result_json) {
    return call(park, method, args_json, access_token, 0, result_json);
}

FANTASY_API fantasy_status fantasy_call_system(fantasy_park *park, const char *method,
                                               const char *args_json, char **result_json) {
    return call(park, method, args_json, NULL, 1, result_json);
}
