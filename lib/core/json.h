/* cJSON helpers: strict argument readers (API.md fine points) and result builders.
 * Every reader returns FANTASY_EINVAL with a message naming the field on a wrong type, and treats
 * JSON null as absent. Integers must be integral and within ±(2^53 − 1). */
#ifndef FANTASY_CORE_JSON_H
#define FANTASY_CORE_JSON_H

#include <cJSON.h>
#include <stdint.h>

#include "fantasy/backend.h"

#define FANTASY__JSON_MAX_INT 9007199254740991LL /* 2^53 - 1 */

/* Parse `text` (NULL or "" → {}) as one JSON object with nothing after it. */
fantasy_status fantasy__json_parse_object(const char *text, cJSON **out);
/* Parse stored bytes (a document) as an object; corrupt data → FANTASY_EBACKEND. */
fantasy_status fantasy__json_parse_doc(const char *data, size_t len, cJSON **out);

/* Readers: `required` non-zero makes a missing field FANTASY_EINVAL ("missing field 'x'").
 * A missing optional field leaves *out untouched and sets *present (when not NULL) to 0. */
fantasy_status fantasy__json_str(const cJSON *obj, const char *name, int required, const char **out,
                                 int *present);
fantasy_status fantasy__json_int(const cJSON *obj, const char *name, int required, int64_t min,
                                 int64_t max, int64_t *out, int *present);
fantasy_status fantasy__json_bool(const cJSON *obj, const char *name, int required, int *out,
                                  int *present);
/* {"amount": int ≥ 0, "currency": "KRW"} (3 upper-case letters). */
fantasy_status fantasy__json_money(const cJSON *obj, const char *name, int required,
                                   fantasy_money *out, int *present);
/* An array of strings (may be empty), at most `max` items. */
fantasy_status fantasy__json_str_array(const cJSON *obj, const char *name, int required, size_t max,
                                       const cJSON **out, int *present);
/* `limit` (1..100, default 20) and `cursor` (optional string). */
fantasy_status fantasy__json_page(const cJSON *obj, int64_t *limit, const char **cursor);
/* Reject fields not in `allowed` (NULL-terminated), so typos are reported. */
fantasy_status fantasy__json_only(const cJSON *obj, const char *const *allowed);

/* Builders: on allocation failure they return FANTASY_ENOMEM and leave obj as it was. */
fantasy_status fantasy__json_put_str(cJSON *obj, const char *name, const char *s); /* NULL→null */
fantasy_status fantasy__json_put_int(cJSON *obj, const char *name, int64_t v);
fantasy_status fantasy__json_put_bool(cJSON *obj, const char *name, int v);
fantasy_status fantasy__json_put_null(cJSON *obj, const char *name);
fantasy_status fantasy__json_put_money(cJSON *obj, const char *name, const fantasy_money *m);
/* cJSON_GetObjectItemCaseSensitive, same answer (the first member so named, NULL past a
 * nameless one), but a member's first letter is compared before any strcmp: orders look up a
 * dozen members of a dozen-member object several times each. */
cJSON *fantasy__json_get(const cJSON *obj, const char *name);
/* The member's string, "" when absent or not a string (as fantasy__doc_str). */
const char *fantasy__json_get_str(const cJSON *obj, const char *name);
/* The member's number as an integer, 0 when absent or not a number (as fantasy__doc_int). */
int64_t fantasy__json_get_int(const cJSON *obj, const char *name);

/* Adds `item` (taken, even on failure). */
fantasy_status fantasy__json_put(cJSON *obj, const char *name, cJSON *item);

/* A page result {"items": items (taken), "next_cursor": cursor or null}. */
fantasy_status fantasy__json_page_result(cJSON *items, const char *next_cursor, cJSON **out);

/* Print compactly into memory from `a` that the caller frees with fantasy__free. */
fantasy_status fantasy__json_print(const fantasy_allocator *a, const cJSON *obj, char **out,
                                   size_t *len);

/* A field printed after an object's own: the string `str`, or when that is NULL the integer
 * `num`. */
typedef struct fantasy__json_field {
    const char *name;
    const char *str;
    int64_t num;
} fantasy__json_field;

/* Print the object `base` (NULL: {}) followed by the `n_extra` fields, which replace any
 * members of the same name in `base`: what adding them to a copy of base and printing that
 * would give, without the copy or any cJSON item. */
fantasy_status fantasy__json_print_with(const fantasy_allocator *a, const cJSON *base,
                                        const fantasy__json_field *extra, size_t n_extra,
                                        char **out, size_t *len);
/* Print for the host: freed with fantasy_free(). */
fantasy_status fantasy__json_print_out(const fantasy_allocator *a, const cJSON *obj, char **out);

/* The error object of API.md for `st` and this thread's message, printed for the host. NULL only
 * when even that allocation failed. */
char *fantasy__json_error_out(const fantasy_allocator *a, fantasy_status st);

#endif
