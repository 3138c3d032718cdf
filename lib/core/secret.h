/* The park's token-signing key when the host gave none (lib/core/secret.c). */
#ifndef FANTASY_CORE_SECRET_H
#define FANTASY_CORE_SECRET_H

#include <stddef.h>

#include "fantasy/backend.h"

/* Read the key stored in `rs`, or create and store a random one (32 bytes into `key`). Several
 * parks opening one store at once agree on a single key. */
fantasy_status fantasy__secret_load_or_create(const fantasy_record_store *rs,
                                              const fantasy_allocator *alloc, unsigned char *key,
                                              size_t *key_len);

#endif
