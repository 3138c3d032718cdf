/**
 * @file common.h
 * @brief Export macro, C++ guards and the plain value types every header shares.
 */
#ifndef FANTASY_COMMON_H
#define FANTASY_COMMON_H

#include <stddef.h>
#include <stdint.h>

/**
 * @def FANTASY_API
 * Marks a declaration as exported from the shared library; everything else stays hidden.
 */
#if defined(_WIN32)
#    if defined(FANTASY_BUILDING)
#        define FANTASY_API __declspec(dllexport)
#    else
#        define FANTASY_API
#    endif
#elif defined(__GNUC__)
#    define FANTASY_API __attribute__((visibility("default")))
#else
#    define FANTASY_API
#endif

/**
 * @def FANTASY_BEGIN_DECLS
 * Opens `extern "C"` when the header is read by a C++ compiler.
 * @def FANTASY_END_DECLS
 * Closes what FANTASY_BEGIN_DECLS opened.
 */
#ifdef __cplusplus
#    define FANTASY_BEGIN_DECLS extern "C" {
#    define FANTASY_END_DECLS   }
#else
#    define FANTASY_BEGIN_DECLS
#    define FANTASY_END_DECLS
#endif

/** Room for any id the library makes or accepts, with its terminating NUL. */
#define FANTASY_ID_MAX 64

FANTASY_BEGIN_DECLS

/**
 * An amount of money in the currency's minor unit (KRW has none: 1000 means 1000 won).
 * Never a float. `currency` is an ISO 4217 code, NUL-terminated.
 */
typedef struct fantasy_money {
    int64_t
        amount_minor; /**< the amount in minor units; may be negative only where a call says so */
    char currency[4]; /**< ISO 4217 code, e.g. "KRW" */
} fantasy_money;

FANTASY_END_DECLS

#endif /* FANTASY_COMMON_H */
