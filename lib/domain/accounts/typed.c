/* The typed C API of include/fantasy/accounts.h: argument checks, then the same operations as
 * the JSON methods, then results copied into host-owned memory (freed with fantasy_free). */
#include <string.h>

#include <openssl/crypto.h>

#include "fantasy/accounts.h"

#include "api/method.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/park_internal.h"
#include "domain/accounts/ops.h"
#include "domain/accounts/tokens.h"

static const fantasy_actor anonymous = { .role = FANTASY_ROLE_NONE, .user_id = "" };

/* A caller-made actor must be one the library could have made; NULL is anonymous. */
static fantasy_status check_actor(const fantasy_actor **actor) {
    if (!*actor) {
        *actor = &anonymous;
        return FANTASY_OK;
    }
    const fantasy_actor *a = *actor;
    if (a->role < FANTASY_ROLE_NONE || a->role > FANTASY_ROLE_SYSTEM ||
        !memchr(a->user_id, '\0', sizeof a->user_id)) {
        return fantasy__fail(FANTASY_EMISUSE, "actor is not one the library made");
    }
    return FANTASY_OK;
}

/* Every entry point: clear the message, check the park, the actor and the outs. */
#define ENTER(park, actor, ok_args)                                               \
    do {                                                                          \
        fantasy__error_clear();                                                   \
        FANTASY__CHECK_PARK(park);                                                \
        if (!(ok_args)) {                                                         \
            return fantasy__fail(FANTASY_EMISUSE, "%s: NULL argument", __func__); \
        }                                                                         \
        fantasy_status enter_st_ = check_actor(&(actor));                         \
        if (enter_st_ != FANTASY_OK) {                                            \
            return enter_st_;                                                     \
        }                                                                         \
    } while (0)

/* A copy of `n` bytes in host memory. */
static void *out_copy(fantasy_park *park, const void *src, size_t n) {
    return fantasy__out_strndup(&park->alloc, (const char *)src, n);
}

static fantasy_status user_out(fantasy_park *park, fantasy_status st, const fantasy__account *a,
                               fantasy_user **out) {
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy_user u;
    fantasy__account_user(a, &u);
    *out = out_copy(park, &u, sizeof u);
    return *out ? FANTASY_OK : fantasy__oom();
}

static fantasy_status tokens_out(fantasy_park *park, fantasy_tokens *t, fantasy_tokens **out) {
    *out = out_copy(park, t, sizeof *t);
    OPENSSL_cleanse(t, sizeof *t);
    return *out ? FANTASY_OK : fantasy__oom();
}

FANTASY_API fantasy_status fantasy_auth_verify(fantasy_park *park, const char *access_token,
                                               fantasy_actor *out) {
    if (out) {
        memset(out, 0, sizeof *out);
    }
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    if (!access_token || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_auth_verify: NULL argument");
    }
    return fantasy__auth_token_actor(park, access_token, out);
}

FANTASY_API fantasy_status fantasy_actor_as_user(fantasy_park *park, const char *user_id,
                                                 fantasy_actor *out) {
    if (out) {
        memset(out, 0, sizeof *out);
    }
    fantasy__error_clear();
    FANTASY__CHECK_PARK(park);
    if (!user_id || !out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_actor_as_user: NULL argument");
    }
    return fantasy__auth_user_actor(park, user_id, out);
}

static fantasy_status new_account(fantasy_park *park, const fantasy_actor *actor,
                                  const fantasy_account_new *in, int create_role,
                                  fantasy_user **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, in && out);
    fantasy__account a;
    return user_out(park, fantasy__accounts_new(park, actor, in, create_role, &a), &a, out);
}

FANTASY_API fantasy_status fantasy_accounts_signup(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_new *in,
                                                   fantasy_user **out) {
    return new_account(park, actor, in, 0, out);
}

FANTASY_API fantasy_status fantasy_accounts_create(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_new *in,
                                                   fantasy_user **out) {
    return new_account(park, actor, in, 1, out);
}

FANTASY_API fantasy_status fantasy_accounts_login(fantasy_park *park, const fantasy_actor *actor,
                                                  const char *username, const char *password,
                                                  fantasy_tokens **tokens, fantasy_user **user) {
    if (tokens) {
        *tokens = NULL;
    }
    if (user) {
        *user = NULL;
    }
    ENTER(park, actor, username && password && tokens);
    fantasy__account a;
    fantasy_tokens t;
    fantasy_status st = fantasy__accounts_login(park, username, password, &t, &a);
    if (st == FANTASY_OK && user) {
        st = user_out(park, st, &a, user);
    }
    if (st == FANTASY_OK) {
        st = tokens_out(park, &t, tokens);
    }
    if (st != FANTASY_OK && user) {
        fantasy_free(*user);
        *user = NULL;
    }
    OPENSSL_cleanse(&t, sizeof t);
    return st;
}

FANTASY_API fantasy_status fantasy_accounts_refresh(fantasy_park *park, const fantasy_actor *actor,
                                                    const char *refresh_token,
                                                    fantasy_tokens **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, refresh_token && out);
    fantasy_tokens t;
    fantasy_status st = fantasy__tokens_refresh(park, refresh_token, &t);
    if (st == FANTASY_OK) {
        st = tokens_out(park, &t, out);
    }
    OPENSSL_cleanse(&t, sizeof t);
    return st;
}

