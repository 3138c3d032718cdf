/**
 * @file fantasy.h
 * @brief libfantasy: the umbrella header and the library version.
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

#define FANTASY_VERSION_MAJOR  0
#define FANTASY_VERSION_MINOR  1
#define FANTASY_VERSION_PATCH  0
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
