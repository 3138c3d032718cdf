/* The record-store port's argument rules (backend.h), checked the same way by every backend so
 * memory, SQLite and PostgreSQL refuse the same batches with the same messages. */
#ifndef FANTASY_CORE_RECORD_CHECK_H
#define FANTASY_CORE_RECORD_CHECK_H

#include <stddef.h>

#include "fantasy/backend.h"

#define FANTASY__REC_NAME_MAX 255 /* bytes of a collection name or an id */
#define FANTASY__REC_KEY_MAX  512 /* bytes of an index key */

/* Why `s` is not a valid name of at most `max` bytes ("is NULL", "is empty", "is too long"), or
 * NULL when it is. */
const char *fantasy__rec_bad_string(const char *s, size_t max);

/* Op `i` of a batch: kind, mode, collection, id, doc and keys. `who` starts each message. */
fantasy_status fantasy__rec_check_op(const char *who, const fantasy_record_op *op, size_t i);

/* A read's collection and, unless `what` is NULL, its other string argument `value`. */
fantasy_status fantasy__rec_check_read(const char *who, const char *fn, const char *collection,
                                       const char *what, const char *value, size_t max);

/* A list read's `limit` (at least 1) and output list. */
fantasy_status fantasy__rec_check_page(const char *who, const char *fn, size_t limit,
                                       const fantasy_list *out);

#endif
