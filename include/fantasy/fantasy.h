/**
 * @file fantasy.h
 * @brief libfantasy: the umbrella header and the library version.
 */
/**
 * @mainpage libfantasy API reference
 *
 * An embeddable theme-park core in C11. Include fantasy.h for everything:
 *
 * - park.h: open and close a park, the JSON command surface (fantasy_call(),
 *   fantasy_call_system()), run_due, events and the worker;
 * - conf.h: configuration keys and the typed setters for injected ports;
 * - errors.h: statuses, their names, and fantasy_error_last();
 * - accounts.h, products.h, orders.h, attractions.h, queues.h: the typed form of each JSON
 *   method, with the same caller rules;
 * - backend.h: the port vtables a backend implements; backends/memory.h, backends/sqlite.h,
 *   backends/postgres.h: the stores a host can build and inject.
 *
 * Every function documents its statuses, who owns what it returns, and its thread rule:
 * `shared` (many threads on one handle), `exclusive` (nothing else on that handle) or `any` (no
 * handle). The guides are in the repository's docs/ folder: getting-started.md, concepts.md,
 * configuration.md and payments-sandbox.md.
 */
#ifndef FANTASY_FANTASY_H
#define FANTASY_FANTASY_H

#include "fantasy/accounts.h"
#include "fantasy/attractions.h"
#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/conf.h"
#include "fantasy/errors.h"
#include "fantasy/orders.h"
#include "fantasy/park.h"
#include "fantasy/products.h"
#include "fantasy/queues.h"

/** Major version of these headers: bumped by an incompatible change of the API. */
#define FANTASY_VERSION_MAJOR 0
/** Minor version of these headers: bumped by additions. */
#define FANTASY_VERSION_MINOR 1
/** Patch version of these headers: bumped by fixes. */
#define FANTASY_VERSION_PATCH 0
/** The headers' version as text, "major.minor.patch". */
#define FANTASY_VERSION_STRING "0.1.0"
/** One number that grows with each release: major * 10000 + minor * 100 + patch. */
#define FANTASY_VERSION_NUMBER \
    (FANTASY_VERSION_MAJOR * 10000 + FANTASY_VERSION_MINOR * 100 + FANTASY_VERSION_PATCH)

FANTASY_BEGIN_DECLS

/**
 * The version of the library actually linked ("0.1.0"), which may differ from the header's.
 * @return a static string. @thread any
 */
FANTASY_API const char *fantasy_version(void);

/** FANTASY_VERSION_NUMBER of the library actually linked. @thread any */
FANTASY_API int fantasy_version_number(void);

FANTASY_END_DECLS

#endif /* FANTASY_FANTASY_H */
