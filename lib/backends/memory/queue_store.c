/* The in-memory queue store (PORTS.md, queue store).
 *
 * Locking mirrors the stock store: rides sit in a registry read without a lock (memtab.h); each
 * ride has one mutex guarding its entries' mutable fields, its seq index, its Fenwick tree and
 * its users; entries are found by id in ENTRY_SHARDS hash tables whose mutexes guard only
 * membership. Lock order: entry shard, then ride; only enqueue nests them, so two joins with one
 * entry id cannot both append. Entries live until destroy, so a pointer found under a shard
 * lock stays valid after it.
 *
 * Every CALLED entry has a lower seq than every WAITING one (call takes WAITING entries from
 * the front, nothing returns to WAITING), which is what lets two cursors skip finished entries
 * for good. */
#include <string.h>

#include "fantasy/backends/memory.h"

#include "backends/memory/memtab.h"
#include "backends/memory/queue_fenwick.h"
#include "core/alloc.h"
#include "core/error.h"

/* Many shards, for the reason given in stock_store.c. */
#define ENTRY_SHARD_BITS 10
#define ENTRY_SHARDS     (1u << ENTRY_SHARD_BITS)
#define ACTIVE           (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED)

struct entry;

typedef struct ride_user {
    struct entry *last; /* the user's latest entry on the ride */
    char id[];
} ride_user;

typedef struct ride {
    fantasy__memreg_node node; /* first: the registry stores rides as nodes */
    pthread_mutex_t lock;
    struct entry **by_seq; /* [seq - 1] */
    size_t seq_cap;
    int64_t last_seq;
    int64_t wait_cursor;   /* no WAITING entry has a lower seq */
    int64_t active_cursor; /* no WAITING or CALLED entry has a lower seq */
    fantasy__fenwick fw;
    fantasy_queue_counts n;
    fantasy__memtab users;  /* ride_user by user id */
    fantasy__memheap calls; /* (call_expires_at, entry) of calls; finished ones pruned lazily */
    char pad[64];           /* keep two rides' hot fields off one cache line */
    char id[];
} ride;

typedef struct entry {
    ride *r; /* r, u, party and seq never change once published */
    ride_user *u;
    int64_t party, seq;
    fantasy_entry_status status; /* these under r->lock */
    int64_t joined_at, called_at, call_expires_at, finished_at;
    char id[];
} entry;

typedef union entry_shard {
    struct {
        pthread_mutex_t lock;
        fantasy__memtab entries;
    } s;

    char pad[128];
} entry_shard;

typedef struct queue_store {
    fantasy_allocator a;
    fantasy__memreg rides;
    entry_shard shards[ENTRY_SHARDS];
} queue_store;

/* ---- lookups ----------------------------------------------------------------------------- */

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__fail(FANTASY_EINVAL, "memory queue store: bad %s '%.80s'", what,
                         id ? id : "(null)");
}

static entry_shard *shard_of(queue_store *s, uint64_t hash) {
    /* top bits: the tables inside use the low ones */
    return &s->shards[hash >> (64 - ENTRY_SHARD_BITS)];
}

/* The entry named `id` in *out, or NULL and the status for a bad or unknown id (callers test
 * the pointer: it is set exactly when the status is FANTASY_OK). */
static fantasy_status lookup_entry(queue_store *s, const char *id, entry **out) {
    size_t len;
    *out = NULL;
    if (!fantasy__memtab_id_ok(id, &len)) {
        return bad_id("entry id", id);
    }
    uint64_t h = fantasy__memtab_hash(id, len);
    entry_shard *sh = shard_of(s, h);
    pthread_mutex_lock(&sh->s.lock);
    *out = fantasy__memtab_get(&sh->s.entries, id, h);
    pthread_mutex_unlock(&sh->s.lock);
    if (!*out) {
        return fantasy__fail(FANTASY_ENOTFOUND, "memory queue store: no entry '%s'", id);
    }
    return FANTASY_OK;
}

