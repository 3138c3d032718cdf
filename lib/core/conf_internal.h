/* The conf handle's layout, read by park.c when opening a park. */
#ifndef FANTASY_CORE_CONF_INTERNAL_H
#define FANTASY_CORE_CONF_INTERNAL_H

#include "fantasy/conf.h"

#include "core/settings.h"

#define FANTASY__CONF_LIVE 0x636f6e66u /* "conf" */
#define FANTASY__CONF_KEYS 20

struct fantasy_conf {
    uint32_t magic;
    fantasy__settings s;
    char raw[FANTASY__CONF_KEYS][FANTASY__SPEC_MAX]; /* text of each key as last set */
    fantasy_record_store records;                    /* version 0: not injected */
    fantasy_stock_store stock;
    fantasy_queue_store queues;
    fantasy_bus bus;
    fantasy_payment_provider payments;
    fantasy_clock clock;
    fantasy_http_transport http;
    fantasy_allocator alloc; /* version 0: libc */
};

/* Which store kinds this build can open (conf.c rejects the others when they are set). */
int fantasy__store_kind_supported(const char *spec);

#endif
