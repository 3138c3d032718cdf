/* The typed values behind conf keys (API.md), shared by conf.c (parsing) and the park. */
#ifndef FANTASY_CORE_SETTINGS_H
#define FANTASY_CORE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define FANTASY__SPEC_MAX 1024

typedef enum fantasy__kdf_alg {
    FANTASY__KDF_SCRYPT = 1,
    FANTASY__KDF_PBKDF2_SHA256 = 2
} fantasy__kdf_alg;

typedef struct fantasy__settings {
    char store[FANTASY__SPEC_MAX];    /* "memory:", "sqlite:PATH", "postgres:CONNINFO" */
    char stock[FANTASY__SPEC_MAX];    /* "store" or "redis:HOST:PORT" */
    char queues[FANTASY__SPEC_MAX];   /* "store" or "redis:HOST:PORT" */
    char bus[FANTASY__SPEC_MAX];      /* "inproc:" or "kafka:BROKERS" */
    char payments[FANTASY__SPEC_MAX]; /* "sandbox:" or "toss:" */
    char payments_secret_key[256];
    int clock_manual;
    int64_t clock_start_ms;
    unsigned char auth_secret[256];
    size_t auth_secret_len; /* 0: random per park (or stored in a durable park) */
    int64_t order_ttl_ms;
    int64_t queue_call_timeout_ms;
    int64_t bus_retries;
    int64_t bus_backoff_ms;
    int64_t auth_access_ttl_ms;
    int64_t auth_refresh_ttl_ms;
    int64_t saga_lease_ms;
    int64_t outbox_retention_ms;
    fantasy__kdf_alg kdf_alg;
    uint64_t kdf_n; /* scrypt N */
    uint32_t kdf_r, kdf_p;
    uint64_t kdf_iter; /* pbkdf2 iterations */
    int64_t park_utc_offset_min;
} fantasy__settings;

#endif
