/* Vtable initializers for C++ callers and the version/required-method checks the conf setters
 * apply (libgit2's GIT_ERROR_CHECK_VERSION idea). */
#include "core/vtables.h"

#include <string.h>

#include "fantasy/backend.h"

#include "core/error.h"

/* `type` is a type name: it cannot be parenthesized. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define DEFINE_INIT(type, fn, ver)     \
    FANTASY_API void fn(type *vt) {    \
        if (vt) {                      \
            memset(vt, 0, sizeof *vt); \
            vt->version = (ver);       \
        }                              \
    }

DEFINE_INIT(fantasy_record_store, fantasy_record_store_init, FANTASY_RECORD_STORE_VERSION)
DEFINE_INIT(fantasy_stock_store, fantasy_stock_store_init, FANTASY_STOCK_STORE_VERSION)
DEFINE_INIT(fantasy_queue_store, fantasy_queue_store_init, FANTASY_QUEUE_STORE_VERSION)
DEFINE_INIT(fantasy_bus, fantasy_bus_init, FANTASY_BUS_VERSION)
DEFINE_INIT(fantasy_payment_provider, fantasy_payment_provider_init,
            FANTASY_PAYMENT_PROVIDER_VERSION)
DEFINE_INIT(fantasy_clock, fantasy_clock_init, FANTASY_CLOCK_VERSION)
DEFINE_INIT(fantasy_http_transport, fantasy_http_transport_init, FANTASY_HTTP_TRANSPORT_VERSION)
DEFINE_INIT(fantasy_allocator, fantasy_allocator_init, FANTASY_ALLOCATOR_VERSION)

/* NOLINTEND(bugprone-macro-parentheses) */

static fantasy_status check_version(const char *port, unsigned version, unsigned max) {
    if (version == 0 || version > max) {
        return fantasy__fail(FANTASY_EINVAL,
                             "%s: unsupported vtable version %u (this build: 1..%u)", port, version,
                             max);
    }
    return FANTASY_OK;
}

#define REQUIRE(vt, port, m)                                                                    \
    do {                                                                                        \
        if (!(vt)->m) {                                                                         \
            return fantasy__fail(FANTASY_EINVAL, "%s: required method '%s' is NULL", port, #m); \
        }                                                                                       \
    } while (0)

fantasy_status fantasy__check_record_store(const fantasy_record_store *vt) {
    fantasy_status st = check_version("record store", vt->version, FANTASY_RECORD_STORE_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "record store", get);
    REQUIRE(vt, "record store", apply);
    REQUIRE(vt, "record store", find);
    REQUIRE(vt, "record store", find_keys);
    REQUIRE(vt, "record store", count);
    return FANTASY_OK;
}

fantasy_status fantasy__check_stock_store(const fantasy_stock_store *vt) {
    fantasy_status st = check_version("stock store", vt->version, FANTASY_STOCK_STORE_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "stock store", set_stock);
    REQUIRE(vt, "stock store", reserve);
    REQUIRE(vt, "stock store", extend);
    REQUIRE(vt, "stock store", confirm);
    REQUIRE(vt, "stock store", release);
    REQUIRE(vt, "stock store", give_back);
    REQUIRE(vt, "stock store", expire);
    REQUIRE(vt, "stock store", counts);
    REQUIRE(vt, "stock store", used);
    REQUIRE(vt, "stock store", hold);
    return FANTASY_OK;
}

fantasy_status fantasy__check_queue_store(const fantasy_queue_store *vt) {
    fantasy_status st = check_version("queue store", vt->version, FANTASY_QUEUE_STORE_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "queue store", enqueue);
    REQUIRE(vt, "queue store", entry);
    REQUIRE(vt, "queue store", position);
    REQUIRE(vt, "queue store", call);
    REQUIRE(vt, "queue store", finish);
    REQUIRE(vt, "queue store", list);
    REQUIRE(vt, "queue store", due_calls);
    REQUIRE(vt, "queue store", counts);
    return FANTASY_OK;
}

fantasy_status fantasy__check_bus(const fantasy_bus *vt) {
    fantasy_status st = check_version("bus", vt->version, FANTASY_BUS_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "bus", publish);
    REQUIRE(vt, "bus", subscribe);
    REQUIRE(vt, "bus", poll);
    return FANTASY_OK;
}

fantasy_status fantasy__check_payment_provider(const fantasy_payment_provider *vt) {
    fantasy_status st =
        check_version("payment provider", vt->version, FANTASY_PAYMENT_PROVIDER_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "payment provider", confirm);
    REQUIRE(vt, "payment provider", cancel);
    REQUIRE(vt, "payment provider", lookup);
    return FANTASY_OK;
}

fantasy_status fantasy__check_clock(const fantasy_clock *vt) {
    fantasy_status st = check_version("clock", vt->version, FANTASY_CLOCK_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "clock", now_ms);
    return FANTASY_OK;
}

fantasy_status fantasy__check_http_transport(const fantasy_http_transport *vt) {
    fantasy_status st =
        check_version("http transport", vt->version, FANTASY_HTTP_TRANSPORT_VERSION);
    if (st != FANTASY_OK) {
        return st;
    }
    REQUIRE(vt, "http transport", send);
    return FANTASY_OK;
}
