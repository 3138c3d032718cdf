/**
 * @file conf.h
 * @brief String-keyed park configuration (librdkafka style) plus typed setters for vtables.
 *
 * Keys and defaults are those of API.md. A conf is copied by fantasy_park_open(); the caller
 * frees it with fantasy_conf_free().
 */
#ifndef FANTASY_CONF_H
#define FANTASY_CONF_H

#include "fantasy/backend.h"
#include "fantasy/common.h"
#include "fantasy/errors.h"

FANTASY_BEGIN_DECLS

/** A park configuration. */
typedef struct fantasy_conf fantasy_conf;

/**
 * A configuration holding every default.
 * @return a new conf, or NULL when out of memory.
 * @thread any
 */
FANTASY_API fantasy_conf *fantasy_conf_new(void);

/** Free a conf; NULL is a no-op. @thread exclusive */
FANTASY_API void fantasy_conf_free(fantasy_conf *conf);

/**
 * A copy of `conf` (vtables included).
 * @return FANTASY_OK, FANTASY_EMISUSE, FANTASY_ENOMEM.
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_conf_dup(const fantasy_conf *conf, fantasy_conf **out);

/**
 * Set `key` to `value`, checked at once.
 * @return FANTASY_OK; FANTASY_EINVAL for an unknown key, a bad value, or a backend this build
 *         lacks (the message names the key and what is missing); FANTASY_EMISUSE for NULL
 *         arguments; FANTASY_ENOMEM. On failure the conf is unchanged.
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_conf_set(fantasy_conf *conf, const char *key, const char *value);

/**
 * The current value of `key` as text, copied into `buf` (NUL-terminated, cut to `size`).
 * @return FANTASY_OK, FANTASY_EINVAL (unknown key), FANTASY_EMISUSE.
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_conf_get(const fantasy_conf *conf, const char *key, char *buf,
                                            size_t size);

/**
 * Inject a record store (copied; stays the host's: the park never destroys it). NULL clears it.
 * @return FANTASY_OK; FANTASY_EINVAL for version 0, a too-new version or a NULL required
 *         method (named); FANTASY_EMISUSE for a NULL conf.
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_conf_set_record_store(fantasy_conf *conf,
                                                         const fantasy_record_store *vt);
/** Inject a stock store; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_stock_store(fantasy_conf *conf,
                                                        const fantasy_stock_store *vt);
/** Inject a queue store; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_queue_store(fantasy_conf *conf,
                                                        const fantasy_queue_store *vt);
/** Inject a message bus; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_bus(fantasy_conf *conf, const fantasy_bus *vt);
/** Inject a payment provider; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_payment_provider(fantasy_conf *conf,
                                                             const fantasy_payment_provider *vt);
/** Inject a clock; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_clock(fantasy_conf *conf, const fantasy_clock *vt);
/** Inject an HTTP transport; as fantasy_conf_set_record_store(). @thread exclusive */
FANTASY_API fantasy_status fantasy_conf_set_http_transport(fantasy_conf *conf,
                                                           const fantasy_http_transport *vt);
/**
 * Inject an allocator (copied). All methods NULL means libc; some NULL → FANTASY_EINVAL.
 * @thread exclusive
 */
FANTASY_API fantasy_status fantasy_conf_set_allocator(fantasy_conf *conf,
                                                      const fantasy_allocator *vt);

FANTASY_END_DECLS

#endif /* FANTASY_CONF_H */
