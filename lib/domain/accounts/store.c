/* Accounts in the record store: the document codec, index keys and compare-and-set writes. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/park_internal.h"
#include "domain/accounts/account.h"
#include "domain/accounts/validate.h"
#include "domain/collections.h"

/* Attempts of a read-modify-write before giving up with FANTASY_ECONFLICT. */
#define MUTATE_ATTEMPTS 32

/* ---- decoding ------------------------------------------------------------------------------ */

/* A string field into a fixed buffer; JSON null or absent → "" unless required. */
static int get_str(const cJSON *o, const char *name, char *out, size_t cap, int required) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    out[0] = '\0';
    if (!f || cJSON_IsNull(f)) {
        return !required;
    }
    if (!cJSON_IsString(f) || strlen(f->valuestring) >= cap) {
        return 0;
    }
    memcpy(out, f->valuestring, strlen(f->valuestring) + 1);
    return 1;
}

static int get_int(const cJSON *o, const char *name, int64_t *out, int required) {
    int present = 0;
    *out = 0;
    fantasy_status st =
        fantasy__json_int(o, name, required, 0, FANTASY__JSON_MAX_INT, out, &present);
    return st == FANTASY_OK;
}

static int decode_sessions(const cJSON *o, fantasy__account *a) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "sessions");
    const cJSON *it = NULL;
    a->n_sessions = 0;
    if (!arr || cJSON_IsNull(arr)) {
        return 1;
    }
    if (!cJSON_IsArray(arr)) {
        return 0;
    }
    cJSON_ArrayForEach(it, arr) {
        if (a->n_sessions == FANTASY__SESSIONS_MAX) {
            return 0;
        }
        fantasy__session *s = &a->sessions[a->n_sessions++];
        if (!get_str(it, "sid", s->sid, sizeof s->sid, 1) ||
            !get_str(it, "jti", s->jti, sizeof s->jti, 1) || !get_int(it, "exp", &s->exp_s, 1)) {
            return 0;
        }
    }
    return 1;
}

static int decode_fields(const cJSON *o, fantasy__account *a) {
    char role[16];
    int blocked = 0;
    if (!get_str(o, "user_id", a->user_id, sizeof a->user_id, 1) ||
        !get_str(o, "username", a->username, sizeof a->username, 1) ||
        !get_str(o, "name", a->name, sizeof a->name, 0) ||
        !get_str(o, "email", a->email, sizeof a->email, 0) ||
        !get_str(o, "slack_id", a->slack_id, sizeof a->slack_id, 0) ||
        !get_str(o, "role", role, sizeof role, 1) ||
        !get_str(o, "password_hash", a->password_hash, sizeof a->password_hash, 0)) {
        return 0;
    }
    if (fantasy__json_bool(o, "blocked", 1, &blocked, NULL) != FANTASY_OK ||
        fantasy__role_parse("role", role, &a->role) != FANTASY_OK) {
        return 0;
    }
    a->blocked = blocked;
    return get_int(o, "token_epoch", &a->token_epoch, 1) &&
           get_int(o, "created_at", &a->created_at, 1) &&
           get_int(o, "updated_at", &a->updated_at, 1) &&
           get_int(o, "deleted_at", &a->deleted_at, 0) && decode_sessions(o, a);
}

static fantasy_status decode(const char *data, size_t len, const char *id, fantasy__account *a) {
    cJSON *o = NULL;
    fantasy_status st = fantasy__json_parse_doc(data, len, &o);
    if (st != FANTASY_OK) {
        return st;
    }
    memset(a, 0, sizeof *a);
    int ok = decode_fields(o, a);
    cJSON_Delete(o);
    if (!ok || strcmp(a->user_id, id) != 0) {
        return fantasy__fail(FANTASY_EBACKEND, "account '%s': stored document is corrupt", id);
    }
    return FANTASY_OK;
}

/* ---- encoding ------------------------------------------------------------------------------ */

static fantasy_status put_opt(cJSON *o, const char *name, const char *s) {
    return fantasy__json_put_str(o, name, s[0] ? s : NULL);
}

