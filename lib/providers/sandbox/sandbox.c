/* The sandbox payment provider: an in-process simulator that answers by payment_key conventions
 * (docs/payments-sandbox.md). Nothing leaves the process; what it decided is kept in the park's
 * record store (sandbox_store.c), so it outlives the park handle when the store does. */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fantasy/backend.h"

#include "core/alloc.h"
#include "core/backends.h"
#include "core/error.h"
#include "providers/sandbox/sandbox_internal.h"

/* Decisions that collide with another process's, each redone from what the other stored. */
#define ATTEMPTS 8

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

typedef fantasy__sb sandbox;
typedef fantasy__sb_request request;

/* ---- arguments -------------------------------------------------------------------------- */

static int starts_with(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
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

/* ---- answers --------------------------------------------------------------------------- */

static request fresh_request(fantasy__sb_kind k, const char *idem, const char *order_id,
                             const char *payment_key, const fantasy_money *amount) {
    request r;
    memset(&r, 0, sizeof r);
    r.kind = k;
    r.key = idem;
    r.order_id = order_id;
    r.payment_key = payment_key;
    r.amount = *amount;
    r.message = "";
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

/* A repeat of a stored idempotency key: its first answer, or a mismatch. */
static void replay(const request *stored, const request *fresh, fantasy_payment_result *out) {
    if (same_request(stored, fresh)) {
        answer_said(stored, out);
    } else {
        answer(FANTASY_PAYMENT_DECLINED, "", MSG_MISMATCH, out);
    }
}

static void decide(request *r, fantasy_payment_outcome said, fantasy_payment_outcome resolved,
                   const char *message) {
    r->said = said;
    r->resolved = resolved;
    r->message = message;
}

/* Answer from the stored request under r's key when there is one (*done = 1). */
static fantasy_status try_replay(sandbox *sb, const request *r, fantasy_payment_result *out,
                                 int *done) {
    request stored;
    fantasy_status st = fantasy__sb_load(sb, r->key, &stored, done);
    if (st == FANTASY_OK && *done) {
        replay(&stored, r, out);
        fantasy__sb_request_clear(&stored);
    }
    return st;
}

/* How a new request is decided: its outcome in `r`, what else it changes in `fx`. `paid` is
 * room for a stored request the decision reads; the caller clears it. */
typedef fantasy_status (*decider)(sandbox *sb, request *r, fantasy__sb_effects *fx, request *paid);

/* One try: the stored answer when r's key is known, else decide and store, all or nothing. */
static fantasy_status attempt(sandbox *sb, request *r, fantasy_payment_result *out, decider how) {
    int done = 0;
    fantasy_status st = try_replay(sb, r, out, &done);
    if (st != FANTASY_OK || done) {
        return st;
    }
    fantasy__sb_effects fx;
    request paid;
    memset(&fx, 0, sizeof fx);
    memset(&paid, 0, sizeof paid);
    r->payment_id[0] = '\0';
    st = how(sb, r, &fx, &paid);
    st = st ? st : fantasy__sb_save(sb, r, &fx);
    fantasy__sb_request_clear(&paid);
    if (st == FANTASY_OK) {
        answer_said(r, out);
    }
    return st;
}

/* Try until no other process's decision beats this one; the caller holds the lock. On failure
 * `out` says nothing. */
static fantasy_status settle(sandbox *sb, request *r, fantasy_payment_result *out, decider how) {
    fantasy_status st = FANTASY_OK;
    for (int i = 0; i < ATTEMPTS; i++) {
        st = attempt(sb, r, out, how);
        if (st != FANTASY_EEXISTS && st != FANTASY_ECONFLICT) {
            break;
        }
    }
    if (st == FANTASY_EEXISTS || st == FANTASY_ECONFLICT) {
        st = fantasy__fail(FANTASY_EUNAVAILABLE,
                           "sandbox: request '%s' kept colliding with other processes' requests",
                           r->key);
    }
    if (st != FANTASY_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

/* ---- confirm ---------------------------------------------------------------------------- */

/* Take the money for `r`: the next payment number is its id. */
static fantasy_status capture(sandbox *sb, request *r, fantasy__sb_effects *fx) {
    int64_t count = 0;
    fantasy_status st = fantasy__sb_captured(sb, &count, &fx->counter_ver);
    if (st == FANTASY_OK) {
        fx->capture = 1;
        fx->captured = count + 1;
        (void)snprintf(r->payment_id, sizeof r->payment_id, "pay_%lld", (long long)fx->captured);
    }
    return st;
}

/* Decide a new confirm by its payment_key. */
static fantasy_status run_confirm(sandbox *sb, request *r, fantasy__sb_effects *fx, request *paid) {
    const char *key = r->payment_key;
    if (starts_with(key, "timeout_decline")) {
        decide(r, FANTASY_PAYMENT_UNKNOWN, FANTASY_PAYMENT_DECLINED, MSG_TIMEOUT_DECLINED);
        return FANTASY_OK;
    }
    if (starts_with(key, "decline")) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_DECLINED);
        return FANTASY_OK;
    }
    int taken = 0;
    fantasy_status st = fantasy__sb_load_capture(sb, key, paid, &taken);
    if (st != FANTASY_OK) {
        return st;
    }
    if (taken) {
        /* A real provider's payment key is single use: never capture it twice. */
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_KEY_USED);
        return FANTASY_OK;
    }
    if (starts_with(key, "timeout")) {
        /* The capture happens; only the answer is lost. */
        decide(r, FANTASY_PAYMENT_UNKNOWN, FANTASY_PAYMENT_APPROVED, "");
    } else {
        decide(r, FANTASY_PAYMENT_APPROVED, FANTASY_PAYMENT_APPROVED, "");
    }
    return capture(sb, r, fx);
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
    request r = fresh_request(FANTASY__SB_CONFIRM, idempotency_key, order_id, payment_key, amount);
    pthread_mutex_lock(&sb->lock);
    st = settle(sb, &r, out, run_confirm);
    pthread_mutex_unlock(&sb->lock);
    return st;
}

/* ---- cancel ----------------------------------------------------------------------------- */

/* Decide a new cancel against the captured payment `paid`, which it may mark refunded. */
static void judge_cancel(request *r, request *paid, fantasy__sb_effects *fx) {
    memcpy(r->payment_id, paid->payment_id, sizeof r->payment_id);
    if (!same_money(&paid->amount, &r->amount)) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_PARTIAL);
    } else if (paid->refunded) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_ALREADY_CANCELED);
    } else if (starts_with(r->payment_key, "norefund")) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_NO_REFUND);
    } else {
        paid->refunded = 1;
        fx->paid = paid;
        decide(r, FANTASY_PAYMENT_APPROVED, FANTASY_PAYMENT_APPROVED, "");
    }
}