/* The ride or NULL when it never had an entry; a bad id is an error. */
static fantasy_status lookup_ride(queue_store *s, const char *id, ride **out) {
    size_t len;
    *out = NULL;
    if (!fantasy__memtab_id_ok(id, &len)) {
        return bad_id("ride id", id);
    }
    *out = (ride *)fantasy__memreg_get(&s->rides, id, fantasy__memtab_hash(id, len));
    return FANTASY_OK;
}

static ride *ride_new(const fantasy_allocator *a, const char *id, size_t len) {
    ride *r = fantasy__calloc(a, 1, sizeof *r + len + 1);
    if (!r) {
        return NULL;
    }
    if (fantasy__memlock_init(&r->lock) != 0) {
        fantasy__free(a, r);
        return NULL;
    }
    memcpy(r->id, id, len + 1);
    r->node.key = r->id;
    r->node.hash = fantasy__memtab_hash(id, len);
    r->wait_cursor = 1;
    r->active_cursor = 1;
    return r;
}

static void ride_free(const fantasy_allocator *a, fantasy__memreg_node *node) {
    ride *r = (ride *)node;
    for (size_t i = 0; i < r->users.cap; i++) {
        fantasy__free(a, r->users.slots[i].item);
    }
    fantasy__memtab_free(&r->users, a);
    fantasy__memheap_free(&r->calls, a);
    fantasy__fenwick_free(&r->fw, a);
    fantasy__free(a, r->by_seq);
    pthread_mutex_destroy(&r->lock);
    fantasy__free(a, r);
}

/* The ride in *out, created when missing; NULL and the status on failure. */
static fantasy_status ride_get_or_add(queue_store *s, const char *id, ride **out) {
    fantasy_status st = lookup_ride(s, id, out);
    if (st != FANTASY_OK || *out) {
        return st;
    }
    ride *r = ride_new(&s->a, id, strlen(id));
    if (!r) {
        return fantasy__oom();
    }
    fantasy__memreg_node *won = NULL;
    st = fantasy__memreg_add(&s->rides, &s->a, &r->node, &won);
    if (st != FANTASY_OK || won != &r->node) {
        ride_free(&s->a, &r->node);
    }
    *out = (ride *)won;
    return st;
}

/* Move the cursors past entries that can never again be WAITING (or active). Under r->lock;
 * each entry is stepped over once in the ride's life. */
static void skip_to_waiting(ride *r) {
    while (r->wait_cursor <= r->last_seq &&
           r->by_seq[r->wait_cursor - 1]->status != FANTASY_ENTRY_WAITING) {
        r->wait_cursor++;
    }
}

static void skip_to_active(ride *r) {
    while (r->active_cursor <= r->last_seq && !(r->by_seq[r->active_cursor - 1]->status & ACTIVE)) {
        r->active_cursor++;
    }
}

/* ---- enqueue ----------------------------------------------------------------------------- */

static fantasy_status check_join(const fantasy_queue_join *j, size_t *id_len) {
    size_t len;
    if (!fantasy__memtab_id_ok(j->entry_id, id_len)) {
        return bad_id("entry id", j->entry_id);
    }
    if (!fantasy__memtab_id_ok(j->user_id, &len)) {
        return bad_id("user id", j->user_id);
    }
    if (j->party_size <= 0) {
        return fantasy__fail(FANTASY_EINVAL, "memory queue store: entry '%s': party size %lld",
                             j->entry_id, (long long)j->party_size);
    }
    return FANTASY_OK;
}

static fantasy_status replay(const entry *old, const ride *r, const fantasy_queue_join *j,
                             int64_t *seq_out) {
    if (old->r != r || old->party != j->party_size || strcmp(old->u->id, j->user_id) != 0) {
        return fantasy__fail(FANTASY_ECONFLICT,
                             "memory queue store: entry '%s' exists with other arguments",
                             j->entry_id);
    }
    *seq_out = old->seq;
    return FANTASY_OK;
}