static fantasy_status encode_sessions(const fantasy__account *a, cJSON *o) {
    cJSON *arr = cJSON_CreateArray();
    fantasy_status st = arr ? FANTASY_OK : fantasy__oom();
    for (size_t i = 0; i < a->n_sessions && st == FANTASY_OK; i++) {
        cJSON *s = cJSON_CreateObject();
        st = s ? fantasy__json_put_str(s, "sid", a->sessions[i].sid) : fantasy__oom();
        if (st == FANTASY_OK) {
            st = fantasy__json_put_str(s, "jti", a->sessions[i].jti);
        }
        if (st == FANTASY_OK) {
            st = fantasy__json_put_int(s, "exp", a->sessions[i].exp_s);
        }
        if (st == FANTASY_OK && !cJSON_AddItemToArray(arr, s)) {
            st = fantasy__oom();
        }
        if (st != FANTASY_OK) {
            cJSON_Delete(s);
        }
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(arr);
        return st;
    }
    return fantasy__json_put(o, "sessions", arr);
}

static fantasy_status encode_fields(const fantasy__account *a, cJSON *o) {
    fantasy_status st = fantasy__json_put_str(o, "user_id", a->user_id);
    const char *const names[] = {
        "username", "name", "email", "slack_id", "role", "password_hash"
    };
    const char *const vals[] = {
        a->username, a->name, a->email, a->slack_id, fantasy__role_name(a->role), a->password_hash
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0] && st == FANTASY_OK; i++) {
        st = put_opt(o, names[i], vals[i]);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_bool(o, "blocked", a->blocked);
    }
    const char *const inames[] = { "token_epoch", "created_at", "updated_at" };
    const int64_t ivals[] = { a->token_epoch, a->created_at, a->updated_at };
    for (size_t i = 0; i < 3 && st == FANTASY_OK; i++) {
        st = fantasy__json_put_int(o, inames[i], ivals[i]);
    }
    if (st == FANTASY_OK) {
        st = a->deleted_at ? fantasy__json_put_int(o, "deleted_at", a->deleted_at)
                           : fantasy__json_put_null(o, "deleted_at");
    }
    return st == FANTASY_OK ? encode_sessions(a, o) : st;
}

/* The document bytes in park memory; the caller frees them with fantasy__free. */
static fantasy_status encode(fantasy_park *park, const fantasy__account *a, char **doc,
                             size_t *len) {
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? encode_fields(a, o) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__json_print(&park->alloc, o, doc, len);
    }
    cJSON_Delete(o);
    return st;
}

/* ---- index keys ---------------------------------------------------------------------------- */

typedef struct account_keys {
    char role[32];
    char username[FANTASY_ID_MAX + 16];
    char slack[FANTASY_ID_MAX + 16];
    fantasy_index_key keys[4];
    size_t n;
} account_keys;

static void username_key(const char *username, char *out, size_t cap) {
    size_t n = (size_t)snprintf(out, cap, "%s%s", FANTASY__KEY_USERNAME, username);
    for (size_t i = strlen(FANTASY__KEY_USERNAME); i < n && i < cap; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z') {
            out[i] = (char)(out[i] - 'A' + 'a');
        }
    }
}

static void build_keys(const fantasy__account *a, account_keys *k) {
    memset(k, 0, sizeof *k);
    if (a->deleted_at) {
        k->keys[k->n++] = (fantasy_index_key){ FANTASY__KEY_DELETED, 0 };
        return;
    }
    (void)snprintf(k->role, sizeof k->role, "%s%s", FANTASY__KEY_ROLE, fantasy__role_name(a->role));
    username_key(a->username, k->username, sizeof k->username);
    k->keys[k->n++] = (fantasy_index_key){ FANTASY__KEY_ALL, 0 };
    k->keys[k->n++] = (fantasy_index_key){ k->role, 0 };
    k->keys[k->n++] = (fantasy_index_key){ k->username, 1 };
    if (a->slack_id[0]) {
        (void)snprintf(k->slack, sizeof k->slack, "%s%s", FANTASY__KEY_SLACK, a->slack_id);
        k->keys[k->n++] = (fantasy_index_key){ k->slack, 1 };
    }
}

