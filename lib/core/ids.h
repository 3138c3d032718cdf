/* Time-ordered, URL-safe ids: 10 characters of milliseconds then 16 of randomness (Crockford
 * base32, so byte order is time order), 26 characters in all. */
#ifndef FANTASY_CORE_IDS_H
#define FANTASY_CORE_IDS_H

#include <pthread.h>
#include <stdint.h>

#include "fantasy/common.h"
#include "fantasy/errors.h"

#define FANTASY__ID_LEN 26

/* Per-park generator: ids of one park are strictly increasing even within one millisecond. */
typedef struct fantasy__idgen {
    pthread_mutex_t lock;
    int64_t last_ms;
    unsigned char last_rand[10];
} fantasy__idgen;

void fantasy__idgen_init(fantasy__idgen *g);
void fantasy__idgen_destroy(fantasy__idgen *g);

/* A fresh id for time `now_ms` (RAND_bytes). FANTASY_EBACKEND if the RNG fails. */
fantasy_status fantasy__id_new(fantasy__idgen *g, int64_t now_ms, char out[FANTASY_ID_MAX]);

/* A deterministic id: time `ms` then a SHA-256 of subject and transition, so a repair writes the
 * same id as the original. */
void fantasy__id_derived(int64_t ms, const char *subject, const char *transition,
                         char out[FANTASY_ID_MAX]);

/* 1 when `s` looks like an id the library made or accepts: 1..63 chars of [0-9A-Za-z_-]. */
int fantasy__id_valid(const char *s);

#endif
