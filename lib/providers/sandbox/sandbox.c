/* The sandbox payment provider: an in-process simulator that answers by payment_key conventions
 * (docs/payments-sandbox.md). Nothing leaves the process. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fantasy/backend.h"

#include "core/alloc.h"
#include "core/backends.h"
#include "core/error.h"

#define INITIAL_BUCKETS 64

#define MSG_DECLINED         "declined by the sandbox (payment_key starts with \"decline\")"
#define MSG_TIMEOUT          "simulated timeout: the outcome is unknown, look it up later"
#define MSG_TIMEOUT_DECLINED "declined by the sandbox (payment_key starts with \"timeout_decline\")"
#define MSG_MISMATCH         "idempotency key reused with other arguments"
#define MSG_KEY_USED         "payment_key already used"
#define MSG_NOT_CAPTURED     "no captured payment"
#define MSG_PARTIAL          "partial cancel is not supported"
#define MSG_ALREADY_CANCELED "already canceled"
#define MSG_NO_REFUND        "refund refused by the sandbox"
#define MSG_NOT_FOUND        "no request with that idempotency key"

/* A chained hash table of intrusive nodes; the owner maps a node back to its record. */
typedef struct node {
    struct node *next;
    uint64_t hash;
    const char *key;
} node;

typedef struct table {
    node **buckets;
    size_t n, cap; /* cap is a power of two */
} table;

typedef enum req_kind {
    KIND_CONFIRM = 1,
    KIND_CANCEL = 2
} req_kind;

/* One confirm or cancel, kept forever under its idempotency key so replays and lookups answer
 * from it. A confirm that captured is also the payment itself, linked under its payment_key:
 * one record, one allocation, so a capture can never be half-stored. */
typedef struct request {
    node by_key;
    node by_payment; /* in the payments table when captured */
    req_kind kind;
    const char *order_id; /* confirm only; NULL for a cancel */
    const char *payment_key;
    fantasy_money amount;
    fantasy_payment_outcome said;     /* what the call answered */
    fantasy_payment_outcome resolved; /* what lookups answer */
    const char *message;              /* static text, "" when none */
    char payment_id[FANTASY_ID_MAX];
    int refunded; /* on a capturing confirm: a cancel refunded it */
    char strings[];
} request;

typedef struct sandbox {
    fantasy_allocator alloc;
    pthread_mutex_t lock;
    table requests; /* by idempotency key */
    table payments; /* captures, by payment_key */
    unsigned long long next_payment;
} sandbox;

/* ---- hash table ------------------------------------------------------------------------- */