/* Which unique key another account holds, for a clear ALREADY_EXISTS message. */
static fantasy_status explain_exists(fantasy_park *park, const fantasy__account *a,
                                     const account_keys *k) {
    int64_t n = 0;
    if (park->records.count(park->records.self, FANTASY__COL_ACCOUNTS, k->username, &n) ==
            FANTASY_OK &&
        n > 0) {
        fantasy__account other;
        if (fantasy__account_find(park, a->username, &other) != FANTASY_OK ||
            strcmp(other.user_id, a->user_id) != 0) {
            return fantasy__fail(FANTASY_EEXISTS, "username '%s' is already taken", a->username);
        }
    }
    if (a->slack_id[0]) {
        return fantasy__fail(FANTASY_EEXISTS,
                             "slack_id '%s' is already in use by another "
                             "account",
                             a->slack_id);
    }
    return fantasy__fail(FANTASY_EEXISTS, "account already exists");
}

/* ---- reads and writes ---------------------------------------------------------------------- */

static fantasy_status load_any(fantasy_park *park, const char *id, fantasy__account *out) {
    fantasy_buf *buf = NULL;
    int64_t version = 0;
    fantasy_status st = fantasy_buf_new(&park->alloc, &buf);
    if (st == FANTASY_OK) {
        st = park->records.get(park->records.self, FANTASY__COL_ACCOUNTS, id, buf, &version);
    }
    if (st == FANTASY_OK) {
        st = decode(fantasy_buf_data(buf), fantasy_buf_len(buf), id, out);
        out->version = version;
    }
    fantasy_buf_free(buf);
    return st;
}

fantasy_status fantasy__account_load(fantasy_park *park, const char *user_id,
                                     fantasy__account *out) {
    if (!fantasy__id_valid(user_id)) {
        return fantasy__fail(FANTASY_EINVAL, "'%.64s' is not a user id", user_id);
    }
    fantasy_status st = load_any(park, user_id, out);
    if (st == FANTASY_ENOTFOUND || (st == FANTASY_OK && out->deleted_at)) {
        memset(out, 0, sizeof *out);
        return fantasy__fail(FANTASY_ENOTFOUND, "no user '%s'", user_id);
    }
    return st;
}

/* The memo's value: a decoded account's brief and whether it is deleted. */
typedef struct brief_memo {
    fantasy__account_brief brief;
    int deleted;
} brief_memo;

static fantasy_status decode_brief(fantasy_park *park, const char *id, const fantasy_buf *buf,
                                   int64_t version, brief_memo *out) {
    const char *data = fantasy_buf_data(buf);
    size_t len = fantasy_buf_len(buf);
    const fantasy__memo memo = FANTASY__MEMO_OF(park, user_actors);
    if (fantasy__memo_get(memo, id, version, data, len, out, sizeof *out)) {
        return FANTASY_OK;
    }
    /* Decoded in full, so a corrupt document fails exactly as a load would. */
    fantasy__account a;
    fantasy_status st = decode(data, len, id, &a);
    if (st == FANTASY_OK) {
        memset(out, 0, sizeof *out);
        out->brief.role = a.role;
        out->brief.blocked = a.blocked;
        out->deleted = a.deleted_at != 0;
        fantasy__memo_put(memo, id, version, data, len, out, sizeof *out);
    }
    return st;
}

fantasy_status fantasy__account_load_brief(fantasy_park *park, const char *user_id,
                                           fantasy__account_brief *out) {
    memset(out, 0, sizeof *out);
    if (!fantasy__id_valid(user_id)) {
        return fantasy__fail(FANTASY_EINVAL, "'%.64s' is not a user id", user_id);
    }
    fantasy_buf *buf = NULL;
    int64_t version = 0;
    brief_memo m;
    fantasy_status st = fantasy_buf_new(&park->alloc, &buf);
    st = st ? st
            : park->records.get(park->records.self, FANTASY__COL_ACCOUNTS, user_id, buf, &version);
    st = st ? st : decode_brief(park, user_id, buf, version, &m);
    fantasy_buf_free(buf);
    if (st == FANTASY_ENOTFOUND || (st == FANTASY_OK && m.deleted)) {
        return fantasy__fail(FANTASY_ENOTFOUND, "no user '%s'", user_id);
    }
    if (st == FANTASY_OK) {
        *out = m.brief;
    }
    return st;
}