/* Decide a new cancel by the capture of its payment_key. */
static fantasy_status run_cancel(sandbox *sb, request *r, fantasy__sb_effects *fx, request *paid) {
    int captured = 0;
    fantasy_status st = fantasy__sb_load_capture(sb, r->payment_key, paid, &captured);
    if (st == FANTASY_OK && captured) {
        judge_cancel(r, paid, fx);
    } else if (st == FANTASY_OK) {
        decide(r, FANTASY_PAYMENT_DECLINED, FANTASY_PAYMENT_DECLINED, MSG_NOT_CAPTURED);
    }
    return st;
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
    request r = fresh_request(FANTASY__SB_CANCEL, idempotency_key, NULL, payment_key, amount);
    pthread_mutex_lock(&sb->lock);
    st = settle(sb, &r, out, run_cancel);
    pthread_mutex_unlock(&sb->lock);
    return st;
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
    request r;
    int found = 0;
    st = fantasy__sb_load(sb, idempotency_key, &r, &found);
    if (st == FANTASY_OK && found) {
        answer(r.resolved, r.payment_id, r.message, out);
        fantasy__sb_request_clear(&r);
    } else if (st == FANTASY_OK) {
        answer(FANTASY_PAYMENT_NOT_FOUND, "", MSG_NOT_FOUND, out);
    }
    return st;
}

/* ---- open and destroy ------------------------------------------------------------------- */

static void sandbox_destroy(void *self) {
    sandbox *sb = self;
    if (!sb) {
        return;
    }
    fantasy_allocator a = sb->alloc;
    pthread_mutex_destroy(&sb->lock);
    fantasy__free(&a, sb);
}

fantasy_status fantasy__sandbox_provider_open(const fantasy_allocator *a,
                                              const fantasy_record_store *records,
                                              fantasy_payment_provider *out) {
    if (!a || !records || !out) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox: NULL allocator, record store or out");
    }
    if (!records->get || !records->apply) {
        return fantasy__fail(FANTASY_EINVAL, "sandbox: the record store lacks get or apply");
    }
    sandbox *sb = fantasy__calloc(a, 1, sizeof *sb);
    if (!sb) {
        return fantasy__oom();
    }
    sb->alloc = *a;
    sb->rs = *records;
    if (pthread_mutex_init(&sb->lock, NULL) != 0) {
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