static uint64_t hash_str(const char *s) {
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

static node *table_find(const table *t, const char *key) {
    uint64_t h = hash_str(key);
    for (node *l = t->buckets[h & (t->cap - 1)]; l; l = l->next) {
        if (l->hash == h && strcmp(l->key, key) == 0) {
            return l;
        }
    }
    return NULL;
}

/* Double the buckets; on allocation failure the table just stays denser (chains still work). */
static void table_grow(const fantasy_allocator *a, table *t) {
    size_t cap = t->cap * 2;
    node **b = fantasy__calloc(a, cap, sizeof(node *));
    if (!b) {
        return;
    }
    for (size_t i = 0; i < t->cap; i++) {
        node *l = t->buckets[i];
        while (l) {
            node *next = l->next;
            l->next = b[l->hash & (cap - 1)];
            b[l->hash & (cap - 1)] = l;
            l = next;
        }
    }
    fantasy__free(a, t->buckets);
    t->buckets = b;
    t->cap = cap;
}

/* Never fails, so a decision already taken under the lock is always recorded. */
static void table_insert(const fantasy_allocator *a, table *t, node *l, const char *key) {
    if (t->n >= t->cap) {
        table_grow(a, t);
    }
    l->key = key;
    l->hash = hash_str(key);
    l->next = t->buckets[l->hash & (t->cap - 1)];
    t->buckets[l->hash & (t->cap - 1)] = l;
    t->n++;
}

static int table_init(const fantasy_allocator *a, table *t) {
    t->buckets = fantasy__calloc(a, INITIAL_BUCKETS, sizeof(node *));
    t->n = 0;
    t->cap = INITIAL_BUCKETS;
    return t->buckets != NULL;
}

static request *request_of_key(node *l) {
    return l ? (request *)(void *)((char *)l - offsetof(request, by_key)) : NULL;
}

static request *request_of_payment(node *l) {
    return l ? (request *)(void *)((char *)l - offsetof(request, by_payment)) : NULL;
}

/* ---- arguments -------------------------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static fantasy_status check_str(const char *what, const char *name, const char *s) {
    if (!s || !*s) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox %s: %s is %s", what, name,
                             s ? "empty" : "NULL");
    }
    return FANTASY_OK;
}

static int valid_currency(const char c[4]) {
    for (int i = 0; i < 3; i++) {
        if (c[i] < 'A' || c[i] > 'Z') {
            return 0;
        }
    }
    return c[3] == '\0';
}

static fantasy_status check_money(const char *what, const fantasy_money *m) {
    if (!m) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox %s: amount is NULL", what);
    }
    if (m->amount_minor <= 0) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox %s: amount must be > 0, got %lld", what,
                             (long long)m->amount_minor);
    }
    if (!valid_currency(m->currency)) {
        return fantasy__fail(FANTASY_EINVAL,
                             "sandbox %s: currency must be three capital letters (ISO 4217)", what);
    }
    return FANTASY_OK;
}

static int same_money(const fantasy_money *x, const fantasy_money *y) {
    return x->amount_minor == y->amount_minor && strcmp(x->currency, y->currency) == 0;
}

static int same_str(const char *x, const char *y) {
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

/* Reason is left out on purpose: it is free text, and a retry may word it differently. */
static int same_request(const request *r, const request *q) {
    return r->kind == q->kind && same_str(r->order_id, q->order_id) &&
           strcmp(r->payment_key, q->payment_key) == 0 && same_money(&r->amount, &q->amount);
}

/* ---- records ---------------------------------------------------------------------------- */

static char *put_str(char **cursor, const char *s) {
    char *dst = *cursor;
    size_t n = strlen(s) + 1;
    memcpy(dst, s, n);
    *cursor += n;
    return dst;
}

/* Built before taking the lock, so an allocation failure changes nothing. */
static request *request_new(const fantasy_allocator *a, req_kind k, const char *idem,
                            const char *order_id, const char *payment_key,
                            const fantasy_money *amount) {
    size_t len = strlen(idem) + strlen(payment_key) + 2 + (order_id ? strlen(order_id) + 1 : 0);
    request *r = fantasy__calloc(a, 1, sizeof *r + len);
    if (!r) {
        return NULL;
    }
    char *cur = r->strings;
    r->by_key.key = put_str(&cur, idem);
    r->payment_key = put_str(&cur, payment_key);
    r->order_id = order_id ? put_str(&cur, order_id) : NULL;
    r->kind = k;
    r->amount = *amount;
    r->message = "";
    return r;
}

static void answer(fantasy_payment_outcome outcome, const char *payment_id, const char *message,
                   fantasy_payment_result *out) {
    out->outcome = outcome;
    (void)snprintf(out->payment_id, sizeof out->payment_id, "%s", payment_id);
    (void)snprintf(out->message, sizeof out->message, "%s", message);
}

/* What the call itself said: a timed-out confirm never saw its payment id. */
static void answer_said(const request *r, fantasy_payment_result *out) {
    answer(r->said, r->said == FANTASY_PAYMENT_UNKNOWN ? "" : r->payment_id,
           r->said == FANTASY_PAYMENT_UNKNOWN ? MSG_TIMEOUT : r->message, out);
}

static void decide(request *r, fantasy_payment_outcome said, fantasy_payment_outcome resolved,
                   const char *message) {
    r->said = said;
    r->resolved = resolved;
    r->message = message;
}

/* Answers a repeat of an idempotency key; 0 when the key is new. Caller holds the lock. */
static int replay(sandbox *sb, const request *fresh, fantasy_payment_result *out) {
    const request *r = request_of_key(table_find(&sb->requests, fresh->by_key.key));
    if (!r) {
        return 0;
    }
    if (same_request(r, fresh)) {
        answer_said(r, out);
    } else {
        answer(FANTASY_PAYMENT_DECLINED, "", MSG_MISMATCH, out);
    }
    return 1;
}

/* ---- confirm ---------------------------------------------------------------------------- */

static void capture(sandbox *sb, request *r) {
    (void)snprintf(r->payment_id, sizeof r->payment_id, "pay_%llu", ++sb->next_payment);
    table_insert(&sb->alloc, &sb->payments, &r->by_payment, r->payment_key);
}

/* Decide a new confirm by its payment_key. Caller holds the lock. */
static void run_confirm(sandbox *sb, request *r) {
    const char *key = r->payment_key;
    if (starts_with(key, "timeout_decline")) {
        decide(r, FANTASY_PAYMENT_UNKNOWN, FANTASY_PAYMENT_DECLINED, MSG_TIMEOUT_DECLINED);
    } else if (starts_with(key, "decline")) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_DECLINED);
    } else if (table_find(&sb->payments, key)) {
        /* A real provider's payment key is single use: never capture it twice. */
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_KEY_USED);
    } else if (starts_with(key, "timeout")) {
        /* The capture happens; only the answer is lost. */
        decide(r, FANTASY_PAYMENT_UNKNOWN, FANTASY_PAYMENT_APPROVED, "");
        capture(sb, r);
    } else {
        decide(r, FANTASY_PAYMENT_APPROVED, FANTASY_PAYMENT_APPROVED, "");
        capture(sb, r);
    }
}

