/* Where the sandbox keeps what it decided (sandbox_internal.h): three collections of the park's
 * record store. Requests are JSON documents under their idempotency key; a capture maps a
 * payment_key to the confirm that took it; one counter numbers the payments pay_1, pay_2, ...
 * Every write is create-only or version-checked, so two processes deciding at once cannot both
 * win: the loser's apply fails whole and it decides again from what the winner stored. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/json.h"
#include "providers/sandbox/sandbox_internal.h"

#define REQUESTS   "sandbox_requests"
#define CAPTURES   "sandbox_captures"
#define META       "sandbox_meta"
#define COUNTER_ID "payments"

/* Keys up to this length are their own document id ("k:" + key); longer ones go by a digest
 * ("h:" + SHA-256 hex), and the stored document names the full key, checked on every load. */
#define PLAIN_MAX 200
#define ID_SIZE   (PLAIN_MAX + 3)

static fantasy_status doc_id(const char *key, char id[ID_SIZE]) {
    size_t n = strlen(key);
    if (n <= PLAIN_MAX) {
        (void)snprintf(id, ID_SIZE, "k:%s", key);
        return FANTASY_OK;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(key, n, md, &md_len, EVP_sha256(), NULL) != 1) {
        return fantasy__fail(FANTASY_EBACKEND, "sandbox: SHA-256 failed");
    }
    static const char hex[] = "0123456789abcdef";
    id[0] = 'h';
    id[1] = ':';
    for (unsigned int i = 0; i < md_len; i++) {
        id[2 + 2 * i] = hex[md[i] >> 4];
        id[3 + 2 * i] = hex[md[i] & 15];
    }
    id[2 + 2 * md_len] = '\0';
    return FANTASY_OK;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* The document `collection`/`id` parsed; *found 0 when there is none. */
static fantasy_status get_doc(fantasy__sb *sb, const char *collection, const char *id, cJSON **tree,
                              int64_t *version, int *found) {
    fantasy_buf *buf = NULL;
    *tree = NULL;
    *found = 0;
    fantasy_status st = fantasy_buf_new(&sb->alloc, &buf);
    st = st ? st : sb->rs.get(sb->rs.self, collection, id, buf, version);
    if (st == FANTASY_OK) {
        st = fantasy__json_parse_doc(fantasy_buf_data(buf), fantasy_buf_len(buf), tree);
        *found = st == FANTASY_OK;
    } else if (st == FANTASY_ENOTFOUND) {
        st = FANTASY_OK;
    }
    fantasy_buf_free(buf);
    return st;
}

static fantasy_status read_outcome(const cJSON *t, const char *name, fantasy_payment_outcome *out) {
    int64_t v = 0;
    fantasy_status st = fantasy__json_int(t, name, 1, FANTASY_PAYMENT_APPROVED,
                                          FANTASY_PAYMENT_NOT_FOUND, &v, NULL);
    *out = (fantasy_payment_outcome)v;
    return st;
}

static fantasy_status decode(cJSON *t, fantasy__sb_request *r) {
    const char *pid = NULL;
    int64_t kind = 0;
    memset(r, 0, sizeof *r);
    fantasy_status st = fantasy__json_str(t, "key", 1, &r->key, NULL);
    st = st ? st
            : fantasy__json_int(t, "kind", 1, FANTASY__SB_CONFIRM, FANTASY__SB_CANCEL, &kind, NULL);
    st = st ? st : fantasy__json_str(t, "order_id", 0, &r->order_id, NULL);
    st = st ? st : fantasy__json_str(t, "payment_key", 1, &r->payment_key, NULL);
    st = st ? st : fantasy__json_money(t, "amount", 1, &r->amount, NULL);
    st = st ? st : read_outcome(t, "said", &r->said);
    st = st ? st : read_outcome(t, "resolved", &r->resolved);
    st = st ? st : fantasy__json_str(t, "message", 1, &r->message, NULL);
    st = st ? st : fantasy__json_str(t, "payment_id", 1, &pid, NULL);
    st = st ? st : fantasy__json_bool(t, "refunded", 1, &r->refunded, NULL);
    if (st == FANTASY_OK && strlen(pid) >= sizeof r->payment_id) {
        st = FANTASY_EINVAL;
    }
    if (st == FANTASY_OK) {
        r->kind = (fantasy__sb_kind)kind;
        memcpy(r->payment_id, pid, strlen(pid) + 1);
        r->tree = t;
    }
    return st;
}

fantasy_status fantasy__sb_load(fantasy__sb *sb, const char *key, fantasy__sb_request *out,
                                int *found) {
    char id[ID_SIZE];
    cJSON *t = NULL;
    int64_t version = 0;
    fantasy_status st = doc_id(key, id);
    st = st ? st : get_doc(sb, REQUESTS, id, &t, &version, found);
    if (st != FANTASY_OK || !*found) {
        return st;
    }
    fantasy__sb_request r;
    if (decode(t, &r) != FANTASY_OK || strcmp(r.key, key) != 0) {
        cJSON_Delete(t);
        *found = 0;
        return fantasy__fail(FANTASY_EBACKEND, "sandbox: stored request %s is damaged", id);
    }
    r.version = version;
    *out = r;
    return FANTASY_OK;
}

fantasy_status fantasy__sb_load_capture(fantasy__sb *sb, const char *payment_key,
                                        fantasy__sb_request *out, int *found) {
    char id[ID_SIZE];
    cJSON *t = NULL;
    int64_t version = 0;
    const char *key = NULL;
    const char *pk = NULL;
    fantasy_status st = doc_id(payment_key, id);
    st = st ? st : get_doc(sb, CAPTURES, id, &t, &version, found);
    if (st != FANTASY_OK || !*found) {
        return st;
    }
    if (fantasy__json_str(t, "payment_key", 1, &pk, NULL) != FANTASY_OK ||
        fantasy__json_str(t, "request", 1, &key, NULL) != FANTASY_OK ||
        strcmp(pk, payment_key) != 0) {
        cJSON_Delete(t);
        *found = 0;
        return fantasy__fail(FANTASY_EBACKEND, "sandbox: stored capture %s is damaged", id);
    }
    st = fantasy__sb_load(sb, key, out, found);
    if (st == FANTASY_OK && !*found) {
        st = fantasy__fail(FANTASY_EBACKEND, "sandbox: capture %s names no stored request", id);
    }
    cJSON_Delete(t);
    return st;
}

fantasy_status fantasy__sb_captured(fantasy__sb *sb, int64_t *count, int64_t *version) {
    cJSON *t = NULL;
    int found = 0;
    *count = 0;
    *version = 0;
    fantasy_status st = get_doc(sb, META, COUNTER_ID, &t, version, &found);
    if (st == FANTASY_OK && found &&
        fantasy__json_int(t, "captured", 1, 0, INT64_MAX, count, NULL) != FANTASY_OK) {
        st = fantasy__fail(FANTASY_EBACKEND, "sandbox: stored payment counter is damaged");
    }
    cJSON_Delete(t);
    return st;
}

void fantasy__sb_request_clear(fantasy__sb_request *r) {
    cJSON_Delete(r->tree);
    r->tree = NULL;
}

/* ---- writing ---------------------------------------------------------------------------- */

static fantasy_status encode_request(const fantasy__sb_request *r, cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        return fantasy__oom();
    }
    fantasy_status st = fantasy__json_put_str(o, "key", r->key);
    st = st ? st : fantasy__json_put_int(o, "kind", r->kind);
    if (r->order_id) {
        st = st ? st : fantasy__json_put_str(o, "order_id", r->order_id);
    }
    st = st ? st : fantasy__json_put_str(o, "payment_key", r->payment_key);
    st = st ? st : fantasy__json_put_money(o, "amount", &r->amount);
    st = st ? st : fantasy__json_put_int(o, "said", r->said);
    st = st ? st : fantasy__json_put_int(o, "resolved", r->resolved);
    st = st ? st : fantasy__json_put_str(o, "message", r->message);
    st = st ? st : fantasy__json_put_str(o, "payment_id", r->payment_id);
    st = st ? st : fantasy__json_put_bool(o, "refunded", r->refunded);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        o = NULL;
    }
    *out = o;
    return st;
}

