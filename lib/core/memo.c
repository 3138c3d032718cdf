/* Per-park memos of derived values (memo.h). */
#include "core/memo.h"

#include <sched.h>
#include <string.h>

#define MIX 0x9e3779b97f4a7c15ull

/* Not cryptographic, and need not be: the version is what tells documents apart; this only
 * catches a version reused for other bytes. Eight bytes a step keeps it near memcpy speed. */
static uint64_t doc_hash(const char *doc, size_t len) {
    uint64_t h = (uint64_t)len * MIX;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, doc + i, 8);
        h = (h ^ w) * MIX;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, doc + i, len - i);
    h = (h ^ tail) * MIX;
    return h ^ (h >> 29);
}

/* The two slots `id` may use. */
static void slots_for(fantasy__memo m, const char *id, fantasy__memo_slot **a,
                      fantasy__memo_slot **b) {
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h = (h ^ *p) * 16777619u;
    }
    size_t i = h % m.n_slots;
    /* Another slot than the first (unless there is only one), picked by other bits of h. */
    size_t step = m.n_slots > 1 ? 1 + (h / m.n_slots) % (m.n_slots - 1) : 0;
    *a = &m.slots[i];
    *b = &m.slots[(i + step) % m.n_slots];
}

static void lock(fantasy__memo_slot *s) {
    for (unsigned spins = 0;; spins++) {
        int idle = 0;
        if (atomic_compare_exchange_weak_explicit(&s->busy, &idle, 1, memory_order_acquire,
                                                  memory_order_relaxed)) {
            return;
        }
        if (spins % 64 == 63) {
            (void)sched_yield(); /* the holder may have been descheduled: let it finish */
        }
    }
}

static void unlock(fantasy__memo_slot *s) {
    atomic_store_explicit(&s->busy, 0, memory_order_release);
}

static int fits(fantasy__memo m, const char *id, size_t doc_len, size_t value_len) {
    return m.n_slots > 0 && strlen(id) < FANTASY__MEMO_ID_MAX && doc_len > 0 &&
           value_len <= FANTASY__MEMO_VALUE_MAX;
}

/* Under the slot's lock: does it hold `id`, and made from exactly this document? */
static int holds(const fantasy__memo_slot *s, const char *id) {
    return s->doc_len > 0 && strcmp(s->id, id) == 0;
}

static int try_slot(fantasy__memo_slot *s, const char *id, int64_t version, size_t doc_len,
                    uint64_t hash, void *value, size_t value_len) {
    lock(s);
    int hit = holds(s, id) && s->version == version && s->doc_len == doc_len &&
              s->doc_hash == hash && s->value_len == value_len;
    if (hit) {
        memcpy(value, s->value, value_len);
    }
    unlock(s);
    return hit;
}

int fantasy__memo_get(fantasy__memo m, const char *id, int64_t version, const char *doc,
                      size_t doc_len, void *value, size_t value_len) {
    if (!fits(m, id, doc_len, value_len)) {
        return 0;
    }
    fantasy__memo_slot *a = NULL, *b = NULL;
    slots_for(m, id, &a, &b);
    uint64_t hash = doc_hash(doc, doc_len);
    return try_slot(a, id, version, doc_len, hash, value, value_len) ||
           try_slot(b, id, version, doc_len, hash, value, value_len);
}

static void fill(fantasy__memo_slot *s, const char *id, int64_t version, size_t doc_len,
                 uint64_t hash, const void *value, size_t value_len) {
    s->version = version;
    s->doc_len = doc_len;
    s->doc_hash = hash;
    s->value_len = value_len;
    memcpy(s->id, id, strlen(id) + 1);
    memcpy(s->value, value, value_len);
}

void fantasy__memo_put(fantasy__memo m, const char *id, int64_t version, const char *doc,
                       size_t doc_len, const void *value, size_t value_len) {
    if (!fits(m, id, doc_len, value_len)) {
        return;
    }
    fantasy__memo_slot *a = NULL, *b = NULL;
    slots_for(m, id, &a, &b);
    uint64_t hash = doc_hash(doc, doc_len);
    /* The first slot unless the id already sits in the second, or the first holds another
     * id while the second is free; one id never sits in both. */
    lock(b);
    int use_b = holds(b, id) || b->doc_len == 0;
    if (use_b) {
        fill(b, id, version, doc_len, hash, value, value_len);
    }
    unlock(b);
    if (a == b) {
        if (!use_b) {
            lock(a);
            fill(a, id, version, doc_len, hash, value, value_len);
            unlock(a);
        }
        return;
    }
    lock(a);
    if (!use_b) {
        fill(a, id, version, doc_len, hash, value, value_len);
    } else if (holds(a, id)) {
        a->doc_len = 0; /* an older entry of the id: drop it */
    }
    unlock(a);
}