/* Room for one more seq in the index and the tree. FANTASY_ENOMEM: ride unchanged. */
static fantasy_status seq_room(queue_store *s, ride *r) {
    size_t need = (size_t)r->last_seq + 1;
    if (need <= r->seq_cap) {
        return FANTASY_OK;
    }
    fantasy_status st = fantasy__fenwick_grow(&r->fw, &s->a, need);
    if (st != FANTASY_OK) {
        return st;
    }
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, so pointer size it is */
    entry **v = fantasy__realloc(&s->a, r->by_seq, r->fw.cap * sizeof *v);
    if (!v) {
        return fantasy__oom();
    }
    r->by_seq = v;
    r->seq_cap = r->fw.cap;
    return FANTASY_OK;
}

static fantasy_status user_get_or_add(queue_store *s, ride *r, const char *user_id,
                                      ride_user **out) {
    size_t len = strlen(user_id);
    uint64_t h = fantasy__memtab_hash(user_id, len);
    *out = fantasy__memtab_get(&r->users, user_id, h);
    if (*out) {
        return FANTASY_OK;
    }
    if (fantasy__memtab_reserve(&r->users, &s->a, 1) != FANTASY_OK) {
        return fantasy__oom();
    }
    ride_user *u = fantasy__alloc(&s->a, sizeof *u + len + 1);
    if (!u) {
        return fantasy__oom();
    }
    u->last = NULL;
    memcpy(u->id, user_id, len + 1);
    fantasy__memtab_put(&r->users, u->id, h, u);
    *out = u;
    return FANTASY_OK;
}

/* Append `e` to the ride. Under r->lock; allocations first, so a failure changes nothing that
 * shows (a user record with no entry reads as no user). */
static fantasy_status admit(queue_store *s, ride *r, const fantasy_queue_join *j, entry *e) {
    ride_user *u = NULL;
    fantasy_status st = user_get_or_add(s, r, j->user_id, &u);
    if (st != FANTASY_OK) {
        return st;
    }
    if (u->last && (u->last->status & ACTIVE)) {
        return fantasy__fail(FANTASY_EQUEUED, "memory queue store: user '%s' already in '%s'",
                             j->user_id, r->id);
    }
    st = seq_room(s, r);
    if (st != FANTASY_OK) {
        return st;
    }
    e->u = u;
    e->seq = ++r->last_seq;
    e->status = FANTASY_ENTRY_WAITING;
    e->joined_at = j->now_ms;
    r->by_seq[e->seq - 1] = e;
    fantasy__fenwick_add(&r->fw, (size_t)e->seq, 1, e->party);
    r->n.waiting++;
    r->n.waiting_people += e->party;
    u->last = e;
    return FANTASY_OK;
}

/* Admit and publish `e`, an entry whose id is not yet known. Under the shard lock. */
static fantasy_status enqueue_new(queue_store *s, entry_shard *sh, const fantasy_queue_join *j,
                                  entry *e, uint64_t hash) {
    if (fantasy__memtab_reserve(&sh->s.entries, &s->a, 1) != FANTASY_OK) {
        return fantasy__oom();
    }
    ride *r = e->r;
    pthread_mutex_lock(&r->lock);
    fantasy_status st = admit(s, r, j, e);
    if (st == FANTASY_OK) {
        fantasy__memtab_put(&sh->s.entries, e->id, hash, e);
    }
    pthread_mutex_unlock(&r->lock);
    return st;
}