static fantasy_status encode_capture(const fantasy__sb_request *r, cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    fantasy_status st =
        o ? fantasy__json_put_str(o, "payment_key", r->payment_key) : fantasy__oom();
    st = st ? st : fantasy__json_put_str(o, "request", r->key);
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        o = NULL;
    }
    *out = o;
    return st;
}

static fantasy_status encode_counter(int64_t captured, cJSON **out) {
    cJSON *o = cJSON_CreateObject();
    fantasy_status st = o ? fantasy__json_put_int(o, "captured", captured) : fantasy__oom();
    if (st != FANTASY_OK) {
        cJSON_Delete(o);
        o = NULL;
    }
    *out = o;
    return st;
}

enum {
    MAX_OPS = 3
};

/* The documents of one save, printed, and the ops that write them. */
typedef struct batch {
    fantasy_record_op ops[MAX_OPS];
    char ids[MAX_OPS][ID_SIZE];
    char *text[MAX_OPS];
    size_t n;
} batch;

/* Print `doc` (taken) as the next op: create-only when `version` is 0, else only over it. */
static fantasy_status add(fantasy__sb *sb, batch *b, const char *collection, cJSON *doc,
                          int64_t version) {
    size_t i = b->n;
    size_t len = 0;
    fantasy_status st = fantasy__json_print(&sb->alloc, doc, &b->text[i], &len);
    cJSON_Delete(doc);
    if (st != FANTASY_OK) {
        return st;
    }
    b->n++;
    fantasy_record_op *op = &b->ops[i];
    memset(op, 0, sizeof *op);
    op->kind = FANTASY_OP_PUT;
    op->mode = version ? FANTASY_WRITE_IF_VERSION : FANTASY_WRITE_CREATE;
    op->expected_version = version;
    op->collection = collection;
    op->id = b->ids[i];
    op->doc = b->text[i];
    op->doc_len = len;
    return FANTASY_OK;
}