static fantasy_status sandbox_confirm(void *self, const char *order_id, const char *payment_key,
                                      const fantasy_money *amount, const char *idempotency_key,
                                      fantasy_payment_result *out) {
    sandbox *sb = self;
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox confirm: out is NULL");
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_str("confirm", "order_id", order_id);
    st = st ? st : check_str("confirm", "payment_key", payment_key);
    st = st ? st : check_str("confirm", "idempotency_key", idempotency_key);
    st = st ? st : check_money("confirm", amount);
    if (st) {
        return st;
    }
    request *r =
        request_new(&sb->alloc, KIND_CONFIRM, idempotency_key, order_id, payment_key, amount);
    if (!r) {
        return fantasy__oom();
    }
    pthread_mutex_lock(&sb->lock);
    int seen = replay(sb, r, out);
    if (!seen) {
        run_confirm(sb, r);
        table_insert(&sb->alloc, &sb->requests, &r->by_key, r->by_key.key);
        answer_said(r, out);
    }
    pthread_mutex_unlock(&sb->lock);
    if (seen) {
        fantasy__free(&sb->alloc, r);
    }
    return FANTASY_OK;
}

/* ---- cancel ----------------------------------------------------------------------------- */

/* Decide a new cancel against the captured payment. Caller holds the lock. */
static void run_cancel(sandbox *sb, request *r) {
    request *paid = request_of_payment(table_find(&sb->payments, r->payment_key));
    if (!paid) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_NOT_CAPTURED);
        return;
    }
    memcpy(r->payment_id, paid->payment_id, sizeof r->payment_id);
    if (!same_money(&paid->amount, &r->amount)) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_PARTIAL);
    } else if (paid->refunded) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_ALREADY_CANCELED);
    } else if (starts_with(r->payment_key, "norefund")) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_NO_REFUND);
    } else {
        paid->refunded = 1;
        decide(r, FANTASY_PAYMENT_APPROVED, FANTASY_PAYMENT_APPROVED, "");
    }
}

