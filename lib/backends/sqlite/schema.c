/* The SQLite schema and its migrations: step i takes a file from user_version i to i + 1.
 * Steps are append-only; a released step is never edited, since files out there ran it.
 *
 * 1: documents and index keys; products and holds (a user's `used` summed over their holds);
 *    queue entries with a per-ride seq and one active entry per user and ride.
 * 2: products move into `stock`, keyed (product, user): the product's counters in its row with
 *    user '', each user's usage (held + sold units, backfilled from the holds) in the rows right
 *    after it. A reserve then checks the limit with one keyed read instead of a sum over the
 *    user's holds, and the counters and the usage it changes usually share one B-tree page, so
 *    a commit writes one page fewer. Also the expiry sweep's partial index.
 * 3: per-ride queue counters (next seq and counts in one keyed row instead of MAX/COUNT scans),
 *    backfilled from the entries; the due-call partial index.
 * 4: a per-ride Fenwick tree over seq of the WAITING entries (count, people), built from the
 *    entries, so a position is O(log n) row reads instead of a count over the entries ahead. */
#include <stdio.h>

#include "backends/sqlite/db.h"
#include "core/error.h"

static const char *const steps[FANTASY__SQLITE_SCHEMA] = {
    /* 0 -> 1 */
    "CREATE TABLE docs(coll TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
    " body BLOB NOT NULL, PRIMARY KEY(coll, id)) WITHOUT ROWID;"
    "CREATE TABLE doc_keys(coll TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,"
    " PRIMARY KEY(coll, key, id)) WITHOUT ROWID;"
    "CREATE INDEX doc_keys_by_doc ON doc_keys(coll, id);"
    "CREATE TABLE products(id TEXT PRIMARY KEY NOT NULL, stock INTEGER NOT NULL,"
    " held INTEGER NOT NULL, sold INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE holds(id TEXT PRIMARY KEY NOT NULL, product TEXT NOT NULL, user TEXT NOT NULL,"
    " qty INTEGER NOT NULL, state INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX holds_by_user ON holds(product, user, state, qty);"
    "CREATE TABLE queue_entries(id TEXT PRIMARY KEY NOT NULL, ride TEXT NOT NULL,"
    " user TEXT NOT NULL, party INTEGER NOT NULL, status INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " joined_at INTEGER NOT NULL, called_at INTEGER NOT NULL DEFAULT 0,"
    " call_expires_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0)"
    " WITHOUT ROWID;"
    "CREATE UNIQUE INDEX queue_by_seq ON queue_entries(ride, seq);"
    "CREATE INDEX queue_by_status ON queue_entries(ride, status, seq, party);"
    "CREATE UNIQUE INDEX queue_active_user ON queue_entries(ride, user) WHERE status IN (1, 2);",
    /* 1 -> 2 */
    "CREATE TABLE stock(product TEXT NOT NULL, user TEXT NOT NULL, stock INTEGER NOT NULL,"
    " held INTEGER NOT NULL, sold INTEGER NOT NULL, used INTEGER NOT NULL,"
    " PRIMARY KEY(product, user)) WITHOUT ROWID;"
    "INSERT INTO stock(product, user, stock, held, sold, used)"
    " SELECT id, '', stock, held, sold, 0 FROM products;"
    "INSERT INTO stock(product, user, stock, held, sold, used)"
    " SELECT product, user, 0, 0, 0, SUM(qty) FROM holds WHERE state IN (1, 2)"
    " GROUP BY product, user;"
    "DROP TABLE products;"
    "DROP INDEX holds_by_user;"
    "CREATE INDEX holds_due ON holds(expires_at) WHERE state = 1;",
    /* 2 -> 3 */
    "CREATE TABLE queue_rides(ride TEXT PRIMARY KEY NOT NULL, last_seq INTEGER NOT NULL,"
    " waiting INTEGER NOT NULL, called INTEGER NOT NULL, waiting_people INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "INSERT INTO queue_rides(ride, last_seq, waiting, called, waiting_people)"
    " SELECT ride, MAX(seq), SUM(status = 1), SUM(status = 2),"
    " SUM(CASE WHEN status = 1 THEN party ELSE 0 END) FROM queue_entries GROUP BY ride;"
    "CREATE INDEX queue_due ON queue_entries(call_expires_at) WHERE status = 2;",
    /* 3 -> 4: node i sums the WAITING entries with seq in (i - lowbit(i), i] */
    "CREATE TABLE queue_fenwick(ride TEXT NOT NULL, idx INTEGER NOT NULL, cnt INTEGER NOT NULL,"
    " people INTEGER NOT NULL, PRIMARY KEY(ride, idx)) WITHOUT ROWID;"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
    "  WHERE i < (SELECT MAX(last_seq) FROM queue_rides))"
    " INSERT INTO queue_fenwick(ride, idx, cnt, people)"
    " SELECT r.ride, n.i, COUNT(e.seq), COALESCE(SUM(e.party), 0)"
    " FROM queue_rides r JOIN n ON n.i <= r.last_seq"
    " LEFT JOIN queue_entries e ON e.ride = r.ride AND e.status = 1"
    "  AND e.seq > n.i - (n.i & -n.i) AND e.seq <= n.i"
    " GROUP BY r.ride, n.i;",
};