static fantasy_status enqueue(void *self, const fantasy_queue_join *j, int64_t *seq_out) {
    queue_store *s = self;
    if (!j || !seq_out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: enqueue: NULL argument");
    }
    *seq_out = 0;
    size_t id_len = 0;
    fantasy_status st = check_join(j, &id_len);
    ride *r = NULL;
    if (st == FANTASY_OK) {
        st = ride_get_or_add(s, j->ride_id, &r);
    }
    if (!r) { /* set exactly when st is FANTASY_OK */
        return st;
    }
    /* Allocated before any lock is taken, so no lock is held across the allocator. */
    entry *e = fantasy__calloc(&s->a, 1, sizeof *e + id_len + 1);
    if (!e) {
        return fantasy__oom();
    }
    memcpy(e->id, j->entry_id, id_len + 1);
    e->r = r;
    e->party = j->party_size;
    uint64_t hash = fantasy__memtab_hash(j->entry_id, id_len);
    entry_shard *sh = shard_of(s, hash);
    int64_t seq = 0;
    pthread_mutex_lock(&sh->s.lock);
    const entry *old = fantasy__memtab_get(&sh->s.entries, j->entry_id, hash);
    st = old ? replay(old, r, j, &seq) : enqueue_new(s, sh, j, e, hash);
    if (!old && st == FANTASY_OK) {
        seq = e->seq; /* this thread set it, under the ride lock */
    }
    pthread_mutex_unlock(&sh->s.lock);
    if (old || st != FANTASY_OK) {
        fantasy__free(&s->a, e);
    }
    *seq_out = st == FANTASY_OK ? seq : 0;
    return st;
}

/* ---- reads of one entry ------------------------------------------------------------------ */

static fantasy_status entry_get(void *self, const char *entry_id, fantasy_queue_entry *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: entry: NULL out");
    }
    memset(out, 0, sizeof *out);
    entry *e = NULL;
    fantasy_status st = lookup_entry(self, entry_id, &e);
    if (!e) {
        return st;
    }
    /* ids are shorter than FANTASY_ID_MAX: checked on the way in */
    memcpy(out->entry_id, e->id, strlen(e->id) + 1);
    memcpy(out->ride_id, e->r->id, strlen(e->r->id) + 1);
    memcpy(out->user_id, e->u->id, strlen(e->u->id) + 1);
    out->party_size = e->party;
    out->seq = e->seq;
    pthread_mutex_lock(&e->r->lock);
    out->status = e->status;
    out->joined_at_ms = e->joined_at;
    out->called_at_ms = e->called_at;
    out->call_expires_at_ms = e->call_expires_at;
    out->finished_at_ms = e->finished_at;
    pthread_mutex_unlock(&e->r->lock);
    return FANTASY_OK;
}

static fantasy_status position(void *self, const char *entry_id, int64_t *pos,
                               int64_t *people_ahead) {
    if (!pos || !people_ahead) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: position: NULL out");
    }
    *pos = 0;
    *people_ahead = 0;
    entry *e = NULL;
    fantasy_status st = lookup_entry(self, entry_id, &e);
    if (!e) {
        return st;
    }
    pthread_mutex_lock(&e->r->lock);
    if (e->status == FANTASY_ENTRY_WAITING) {
        int64_t rank = 0;
        int64_t people = 0;
        fantasy__fenwick_prefix(&e->r->fw, (size_t)e->seq, &rank, &people);
        *pos = rank;
        *people_ahead = people - e->party;
    } else {
        st = fantasy__fail(FANTASY_ESTATE, "memory queue store: entry '%s' is not waiting",
                           entry_id);
    }
    pthread_mutex_unlock(&e->r->lock);
    return st;
}

/* ---- call -------------------------------------------------------------------------------- */

/* List the WAITING entries that fit, front first, stopping at the first that does not. Changes
 * nothing; *stop gets the seq where it stopped. */
