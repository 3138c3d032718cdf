/* The park handle: open (build or adopt every port), close, clock and ids. */
#include <string.h>

#include "fantasy/fantasy.h"

#include "core/backends.h"
#include "core/bus.h"
#include "core/clock.h"
#include "core/conf_internal.h"
#include "core/park_internal.h"
#include "core/secret.h"
#include "core/worker.h"
#include "fantasy_build_config.h"

static const fantasy_actor system_actor = { .role = FANTASY_ROLE_SYSTEM, .user_id = "" };

FANTASY_API const fantasy_actor *fantasy_actor_system(void) {
    return &system_actor;
}

FANTASY_API const char *fantasy_version(void) {
    return FANTASY_LIB_VERSION;
}

FANTASY_API int fantasy_version_number(void) {
    return FANTASY_VERSION_NUMBER;
}

int64_t fantasy__now(const fantasy_park *park) {
    return park->clock.now_ms(park->clock.self);
}

fantasy_status fantasy__park_id(fantasy_park *park, char out[FANTASY_ID_MAX]) {
    return fantasy__id_new(&park->ids, fantasy__now(park), out);
}

FANTASY_API int64_t fantasy_park_now(fantasy_park *park) {
    if (!park || park->magic != FANTASY__PARK_LIVE) {
        return 0;
    }
    return fantasy__now(park);
}

/* Each port: adopt the injected vtable (host-owned) or build the default (park-owned). */
static fantasy_status setup_ports(fantasy_park *p, const fantasy_conf *c) {
    const fantasy__settings *s = &p->settings;
    fantasy_status st = FANTASY_OK;
#define ADOPT_OR_BUILD(field, own, build) \
    if (st == FANTASY_OK) {               \
        if (c && c->field.version != 0) { \
            p->field = c->field;          \
        } else {                          \
            st = (build);                 \
            p->own = (st == FANTASY_OK);  \
        }                                 \
    }
    ADOPT_OR_BUILD(clock, own_clock, fantasy__build_clock(s, fantasy__system_now_ms(), &p->clock))
    ADOPT_OR_BUILD(records, own_records, fantasy__build_record_store(s, &p->alloc, &p->records))
    ADOPT_OR_BUILD(stock, own_stock, fantasy__build_stock_store(s, &p->alloc, &p->stock))
    ADOPT_OR_BUILD(queues, own_queues, fantasy__build_queue_store(s, &p->alloc, &p->queues))
    ADOPT_OR_BUILD(payments, own_payments,
                   fantasy__build_payment_provider(s, &p->alloc, &p->records, &p->payments))
#undef ADOPT_OR_BUILD
    if (st == FANTASY_OK && c && c->bus.version != 0) {
        p->bus = c->bus; /* an external bus; version 0 means the in-process one */
    }
    if (st == FANTASY_OK && c && c->http.version != 0) {
        p->http = c->http;
    }
    return st;
}

#define DESTROY_OWNED(p, field, own)             \
    do {                                         \
        if ((p)->own && (p)->field.destroy) {    \
            (p)->field.destroy((p)->field.self); \
        }                                        \
        (p)->own = 0;                            \
    } while (0)

static void teardown_ports(fantasy_park *p) {
    DESTROY_OWNED(p, payments, own_payments);
    DESTROY_OWNED(p, queues, own_queues);
    DESTROY_OWNED(p, stock, own_stock);
    DESTROY_OWNED(p, records, own_records);
    DESTROY_OWNED(p, bus, own_bus);
    DESTROY_OWNED(p, clock, own_clock);
}

static fantasy_status init_secret(fantasy_park *p) {
    if (p->settings.auth_secret_len > 0) {
        return FANTASY_OK;
    }
    return fantasy__secret_load_or_create(&p->records, &p->alloc, p->settings.auth_secret,
                                          &p->settings.auth_secret_len);
}

static void park_free(fantasy_park *p) {
    teardown_ports(p);
    fantasy__worker_destroy(&p->worker);
    fantasy__subs_destroy(&p->alloc, &p->subs);
    fantasy__idgen_destroy(&p->ids);
    p->magic = FANTASY__PARK_DEAD;
    fantasy_allocator a = p->alloc;
    fantasy__free(&a, p);
}

FANTASY_API fantasy_status fantasy_park_open(const fantasy_conf *conf, fantasy_park **out) {
    fantasy__error_clear();
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_park_open: NULL out");
    }
    *out = NULL;
    if (conf && conf->magic != FANTASY__CONF_LIVE) {
        return fantasy__fail(FANTASY_EMISUSE, "fantasy_park_open: freed or invalid conf");
    }
    fantasy_conf *defaults = conf ? NULL : fantasy_conf_new();
    if (!conf && !defaults) {
        return fantasy__oom();
    }
    const fantasy_conf *c = conf ? conf : defaults;
    fantasy_allocator a;
    fantasy_status st = fantasy__allocator_normalize(c->alloc.version ? &c->alloc : NULL, &a);
    fantasy_park *p = st == FANTASY_OK ? fantasy__calloc(&a, 1, sizeof *p) : NULL;
    if (st == FANTASY_OK && !p) {
        st = fantasy__oom();
    }
    if (p) {
        p->alloc = a;
        p->settings = c->s;
        fantasy__idgen_init(&p->ids);
        fantasy__worker_init(&p->worker);
        st = fantasy__subs_init(&p->subs);
        if (st == FANTASY_OK) {
            st = setup_ports(p, conf);
        }
        if (st == FANTASY_OK) {
            st = init_secret(p);
        }
        p->magic = FANTASY__PARK_LIVE;
        if (st != FANTASY_OK) {
            fantasy_status keep = st;
            park_free(p);
            st = keep;
            p = NULL;
        }
    }
    fantasy_conf_free(defaults);
    *out = p;
    return st;
}

FANTASY_API void fantasy_park_close(fantasy_park *park) {
    if (!park || park->magic != FANTASY__PARK_LIVE) {
        return;
    }
    (void)fantasy_park_stop_worker(park);
    park_free(park);
}

FANTASY_API fantasy_status fantasy_park_advance_clock(fantasy_park *park, int64_t ms,
                                                      int64_t *now_ms) {
    fantasy__error_clear();
    if (now_ms) {
        *now_ms = 0;
    }
    FANTASY__CHECK_PARK(park);
    if (!park->clock.advance) {
        return fantasy__fail(FANTASY_ESTATE, "advance_clock: the park clock is not manual");
    }
    if (ms < 0) {
        return fantasy__fail(FANTASY_EINVAL, "advance_clock: ms must be >= 0");
    }
    fantasy_status st = park->clock.advance(park->clock.self, ms);
    if (st == FANTASY_OK && now_ms) {
        *now_ms = fantasy__now(park);
    }
    return st;
}