static fantasy_status sandbox_cancel(void *self, const char *payment_key,
                                     const fantasy_money *amount, const char *reason,
                                     const char *idempotency_key, fantasy_payment_result *out) {
    sandbox *sb = self;
    (void)reason; /* optional free text; nothing to simulate with it */
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox cancel: out is NULL");
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_str("cancel", "payment_key", payment_key);
    st = st ? st : check_str("cancel", "idempotency_key", idempotency_key);
    st = st ? st : check_money("cancel", amount);
    if (st) {
        return st;
    }
    request *r = request_new(&sb->alloc, KIND_CANCEL, idempotency_key, NULL, payment_key, amount);
    if (!r) {
        return fantasy__oom();
    }
    pthread_mutex_lock(&sb->lock);
    int seen = replay(sb, r, out);
    if (!seen) {
        run_cancel(sb, r);
        table_insert(&sb->alloc, &sb->requests, &r->by_key, r->by_key.key);
        answer_said(r, out);
    }
    pthread_mutex_unlock(&sb->lock);
    if (seen) {
        fantasy__free(&sb->alloc, r);
    }
    return FANTASY_OK;
}

/* ---- lookup ----------------------------------------------------------------------------- */

static fantasy_status sandbox_lookup(void *self, const char *idempotency_key,
                                     fantasy_payment_result *out) {
    sandbox *sb = self;
    if (!out) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox lookup: out is NULL");
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_str("lookup", "idempotency_key", idempotency_key);
    if (st) {
        return st;
    }
    pthread_mutex_lock(&sb->lock);
    const request *r = request_of_key(table_find(&sb->requests, idempotency_key));
    if (r) {
        answer(r->resolved, r->payment_id, r->message, out);
    } else {
        answer(FANTASY_PAYMENT_NOT_FOUND, "", MSG_NOT_FOUND, out);
    }
    pthread_mutex_unlock(&sb->lock);
    return FANTASY_OK;
}

/* ---- open and destroy ------------------------------------------------------------------- */

static void sandbox_destroy(void *self) {
    sandbox *sb = self;
    if (!sb) {
        return;
    }
    fantasy_allocator a = sb->alloc;
    for (size_t i = 0; sb->requests.buckets && i < sb->requests.cap; i++) {
        node *l = sb->requests.buckets[i];
        while (l) {
            node *next = l->next;
            fantasy__free(&a, request_of_key(l));
            l = next;
        }
    }
    /* The payments table only links into requests: its records are already gone. */
    fantasy__free(&a, sb->requests.buckets);
    fantasy__free(&a, sb->payments.buckets);
    pthread_mutex_destroy(&sb->lock);
    fantasy__free(&a, sb);
}

fantasy_status fantasy__sandbox_provider_open(const fantasy_allocator *a,
                                              fantasy_payment_provider *out) {
    if (!a || !out) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox: NULL allocator or out");
    }
    sandbox *sb = fantasy__calloc(a, 1, sizeof *sb);
    if (!sb) {
        return fantasy__oom();
    }
    sb->alloc = *a;
    if (!table_init(a, &sb->requests) || !table_init(a, &sb->payments)) {
        fantasy__free(a, sb->requests.buckets);
        fantasy__free(a, sb);
        return fantasy__oom();
    }
    if (pthread_mutex_init(&sb->lock, NULL) != 0) {
        fantasy__free(a, sb->requests.buckets);
        fantasy__free(a, sb->payments.buckets);
        fantasy__free(a, sb);
        return fantasy__fail(FANTASY_EBACKEND, "sandbox: pthread_mutex_init failed");
    }
    fantasy_payment_provider_init(out);
    out->self = sb;
    out->confirm = sandbox_confirm;
    out->cancel = sandbox_cancel;
    out->lookup = sandbox_lookup;
    out->destroy = sandbox_destroy;
    return FANTASY_OK;
}