static fantasy_status call_pick(const ride *r, int64_t capacity, fantasy_list *out, int64_t *stop) {
    int64_t left = capacity;
    int64_t seq = r->wait_cursor;
    for (; seq <= r->last_seq; seq++) {
        const entry *e = r->by_seq[seq - 1];
        if (e->status != FANTASY_ENTRY_WAITING) {
            continue;
        }
        if (e->party > left) {
            break;
        }
        fantasy_status st = fantasy_list_add(out, e->id, e->seq);
        if (st != FANTASY_OK) {
            return st;
        }
        left -= e->party;
    }
    *stop = seq;
    return FANTASY_OK;
}

/* Drop finished entries from the top of the call heap, so it holds roughly the open calls
 * even when nobody asks for due calls. Under r->lock. */
static void prune_calls(ride *r) {
    const fantasy__memheap_item *top;
    while ((top = fantasy__memheap_top(&r->calls)) &&
           ((const entry *)top->item)->status != FANTASY_ENTRY_CALLED) {
        fantasy__memheap_pop(&r->calls);
    }
}

/* Under r->lock. Every allocation (the call heap's room, the list items) precedes the first
 * change, so FANTASY_ENOMEM leaves the ride as it was (`out` may hold some ids by then). */
static fantasy_status call_locked(queue_store *s, ride *r, int64_t capacity, int64_t now_ms,
                                  int64_t call_expires_at_ms, fantasy_list *out) {
    int64_t most = capacity < r->n.waiting ? capacity : r->n.waiting;
    if (most == 0) {
        return FANTASY_OK;
    }
    prune_calls(r);
    if (fantasy__memheap_reserve(&r->calls, &s->a, (size_t)most) != FANTASY_OK) {
        return fantasy__oom();
    }
    skip_to_waiting(r);
    int64_t stop = 0;
    fantasy_status st = call_pick(r, capacity, out, &stop);
    if (st != FANTASY_OK) {
        return st;
    }
    for (int64_t seq = r->wait_cursor; seq < stop; seq++) {
        entry *e = r->by_seq[seq - 1];
        if (e->status != FANTASY_ENTRY_WAITING) {
            continue;
        }
        e->status = FANTASY_ENTRY_CALLED;
        e->called_at = now_ms;
        e->call_expires_at = call_expires_at_ms;
        fantasy__fenwick_add(&r->fw, (size_t)seq, -1, -e->party);
        r->n.waiting--;
        r->n.waiting_people -= e->party;
        r->n.called++;
        fantasy__memheap_push(&r->calls, call_expires_at_ms, e);
    }
    r->wait_cursor = stop; /* nothing before stop is WAITING now */
    return FANTASY_OK;
}

static fantasy_status call(void *self, const char *ride_id, int64_t capacity, int64_t now_ms,
                           int64_t call_expires_at_ms, fantasy_list *out) {
    queue_store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: call: NULL list");
    }
    ride *r = NULL;
    fantasy_status st = lookup_ride(s, ride_id, &r);
    if (st != FANTASY_OK) {
        return st;
    }
    if (capacity < 0) {
        return fantasy__fail(FANTASY_EINVAL, "memory queue store: call '%s': capacity %lld",
                             ride_id, (long long)capacity);
    }
    if (!r) {
        return FANTASY_OK;
    }
    pthread_mutex_lock(&r->lock);
    st = call_locked(s, r, capacity, now_ms, call_expires_at_ms, out);
    pthread_mutex_unlock(&r->lock);
    return st;
}

/* ---- finish ------------------------------------------------------------------------------ */

static fantasy_status finish_locked(entry *e, unsigned from_mask, fantasy_entry_status to,
                                    int64_t now_ms) {
    ride *r = e->r;
    if (e->status == to) {
        return FANTASY_OK;
    }
    if (!((unsigned)e->status & from_mask)) {
        return fantasy__fail(FANTASY_ESTATE, "memory queue store: entry '%s' is in state %d", e->id,
                             (int)e->status);
    }
    if (e->status == FANTASY_ENTRY_WAITING) {
        fantasy__fenwick_add(&r->fw, (size_t)e->seq, -1, -e->party);
        r->n.waiting--;
        r->n.waiting_people -= e->party;
    } else {
        r->n.called--; /* its call-heap item goes stale and is pruned later */
    }
    e->status = to;
    e->finished_at = now_ms;
    return FANTASY_OK;
}

