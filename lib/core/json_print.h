/* Printing into a caller's buffer (json_print.c), for text that lives no longer than its
 * caller's struct: the rest of the printer is declared in core/json.h. */
#ifndef FANTASY_CORE_JSON_PRINT_H
#define FANTASY_CORE_JSON_PRINT_H

#include "core/json.h"

/* fantasy__json_print_with, but text shorter than `cap` goes into `buf` (then *out == buf, not
 * to be freed); longer text comes from the allocator as there. */
fantasy_status fantasy__json_print_with_buf(const fantasy_allocator *a, const cJSON *base,
                                            const fantasy__json_field *extra, size_t n_extra,
                                            char *buf, size_t cap, char **out, size_t *len);

#endif
