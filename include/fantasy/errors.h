/**
 * @file errors.h
 * @brief Status codes, their names, and the calling thread's last error message.
 *
 * Every function that can fail returns a ::fantasy_status: 0 for success, negative for an error.
 * The numbers are ABI: new codes are only ever appended.
 */
#ifndef FANTASY_ERRORS_H
#define FANTASY_ERRORS_H

#include "fantasy/common.h"

FANTASY_BEGIN_DECLS

/**
 * The one table of statuses: X(enum suffix, number, JSON code, short text).
 * Expanded into the enum here and into the name table in lib/core/status.c.
 */
#define FANTASY_STATUS_MAP(X)                                                                  \
    X(OK, 0, "OK", "success")                                                                  \
    X(EINVAL, -1, "INVALID_ARGUMENT", "invalid argument")                                      \
    X(ENOTFOUND, -2, "NOT_FOUND", "not found")                                                 \
    X(EEXISTS, -3, "ALREADY_EXISTS", "already exists")                                         \
    X(ECONFLICT, -4, "CONFLICT", "conflicting concurrent change")                              \
    X(EIDEMPOTENCY, -5, "IDEMPOTENCY_MISMATCH", "idempotency key reused with other arguments") \
    X(ESOLDOUT, -6, "SOLD_OUT", "no stock left")                                               \
    X(ELIMIT, -7, "LIMIT_EXCEEDED", "per-user limit exceeded")                                 \
    X(ENOTONSALE, -8, "NOT_ON_SALE", "not on sale")                                            \
    X(ESTATE, -9, "INVALID_STATE", "not allowed in the current state")                         \
    X(EQUEUED, -10, "ALREADY_QUEUED", "already queued")                                        \
    X(EREDEEMED, -11, "ALREADY_REDEEMED", "already redeemed")                                  \
    X(EAMOUNT, -12, "AMOUNT_MISMATCH", "amount does not match")                                \
    X(EDECLINED, -13, "DECLINED", "payment declined")                                          \
    X(EPAYUNKNOWN, -14, "PAYMENT_UNKNOWN", "payment outcome unknown")                          \
    X(EAUTH, -15, "UNAUTHENTICATED", "not authenticated")                                      \
    X(EPERM, -16, "PERMISSION_DENIED", "permission denied")                                    \
    X(EEXPIRED, -17, "EXPIRED", "expired")                                                     \
    X(EUNAVAILABLE, -18, "UNAVAILABLE", "backend unavailable")                                 \
    X(EBACKEND, -19, "BACKEND", "backend error")                                               \
    X(ENOMEM, -20, "NO_MEMORY", "out of memory")                                               \
    X(EMISUSE, -21, "MISUSE", "library misuse")

/** A status: FANTASY_OK (0) or a negative error. */
typedef enum fantasy_status {
#define FANTASY__STATUS_ENUM(name, num, code, text) FANTASY_##name = (num),
    FANTASY_STATUS_MAP(FANTASY__STATUS_ENUM)
#undef FANTASY__STATUS_ENUM
    FANTASY__STATUS_SENTINEL = 1 /* keeps the enum signed-capable and the list open */
} fantasy_status;

/**
 * Short English text for a status ("no stock left").
 * @param status any value; unknown ones give "unknown status".
 * @return a static string, never NULL.
 * @thread any
 */
FANTASY_API const char *fantasy_strerror(fantasy_status status);

/**
 * The JSON code string of a status ("SOLD_OUT").
 * @param status any value; unknown ones give "UNKNOWN".
 * @return a static string, never NULL.
 * @thread any
 */
FANTASY_API const char *fantasy_status_code(fantasy_status status);

/**
 * The calling thread's detailed message for its last failure.
 * @return never NULL; owned by the library and valid until this thread's next `fantasy_` call.
 *         Meaningful only right after a call failed.
 * @thread any
 */
FANTASY_API const char *fantasy_error_last(void);

/**
 * Record a detailed message for the calling thread and return `status`, so a backend can write
 * `return fantasy_error_set(FANTASY_EBACKEND, "sqlite: %s", msg);`.
 * @param status the status to return.
 * @param fmt printf-style format; the result is cut at 511 bytes.
 * @return `status`.
 * @thread any
 */
FANTASY_API fantasy_status fantasy_error_set(fantasy_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

FANTASY_END_DECLS

#endif /* FANTASY_ERRORS_H */