static fantasy_status finish(void *self, const char *entry_id, unsigned from_mask,
                             fantasy_entry_status to, int64_t now_ms) {
    if (to != FANTASY_ENTRY_DONE && to != FANTASY_ENTRY_CANCELED && to != FANTASY_ENTRY_NO_SHOW) {
        return fantasy__fail(FANTASY_EINVAL, "memory queue store: finish to status %d", (int)to);
    }
    if (from_mask & ~(unsigned)ACTIVE) {
        return fantasy__fail(FANTASY_EINVAL, "memory queue store: finish from mask %#x", from_mask);
    }
    entry *e = NULL;
    fantasy_status st = lookup_entry(self, entry_id, &e);
    if (!e) {
        return st;
    }
    pthread_mutex_lock(&e->r->lock);
    st = finish_locked(e, from_mask, to, now_ms);
    pthread_mutex_unlock(&e->r->lock);
    return st;
}

/* ---- lists ------------------------------------------------------------------------------- */

/* First seq worth looking at for `mask`, moving the cursors as a side effect. Under r->lock. */
static int64_t list_start(ride *r, unsigned mask, int64_t after_seq) {
    int64_t start = after_seq < 0 ? 1 : after_seq + 1;
    if (!(mask & ~(unsigned)FANTASY_ENTRY_WAITING)) {
        skip_to_waiting(r);
        return start > r->wait_cursor ? start : r->wait_cursor;
    }
    if (!(mask & ~(unsigned)ACTIVE)) {
        skip_to_active(r);
        return start > r->active_cursor ? start : r->active_cursor;
    }
    return start;
}

static fantasy_status list_locked(ride *r, unsigned mask, int64_t after_seq, size_t limit,
                                  fantasy_list *out) {
    size_t added = 0;
    for (int64_t seq = list_start(r, mask, after_seq); seq <= r->last_seq && added < limit; seq++) {
        const entry *e = r->by_seq[seq - 1];
        if (!((unsigned)e->status & mask)) {
            continue;
        }
        fantasy_status st = fantasy_list_add(out, e->id, e->seq);
        if (st != FANTASY_OK) {
            return st;
        }
        added++;
    }
    return FANTASY_OK;
}

static fantasy_status list(void *self, const char *ride_id, unsigned mask, int64_t after_seq,
                           size_t limit, fantasy_list *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: list: NULL list");
    }
    ride *r = NULL;
    fantasy_status st = lookup_ride(self, ride_id, &r);
    if (st != FANTASY_OK || !r || mask == 0 || limit == 0) {
        return st;
    }
    pthread_mutex_lock(&r->lock);
    st = list_locked(r, mask, after_seq, limit, out);
    pthread_mutex_unlock(&r->lock);
    return st;
}

/* The due calls in the heap, visiting only due nodes: a node's subtree holds keys ≥ its own, so
 * a pre-order walk turns back at the first node past now. Iterative, through index arithmetic
 * (parent (i - 1) / 2, children 2i + 1 and 2i + 2), so it needs no stack. */
static fantasy_status due_walk(const fantasy__memheap *h, int64_t now_ms, size_t *left,
                               fantasy_list *out) {
    size_t i = 0;
    while (*left > 0) {
        if (i < h->n && h->v[i].key <= now_ms) {
            const entry *e = h->v[i].item;
            if (e->status == FANTASY_ENTRY_CALLED) {
                fantasy_status st = fantasy_list_add(out, e->id, e->seq);
                if (st != FANTASY_OK) {
                    return st;
                }
                (*left)--;
            }
            i = 2 * i + 1;
            continue;
        }
        while (i > 0 && i % 2 == 0) {
            i = (i - 1) / 2; /* a right child's subtree is done: so is its parent's */
        }
        if (i == 0) {
            break;
        }
        i++; /* from a left child to its right sibling */
    }
    return FANTASY_OK;
}