static fantasy_status fill(fantasy__sb *sb, batch *b, const fantasy__sb_request *r,
                           const fantasy__sb_effects *fx) {
    cJSON *doc = NULL;
    fantasy_status st = doc_id(r->key, b->ids[0]);
    st = st ? st : encode_request(r, &doc);
    st = st ? st : add(sb, b, REQUESTS, doc, 0);
    if (st == FANTASY_OK && fx->capture) {
        st = doc_id(r->payment_key, b->ids[1]);
        st = st ? st : encode_capture(r, &doc);
        st = st ? st : add(sb, b, CAPTURES, doc, 0);
        (void)snprintf(b->ids[2], ID_SIZE, "%s", COUNTER_ID);
        st = st ? st : encode_counter(fx->captured, &doc);
        st = st ? st : add(sb, b, META, doc, fx->counter_ver);
    } else if (st == FANTASY_OK && fx->paid) {
        st = doc_id(fx->paid->key, b->ids[1]);
        st = st ? st : encode_request(fx->paid, &doc);
        st = st ? st : add(sb, b, REQUESTS, doc, fx->paid->version);
    }
    return st;
}

fantasy_status fantasy__sb_save(fantasy__sb *sb, const fantasy__sb_request *r,
                                const fantasy__sb_effects *fx) {
    batch b;
    b.n = 0;
    fantasy_status st = fill(sb, &b, r, fx);
    st = st ? st : sb->rs.apply(sb->rs.self, b.ops, b.n, NULL);
    for (size_t i = 0; i < b.n; i++) {
        fantasy__free(&sb->alloc, b.text[i]);
    }
    return st;
}
