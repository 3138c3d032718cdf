/* The PostgreSQL stores' schema and its migrations. Private to lib/backends/postgres (and the
 * tests, which reach it through the fantasy__ hook to build an older schema). */
#ifndef FANTASY_BACKENDS_POSTGRES_SCHEMA_H
#define FANTASY_BACKENDS_POSTGRES_SCHEMA_H

#include <libpq-fe.h>

#include "fantasy/backend.h"

/* Schema versions: 1 records, 2 stock, 3 queues, 4 documents also as JSONB, 5 the queues'
 * per-ride rank tree (O(log n) positions). */
#define FANTASY__PG_SCHEMA_LATEST 5

/* Bring the schema of `pg`'s current schema (search_path) up to `target`, under an advisory
 * lock so that processes opening at once migrate it once. A database newer than this library
 * (version > FANTASY__PG_SCHEMA_LATEST) → FANTASY_EINVAL, unchanged. `pg` must be idle. */
fantasy_status fantasy__pg_migrate(PGconn *pg, int target, const char *who);

/* The test hook: connect to `conninfo` and migrate to `target` (≤ latest) only, so a test can
 * build the schema of an older release, fill it and open it with the current code. */
fantasy_status fantasy__pg_migrate_to(const char *conninfo, int target);

#endif
