/* park-day: every action goes through fantasy_call / fantasy_call_system; this counts the calls,
 * parses results and reports the statuses a script did not expect. Also the per-visitor RNG. */
#include <string.h>

#include "park_day.h"

#define PD_MAX_MESSAGES 5

static fantasy_status finish(pd_tally *t, fantasy_status st, char *json, cJSON **out) {
    t->calls++;
    if (st != FANTASY_OK) { /* kept before fantasy_free, the thread's next fantasy_ call */
        (void)snprintf(t->last_error, sizeof t->last_error, "%s", fantasy_error_last());
    }
    if (out) {
        *out = json ? cJSON_Parse(json) : NULL;
    }
    fantasy_free(json);
    return st;
}

fantasy_status fantasy__pd_call(pd_world *w, pd_tally *t, const char *method, const char *args,
                                const char *token, cJSON **out) {
    char *json = NULL;
    fantasy_status st = fantasy_call(w->park, method, args, token, &json);
    return finish(t, st, json, out);
}

fantasy_status fantasy__pd_sys(pd_world *w, pd_tally *t, const char *method, const char *args,
                               cJSON **out) {
    char *json = NULL;
    fantasy_status st = fantasy_call_system(w->park, method, args, &json);
    return finish(t, st, json, out);
}

void fantasy__pd_unexpected(pd_world *w, pd_tally *t, const char *what, fantasy_status st) {
    t->unexpected++;
    pthread_mutex_lock(&w->msg_lock);
    if (w->messages < PD_MAX_MESSAGES) {
        (void)fprintf(stderr, "fantasy park-day: unexpected %s from %s: %s\n",
                      fantasy_status_code(st), what, st != FANTASY_OK ? t->last_error : "");
    }
    w->messages++;
    pthread_mutex_unlock(&w->msg_lock);
}

const char *fantasy__pd_str(const cJSON *o, const char *name) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

int64_t fantasy__pd_int(const cJSON *o, const char *name, int64_t fallback) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(f) ? (int64_t)f->valuedouble : fallback;
}

int fantasy__pd_copy(const cJSON *o, const char *name, char *buf, size_t cap) {
    const char *s = fantasy__pd_str(o, name);
    if (!s || strlen(s) >= cap) {
        buf[0] = '\0';
        return 0;
    }
    memcpy(buf, s, strlen(s) + 1);
    return 1;
}

uint64_t fantasy__pd_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int fantasy__pd_pct(uint64_t *state, int percent) {
    return (int)(fantasy__pd_next(state) % 100) < percent;
}

int64_t fantasy__pd_range(uint64_t *state, int64_t lo, int64_t hi) {
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(fantasy__pd_next(state) % span);
}