static fantasy_status due_ride(ride *r, int64_t now_ms, size_t *left, fantasy_list *out) {
    prune_calls(r);
    return due_walk(&r->calls, now_ms, left, out);
}

static fantasy_status due_calls(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    queue_store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: due_calls: NULL list");
    }
    fantasy__memreg_table *t = fantasy__memreg_snapshot(&s->rides);
    size_t left = max;
    fantasy_status st = FANTASY_OK;
    for (size_t i = 0; i < t->cap && left > 0 && st == FANTASY_OK; i++) {
        ride *r = (ride *)atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (!r) {
            continue;
        }
        pthread_mutex_lock(&r->lock);
        st = due_ride(r, now_ms, &left, out);
        pthread_mutex_unlock(&r->lock);
    }
    return st;
}

static fantasy_status counts(void *self, const char *ride_id, fantasy_queue_counts *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "memory queue store: counts: NULL out");
    }
    memset(out, 0, sizeof *out);
    ride *r = NULL;
    fantasy_status st = lookup_ride(self, ride_id, &r);
    if (st != FANTASY_OK || !r) {
        return st;
    }
    pthread_mutex_lock(&r->lock);
    *out = r->n;
    pthread_mutex_unlock(&r->lock);
    return FANTASY_OK;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void free_shards(queue_store *s, size_t n_inited) {
    for (size_t i = 0; i < n_inited; i++) {
        fantasy__memtab *t = &s->shards[i].s.entries;
        for (size_t j = 0; j < t->cap; j++) {
            fantasy__free(&s->a, t->slots[j].item);
        }
        fantasy__memtab_free(t, &s->a);
        pthread_mutex_destroy(&s->shards[i].s.lock);
    }
}

static void destroy(void *self) {
    queue_store *s = self;
    if (!s) {
        return;
    }
    fantasy_allocator a = s->a;
    free_shards(s, ENTRY_SHARDS);
    fantasy__memreg_destroy(&s->rides, &a, ride_free);
    fantasy__free(&a, s);
}

static fantasy_status init_store(queue_store *s) {
    size_t i = 0;
    for (; i < ENTRY_SHARDS; i++) {
        if (fantasy__memlock_init(&s->shards[i].s.lock) != 0) {
            break;
        }
    }
    fantasy_status st = i == ENTRY_SHARDS
                            ? FANTASY_OK
                            : fantasy__fail(FANTASY_EBACKEND, "memory queue store: no mutex");
    if (st == FANTASY_OK) {
        st = fantasy__memreg_init(&s->rides, &s->a);
    }
    if (st != FANTASY_OK) {
        free_shards(s, i);
    }
    return st;
}

FANTASY_API fantasy_status fantasy_memory_queue_store_open(const fantasy_allocator *alloc,
                                                           fantasy_queue_store *out) {
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_memory_queue_store_open: NULL out");
    }
    memset(out, 0, sizeof *out);
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(alloc, &a);
    if (st != FANTASY_OK) {
        return st;
    }
    queue_store *s = fantasy__calloc(&a, 1, sizeof *s);
    if (!s) {
        return fantasy__oom();
    }
    s->a = a;
    st = init_store(s);
    if (st != FANTASY_OK) {
        fantasy__free(&a, s);
        return st;
    }
    out->version = FANTASY_QUEUE_STORE_VERSION;
    out->self = s;
    out->enqueue = enqueue;
    out->entry = entry_get;
    out->position = position;
    out->call = call;
    out->finish = finish;
    out->list = list;
    out->due_calls = due_calls;
    out->counts = counts;
    out->destroy = destroy;
    return FANTASY_OK;
}