FANTASY_API fantasy_status fantasy_accounts_logout(fantasy_park *park, const fantasy_actor *actor) {
    ENTER(park, actor, 1);
    return fantasy__accounts_logout(park, actor);
}

FANTASY_API fantasy_status fantasy_accounts_me(fantasy_park *park, const fantasy_actor *actor,
                                               fantasy_user **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, out);
    fantasy__account a;
    return user_out(park, fantasy__accounts_me(park, actor, &a), &a, out);
}

FANTASY_API fantasy_status fantasy_accounts_get(fantasy_park *park, const fantasy_actor *actor,
                                                const char *user_id, fantasy_user **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, user_id && out);
    fantasy__account a;
    return user_out(park, fantasy__accounts_get(park, actor, user_id, &a), &a, out);
}

/* The page and its users in one host block, so one fantasy_free releases both. */
static fantasy_status page_out(fantasy_park *park, const fantasy__account_page *page,
                               fantasy_user_page **out) {
    size_t head = sizeof(fantasy_user_page);
    size_t total = head + page->n * sizeof(fantasy_user);
    unsigned char *tmp = fantasy__calloc(&park->alloc, 1, total);
    if (!tmp) {
        return fantasy__oom();
    }
    fantasy_user_page p;
    memset(&p, 0, sizeof p);
    p.n = page->n;
    memcpy(p.next_cursor, page->next_cursor, sizeof p.next_cursor);
    for (size_t i = 0; i < page->n; i++) {
        fantasy_user u;
        fantasy__account_user(&page->items[i], &u);
        memcpy(tmp + head + i * sizeof u, &u, sizeof u);
    }
    memcpy(tmp, &p, sizeof p);
    unsigned char *block = out_copy(park, tmp, total);
    fantasy__free(&park->alloc, tmp);
    if (!block) {
        return fantasy__oom();
    }
    /* The block is aligned for any type and `head` is a multiple of the struct alignment. */
    *out = (fantasy_user_page *)(void *)block;
    (*out)->items = page->n ? (fantasy_user *)(void *)(block + head) : NULL;
    return FANTASY_OK;
}

FANTASY_API fantasy_status fantasy_accounts_list(fantasy_park *park, const fantasy_actor *actor,
                                                 fantasy_role role, const char *cursor, int limit,
                                                 fantasy_user_page **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, out);
    fantasy__account_page page;
    fantasy_status st = fantasy__accounts_list(
        park, actor, role, cursor && cursor[0] ? cursor : NULL, limit == 0 ? 20 : limit, &page);
    if (st == FANTASY_OK) {
        st = page_out(park, &page, out);
    }
    fantasy__account_page_clear(park, &page);
    return st;
}

FANTASY_API fantasy_status fantasy_accounts_update(fantasy_park *park, const fantasy_actor *actor,
                                                   const fantasy_account_update *in,
                                                   fantasy_user **user, fantasy_tokens **tokens) {
    if (user) {
        *user = NULL;
    }
    if (tokens) {
        *tokens = NULL;
    }
    ENTER(park, actor, in && user);
    fantasy__account a;
    fantasy_tokens t;
    int changed = 0;
    fantasy_status st = fantasy__accounts_update(park, actor, in, &a, &t, &changed);
    st = user_out(park, st, &a, user);
    if (st == FANTASY_OK && changed && tokens) {
        st = tokens_out(park, &t, tokens);
        if (st != FANTASY_OK) {
            fantasy_free(*user);
            *user = NULL;
        }
    }
    OPENSSL_cleanse(&t, sizeof t);
    return st;
}

FANTASY_API fantasy_status fantasy_accounts_set_role(fantasy_park *park, const fantasy_actor *actor,
                                                     const char *user_id, fantasy_role role,
                                                     fantasy_user **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, user_id && out);
    fantasy__account a;
    return user_out(park, fantasy__accounts_set_role(park, actor, user_id, role, &a), &a, out);
}

FANTASY_API fantasy_status fantasy_accounts_set_blocked(fantasy_park *park,
                                                        const fantasy_actor *actor,
                                                        const char *user_id, int blocked,
                                                        fantasy_user **out) {
    if (out) {
        *out = NULL;
    }
    ENTER(park, actor, user_id && out);
    fantasy__account a;
    return user_out(park, fantasy__accounts_set_blocked(park, actor, user_id, blocked, &a), &a,
                    out);
}

FANTASY_API fantasy_status fantasy_accounts_delete(fantasy_park *park, const fantasy_actor *actor,
                                                   const char *user_id, const char *password) {
    ENTER(park, actor, user_id);
    return fantasy__accounts_delete(park, actor, user_id, password);
}

FANTASY_API void fantasy_user_free(fantasy_user *user) {
    fantasy_free(user);
}

FANTASY_API void fantasy_tokens_free(fantasy_tokens *tokens) {
    if (tokens) {
        OPENSSL_cleanse(tokens, sizeof *tokens);
    }
    fantasy_free(tokens);
}

FANTASY_API void fantasy_user_page_free(fantasy_user_page *page) {
    fantasy_free(page);
}