static fantasy_status exec_sql(sqlite3 *h, const char *sql, const char *op) {
    int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? FANTASY_OK : fantasy__sqlite_fail(h, rc, op);
}

static fantasy_status read_version(sqlite3 *h, int *out) {
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    *out = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    fantasy_status st =
        rc == SQLITE_ROW ? FANTASY_OK : fantasy__sqlite_fail(h, rc, "read the schema version");
    (void)sqlite3_finalize(s);
    return st;
}

static fantasy_status check_not_newer(int have, const char *path) {
    if (have > FANTASY__SQLITE_SCHEMA || have < 0) {
        return fantasy__fail(FANTASY_EINVAL,
                             "sqlite open %s: the file has schema version %d, but this library "
                             "knows versions up to %d (written by a newer release?)",
                             path, have, FANTASY__SQLITE_SCHEMA);
    }
    return FANTASY_OK;
}

/* Run the steps from `from` to `target`, then stamp the version. Inside the write lock. */
static fantasy_status run_steps(sqlite3 *h, int from, int target) {
    fantasy_status st = FANTASY_OK;
    for (int v = from; v < target && v < FANTASY__SQLITE_SCHEMA && st == FANTASY_OK; v++) {
        char op[64];
        (void)snprintf(op, sizeof op, "migrate schema %d to %d", v, v + 1);
        st = exec_sql(h, steps[v], op);
    }
    if (st == FANTASY_OK && from < target) {
        char stamp[48];
        (void)snprintf(stamp, sizeof stamp, "PRAGMA user_version = %d", target);
        st = exec_sql(h, stamp, "stamp the schema version");
    }
    return st;
}

fantasy_status fantasy__sqlite_migrate(sqlite3 *db, int target, const char *path) {
    int have = 0;
    fantasy_status st = read_version(db, &have);
    if (st == FANTASY_OK) {
        st = check_not_newer(have, path);
    }
    if (st != FANTASY_OK || have >= target) {
        return st;
    }
    /* Several processes may open an old file at once: the first to take the lock migrates, the
     * others find the new version when they get it. */
    st = exec_sql(db, "BEGIN IMMEDIATE", "lock the file to migrate it");
    if (st != FANTASY_OK) {
        return st;
    }
    st = read_version(db, &have);
    if (st == FANTASY_OK) {
        st = check_not_newer(have, path);
    }
    if (st == FANTASY_OK) {
        st = run_steps(db, have, target);
    }
    if (st == FANTASY_OK) {
        st = exec_sql(db, "COMMIT", "commit the migration");
    }
    if (st != FANTASY_OK) {
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    return st;
}
