/* Time-ordered URL-safe ids (ULID-like, monotonic per park) and deterministic derived ids. */
#include "core/ids.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/error.h"

/* Crockford base32: ascending in ASCII, so string order is numeric order. */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void encode_time(int64_t ms, char *out) {
    uint64_t v = (uint64_t)(ms < 0 ? 0 : ms);
    for (int i = 9; i >= 0; i--) {
        out[i] = alphabet[v & 31u];
        v >>= 5;
    }
}

/* 80 bits → 16 characters. */
static void encode_rand(const unsigned char r[10], char *out) {
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 5; i++) {
        hi = (hi << 8) | r[i];
        lo = (lo << 8) | r[5 + i];
    }
    for (int i = 7; i >= 0; i--) {
        out[i] = alphabet[hi & 31u];
        out[8 + i] = alphabet[lo & 31u];
        hi >>= 5;
        lo >>= 5;
    }
}

void fantasy__idgen_init(fantasy__idgen *g) {
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
}

void fantasy__idgen_destroy(fantasy__idgen *g) {
    pthread_mutex_destroy(&g->lock);
}

/* Add one to the 80-bit random part; 0 when it wrapped. */
static int increment(unsigned char r[10]) {
    for (int i = 9; i >= 0; i--) {
        if (++r[i] != 0) {
            return 1;
        }
    }
    return 0;
}

/* Under g->lock: the next id's time and random part when it falls in (or before) the last
 * id's millisecond, which needs no fresh randomness; 0 when `now_ms` is a new millisecond. */
static int next_in_same_ms(fantasy__idgen *g, int64_t *now_ms, unsigned char r[10]) {
    if (*now_ms > g->last_ms) {
        return 0;
    }
    /* Keep the last time and count up, so ids stay strictly increasing within this park. */
    *now_ms = g->last_ms;
    memcpy(r, g->last_rand, 10);
    if (!increment(r)) {
        ++*now_ms;
    }
    return 1;
}

fantasy_status fantasy__id_new(fantasy__idgen *g, int64_t now_ms, char out[FANTASY_ID_MAX]) {
    unsigned char r[10];
    /* Under load most ids share a millisecond with the one before: those only count up, and
     * only the first id of a millisecond pays for the RNG, outside the lock. */
    pthread_mutex_lock(&g->lock);
    if (!next_in_same_ms(g, &now_ms, r)) {
        pthread_mutex_unlock(&g->lock);
        if (RAND_bytes(r, sizeof r) != 1) {
            return fantasy__fail(FANTASY_EBACKEND, "ids: RAND_bytes failed");
        }
        pthread_mutex_lock(&g->lock);
        /* Another thread may have reached this millisecond meanwhile: count up from its id. */
        (void)next_in_same_ms(g, &now_ms, r);
    }
    g->last_ms = now_ms;
    memcpy(g->last_rand, r, sizeof r);
    pthread_mutex_unlock(&g->lock);
    encode_time(now_ms, out);
    encode_rand(r, out + 10);
    out[FANTASY__ID_LEN] = '\0';
    return FANTASY_OK;
}

void fantasy__id_derived(int64_t ms, const char *subject, const char *transition,
                         char out[FANTASY_ID_MAX]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, subject, strlen(subject) + 1) == 1 &&
             EVP_DigestUpdate(ctx, transition, strlen(transition)) == 1 &&
             EVP_DigestFinal_ex(ctx, md, &md_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        /* Digest failure is an OpenSSL misconfiguration; fall back to a weaker but still
         * deterministic mix so the id stays stable. */
        memset(md, 0, sizeof md);
        size_t i = 0;
        for (const char *s = subject; *s; s++, i++) {
            md[i % 10] = (unsigned char)(md[i % 10] * 31u + (unsigned char)*s);
        }
        for (const char *s = transition; *s; s++, i++) {
            md[i % 10] = (unsigned char)(md[i % 10] * 31u + (unsigned char)*s);
        }
    }
    encode_time(ms, out);
    encode_rand(md, out + 10);
    out[FANTASY__ID_LEN] = '\0';
}

int fantasy__id_valid(const char *s) {
    if (!s || !*s) {
        return 0;
    }
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        int ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 c == '_' || c == '-';
        if (!ok || n >= FANTASY_ID_MAX - 1) {
            return 0;
        }
    }
    return 1;
}
