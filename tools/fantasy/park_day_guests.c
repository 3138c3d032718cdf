/* park-day's guest directory: user id -> visitor, so the push notifier (a bus subscriber) can
 * wake the guest whose queue entry was called. Insert-only open addressing under a mutex:
 * workers add guests as they log in, the coordinator looks them up inside fantasy_park_poll. */
#include <stdlib.h>
#include <string.h>

#include "park_day.h"

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (uint64_t)(unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

int fantasy__pd_guests_init(pd_world *w) {
    size_t cap = 16;
    while (cap < (size_t)w->opt.visitors * 2) {
        cap *= 2;
    }
    w->guest_slots = calloc(cap, sizeof *w->guest_slots);
    w->guest_cap = cap;
    return w->guest_slots != NULL && pthread_mutex_init(&w->guest_lock, NULL) == 0;
}

void fantasy__pd_guests_free(pd_world *w) {
    if (w->guest_slots) {
        pthread_mutex_destroy(&w->guest_lock);
    }
    free(w->guest_slots);
    w->guest_slots = NULL;
}

/* The visitor's user_id is set before this and never changes after. */
void fantasy__pd_guests_add(pd_world *w, const pd_visitor *v) {
    pthread_mutex_lock(&w->guest_lock);
    size_t mask = w->guest_cap - 1;
    for (size_t i = hash(v->user_id) & mask;; i = (i + 1) & mask) {
        int at = w->guest_slots[i];
        if (at == 0) {
            w->guest_slots[i] = v->index + 1;
            break;
        }
        if (at == v->index + 1) {
            break;
        }
    }
    pthread_mutex_unlock(&w->guest_lock);
}

pd_visitor *fantasy__pd_guests_find(pd_world *w, const char *user_id) {
    if (!user_id) {
        return NULL;
    }
    pd_visitor *found = NULL;
    pthread_mutex_lock(&w->guest_lock);
    size_t mask = w->guest_cap - 1;
    for (size_t i = hash(user_id) & mask; w->guest_slots[i] != 0; i = (i + 1) & mask) {
        pd_visitor *v = &w->visitors[w->guest_slots[i] - 1];
        if (strcmp(v->user_id, user_id) == 0) {
            found = v;
            break;
        }
    }
    pthread_mutex_unlock(&w->guest_lock);
    return found;
}