fantasy_status fantasy__account_find(fantasy_park *park, const char *username,
                                     fantasy__account *out) {
    char key[FANTASY_ID_MAX + 16];
    username_key(username, key, sizeof key);
    fantasy_list *ids = NULL;
    fantasy_status st = fantasy_list_new(&park->alloc, &ids);
    if (st == FANTASY_OK) {
        st = park->records.find(park->records.self, FANTASY__COL_ACCOUNTS, key, NULL, 1, ids);
    }
    if (st == FANTASY_OK && fantasy_list_size(ids) == 0) {
        st = fantasy__fail(FANTASY_ENOTFOUND, "no user named '%s'", username);
    }
    if (st == FANTASY_OK) {
        st = fantasy__account_load(park, fantasy_list_str(ids, 0), out);
    }
    fantasy_list_free(ids);
    return st;
}

static fantasy_status write_account(fantasy_park *park, fantasy__account *a,
                                    fantasy_write_mode mode) {
    char *doc = NULL;
    size_t len = 0;
    account_keys k;
    build_keys(a, &k);
    fantasy_status st = encode(park, a, &doc, &len);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                             .mode = mode,
                             .collection = FANTASY__COL_ACCOUNTS,
                             .id = a->user_id,
                             .doc = doc,
                             .doc_len = len,
                             .expected_version = a->version,
                             .keys = k.keys,
                             .n_keys = k.n };
    int64_t version = 0;
    st = park->records.apply(park->records.self, &op, 1, &version);
    fantasy__free(&park->alloc, doc);
    if (st == FANTASY_OK) {
        a->version = version;
    } else if (st == FANTASY_EEXISTS) {
        st = explain_exists(park, a, &k);
    }
    return st;
}

fantasy_status fantasy__account_insert(fantasy_park *park, fantasy__account *a) {
    a->version = 0;
    return write_account(park, a, FANTASY_WRITE_CREATE);
}

fantasy_status fantasy__account_mutate(fantasy_park *park, const char *user_id,
                                       fantasy__account_fn fn, void *ctx, fantasy__account *out) {
    fantasy__account a;
    for (int attempt = 0; attempt < MUTATE_ATTEMPTS; attempt++) {
        fantasy_status st = fantasy__account_load(park, user_id, &a);
        int write = 0;
        if (st == FANTASY_OK) {
            st = fn(park, &a, ctx, &write);
        }
        if (st == FANTASY_OK && write) {
            a.updated_at = fantasy__now(park);
            st = write_account(park, &a, FANTASY_WRITE_IF_VERSION);
        }
        if (st == FANTASY_ECONFLICT) {
            continue; /* someone wrote in between: run fn again on what they left */
        }
        if (st == FANTASY_OK && out) {
            *out = a;
        }
        return st;
    }
    return fantasy__fail(FANTASY_ECONFLICT, "account '%s' kept changing concurrently; try again",
                         user_id);
}

void fantasy__account_revoke(fantasy__account *a) {
    a->token_epoch++;
    a->n_sessions = 0;
    memset(a->sessions, 0, sizeof a->sessions);
}

/* ---- views --------------------------------------------------------------------------------- */

fantasy_status fantasy__account_json(const fantasy__account *a, cJSON **out) {
    *out = NULL;
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? fantasy__json_put_str(o, "user_id", a->user_id) : fantasy__oom();
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "username", a->username);
    }
    const char *const names[] = { "name", "email", "slack_id" };
    const char *const vals[] = { a->name, a->email, a->slack_id };
    for (size_t i = 0; i < 3 && st == FANTASY_OK; i++) {
        st = put_opt(o, names[i], vals[i]);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_str(o, "role", fantasy__role_name(a->role));
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_bool(o, "blocked", a->blocked);
    }
    if (st == FANTASY_OK) {
        st = fantasy__json_put_int(o, "created_at", a->created_at);
    }
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        return st;
    }
    *out = o;
    return FANTASY_OK;
}

void fantasy__account_user(const fantasy__account *a, fantasy_user *out) {
    memset(out, 0, sizeof *out);
    (void)snprintf(out->user_id, sizeof out->user_id, "%s", a->user_id);
    (void)snprintf(out->username, sizeof out->username, "%s", a->username);
    (void)snprintf(out->name, sizeof out->name, "%s", a->name);
    (void)snprintf(out->email, sizeof out->email, "%s", a->email);
    (void)snprintf(out->slack_id, sizeof out->slack_id, "%s", a->slack_id);
    out->role = a->role;
    out->blocked = a->blocked;
    out->created_at_ms = a->created_at;
}
