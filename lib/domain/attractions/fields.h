/* Private to lib/domain/attractions: create/update arguments into a document. */
#ifndef FANTASY_DOMAIN_ATTRACTIONS_FIELDS_H
#define FANTASY_DOMAIN_ATTRACTIONS_FIELDS_H

#include <cJSON.h>

#include "fantasy/errors.h"

/* Apply the attraction fields of `args` to `doc` and check the result; `create` makes name,
 * type and hours required. FANTASY_EINVAL naming the field. */
fantasy_status fantasy__attraction_fields(const cJSON *args, int create, cJSON *doc);

#endif
