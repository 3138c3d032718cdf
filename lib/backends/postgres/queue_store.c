/* The PostgreSQL queue store (PORTS.md, queue store).
 *
 * Entries are rows of fantasy_entries; fantasy_rides holds each ride's last seq. A join is one
 * call of fantasy_enqueue, which takes the ride row's lock (so seq numbers follow commit order)
 * and relies on the partial unique index on (ride, user) over WAITING and CALLED entries to keep
 * one active entry per user and ride. call locks the ride row too and walks the WAITING entries
 * in seq order; finish is one call of fantasy_queue_finish, which locks the ride row first when
 * the entry leaves WAITING.
 *
 * position reads the ride's Fenwick tree over seq (fantasy_queue_tree, schema step 5): the rank
 * and the people ahead are the prefix sums up to seq - 1, at most log2(seq) + 1 nodes fetched by
 * primary key in one statement, so O(log n) index lookups (each O(log n) page steps) and one
 * snapshot for the entry and its nodes. The tree is kept in the transaction of every status
 * change that adds or removes a WAITING entry, under the ride row's lock: a join appends its node
 * (O(log n) reads, one insert), a leave from WAITING updates O(log n) nodes, a call of k entries
 * at most k·(log2(n) + 1), shared upper nodes once. The tree keeps a node per seq ever handed
 * out (it does not shrink). counts aggregates the ride's active entries through the (ride, user)
 * partial index: O(active entries). */
#include <inttypes.h>
#include <string.h>

#include "fantasy/backends/postgres.h"

#include "backends/postgres/pool.h"
#include "backends/postgres/store.h"
#include "core/alloc.h"
#include "core/error.h"

#define STORE_LIVE 0x70677173u /* "pgqs" */
#define ACTIVE     (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED)

static const char who[] = "postgres queue store";

enum {
    ST_ENQUEUE,
    ST_ENTRY,
    ST_POSITION,
    ST_CALL,
    ST_FINISH,
    ST_LIST,
    ST_DUE,
    ST_COUNTS
};

static const fantasy__pg_stmt stmts[] = {
    [ST_ENQUEUE] = { "qs_enqueue",
                     "SELECT code, out_seq FROM fantasy_enqueue($1::bytea, $2::bytea, $3::bytea,"
                     " $4::int8, $5::int8)",
                     5 },
    [ST_ENTRY] = { "qs_entry",
                   "SELECT ride, user_id, party, status, seq, joined_at, called_at,"
                   " call_expires_at, finished_at FROM fantasy_entries WHERE id = $1::bytea",
                   1 },
    [ST_POSITION] = { "qs_position",
                      "SELECT e.status, coalesce(sum(t.cnt), 0)::int8,"
                      " coalesce(sum(t.people), 0)::int8 FROM fantasy_entries e"
                      " LEFT JOIN fantasy_queue_tree t ON t.ride = e.ride AND"
                      " t.idx = ANY (fantasy_rank_down(e.seq - 1, 0))"
                      " WHERE e.id = $1::bytea GROUP BY e.id, e.status",
                      1 },
    [ST_CALL] = { "qs_call",
                  "SELECT entry_id, entry_seq FROM fantasy_queue_call($1::bytea, $2::int8, "
                  "$3::int8,"
                  " $4::int8)",
                  4 },
    [ST_FINISH] = { "qs_finish",
                    "SELECT code, cur FROM fantasy_queue_finish($1::bytea, $2::int8, $3::int8,"
                    " $4::int8)",
                    4 },
    [ST_LIST] = { "qs_list",
                  "SELECT id, seq FROM fantasy_entries WHERE ride = $1::bytea AND seq > $2::int8"
                  " AND (status::int8 & $3::int8) <> 0 ORDER BY seq LIMIT $4::int8",
                  4 },
    [ST_DUE] = { "qs_due",
                 "SELECT id, seq FROM fantasy_entries WHERE status = 2 AND"
                 " call_expires_at <= $1::int8 ORDER BY call_expires_at, id LIMIT $2::int8",
                 2 },
    [ST_COUNTS] = { "qs_counts",
                    "SELECT count(*) FILTER (WHERE status = 1), count(*) FILTER (WHERE status = 2),"
                    " coalesce(sum(party) FILTER (WHERE status = 1), 0)::int8 FROM fantasy_entries"
                    " WHERE ride = $1::bytea AND status IN (1, 2)",
                    1 },
};

/* fantasy_enqueue's codes. */
enum {
    JOIN_OK = 0,
    JOIN_CONFLICT = 4,
    JOIN_QUEUED = 8
};

/* fantasy_queue_finish's codes. */
enum {
    FINISH_OK = 0,
    FINISH_NONE = 1,
    FINISH_STATE = 2
};

static const fantasy__pg_store_kind store_kind = { "fantasy_postgres_queue_store_open", who,
                                                   STORE_LIVE, stmts,
                                                   sizeof stmts / sizeof stmts[0] };

typedef fantasy__pg_store store;

static fantasy_status check_store(const store *s) {
    return fantasy__pg_store_check(s, &store_kind);
}

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__pg_bad_id(who, what, id);
}

static fantasy_status check_id(const store *s, const char *what, const char *id) {
    return fantasy__pg_store_check_id(s, &store_kind, what, id);
}

static int64_t clamp(size_t n) {
    return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

/* ---- enqueue ----------------------------------------------------------------------------- */

static fantasy_status take_join(PGresult *r, fantasy__pg_one *x) {
    int64_t code = fantasy__pg_int(r, 0, 0);
    const fantasy_queue_join *j = x->arg;
    switch (code) {
    case JOIN_OK:
        x->num = fantasy__pg_int(r, 0, 1);
        return FANTASY_OK;
    case JOIN_CONFLICT:
        return fantasy__fail(FANTASY_ECONFLICT, "%s: entry '%s' exists with other arguments", who,
                             j->entry_id);
    case JOIN_QUEUED:
        return fantasy__fail(FANTASY_EQUEUED, "%s: user '%s' already in '%s'", who, j->user_id,
                             j->ride_id);
    default:
        return fantasy__fail(FANTASY_EBACKEND, "%s: fantasy_enqueue answered %" PRId64, who, code);
    }
}

static fantasy_status check_join(const fantasy_queue_join *j) {
    if (!fantasy__pg_id_ok(j->entry_id)) {
        return bad_id("entry id", j->entry_id);
    }
    if (!fantasy__pg_id_ok(j->ride_id)) {
        return bad_id("ride id", j->ride_id);
    }
    if (!fantasy__pg_id_ok(j->user_id)) {
        return bad_id("user id", j->user_id);
    }
    if (j->party_size <= 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s: entry '%s': party size %" PRId64, who,
                             j->entry_id, j->party_size);
    }
    return FANTASY_OK;
}

static fantasy_status enqueue(void *self, const fantasy_queue_join *j, int64_t *seq_out) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!j || !seq_out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: enqueue: NULL argument", who);
    }
    *seq_out = 0;
    st = check_join(j);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_ENQUEUE, .take = take_join, .arg = j };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, j->entry_id);
    fantasy__pg_param_str(&x.p, j->ride_id);
    fantasy__pg_param_str(&x.p, j->user_id);
    fantasy__pg_param_i64(&x.p, j->party_size);
    fantasy__pg_param_i64(&x.p, j->now_ms);
    st = fantasy__pg_one_run(s, &x);
    if (st == FANTASY_OK) {
        *seq_out = x.num;
    }
    return st;
}

/* ---- reads of one entry ------------------------------------------------------------------ */

static fantasy_status take_entry(PGresult *r, fantasy__pg_one *x) {
    if (PQntuples(r) != 1) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no entry '%s'", who, x->id);
    }
    fantasy_queue_entry *e = x->out;
    memcpy(e->entry_id, x->id, strlen(x->id) + 1); /* checked shorter than FANTASY_ID_MAX */
    fantasy__pg_copy(r, 0, 0, e->ride_id, sizeof e->ride_id);
    fantasy__pg_copy(r, 0, 1, e->user_id, sizeof e->user_id);
    e->party_size = fantasy__pg_int(r, 0, 2);
    e->status = (fantasy_entry_status)fantasy__pg_int(r, 0, 3);
    e->seq = fantasy__pg_int(r, 0, 4);
    e->joined_at_ms = fantasy__pg_int(r, 0, 5);
    e->called_at_ms = fantasy__pg_int(r, 0, 6);
    e->call_expires_at_ms = fantasy__pg_int(r, 0, 7);
    e->finished_at_ms = fantasy__pg_int(r, 0, 8);
    return FANTASY_OK;
}

static fantasy_status entry_get(void *self, const char *entry_id, fantasy_queue_entry *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: entry: NULL out", who);
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_id(s, "entry id", entry_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_ENTRY, .take = take_entry, .out = out, .id = entry_id };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, entry_id);
    return fantasy__pg_one_read(s, &x, sizeof *out);
}

static fantasy_status take_position(PGresult *r, fantasy__pg_one *x) {
    if (PQntuples(r) != 1) {
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no entry '%s'", who, x->id);
    }
    if (fantasy__pg_int(r, 0, 0) != FANTASY_ENTRY_WAITING) {
        return fantasy__fail(FANTASY_ESTATE, "%s: entry '%s' is not waiting", who, x->id);
    }
    x->num = fantasy__pg_int(r, 0, 1) + 1;
    x->num2 = fantasy__pg_int(r, 0, 2);
    return FANTASY_OK;
}

static fantasy_status position(void *self, const char *entry_id, int64_t *pos,
                               int64_t *people_ahead) {
    store *s = self;
    if (!pos || !people_ahead) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: position: NULL out", who);
    }
    *pos = 0;
    *people_ahead = 0;
    fantasy_status st = check_id(s, "entry id", entry_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_POSITION, .take = take_position, .id = entry_id };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, entry_id);
    st = fantasy__pg_one_run(s, &x);
    if (st == FANTASY_OK) {
        *pos = x.num;
        *people_ahead = x.num2;
    }
    return st;
}

/* ---- call, finish ------------------------------------------------------------------------ */

static fantasy_status call(void *self, const char *ride_id, int64_t capacity, int64_t now_ms,
                           int64_t call_expires_at_ms, fantasy_list *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: call: NULL list", who);
    }
    fantasy_status st = check_id(s, "ride id", ride_id);
    if (st != FANTASY_OK) {
        return st;
    }
    if (capacity < 0) {
        return fantasy__fail(FANTASY_EINVAL, "%s: call '%s': capacity %" PRId64, who, ride_id,
                             capacity);
    }
    fantasy__pg_one x = { .stmt = ST_CALL, .take = fantasy__pg_take_list, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, ride_id);
    fantasy__pg_param_i64(&x.p, capacity);
    fantasy__pg_param_i64(&x.p, now_ms);
    fantasy__pg_param_i64(&x.p, call_expires_at_ms);
    return fantasy__pg_one_run(s, &x);
}

static fantasy_status take_finish(PGresult *r, fantasy__pg_one *x) {
    int64_t code = fantasy__pg_int(r, 0, 0);
    int64_t cur = fantasy__pg_int(r, 0, 1);
    switch (code) {
    case FINISH_OK:
        return FANTASY_OK;
    case FINISH_NONE:
        return fantasy__fail(FANTASY_ENOTFOUND, "%s: no entry '%s'", who, x->id);
    case FINISH_STATE:
        if (cur == x->num) { /* already there: a replay */
            return FANTASY_OK;
        }
        return fantasy__fail(FANTASY_ESTATE, "%s: entry '%s' is in state %" PRId64, who, x->id,
                             cur);
    default:
        return fantasy__fail(FANTASY_EBACKEND, "%s: fantasy_queue_finish answered %" PRId64, who,
                             code);
    }
}

static fantasy_status finish(void *self, const char *entry_id, unsigned from_mask,
                             fantasy_entry_status to, int64_t now_ms) {
    store *s = self;
    fantasy_status st = check_id(s, "entry id", entry_id);
    if (st != FANTASY_OK) {
        return st;
    }
    if (to != FANTASY_ENTRY_DONE && to != FANTASY_ENTRY_CANCELED && to != FANTASY_ENTRY_NO_SHOW) {
        return fantasy__fail(FANTASY_EINVAL, "%s: finish to status %d", who, (int)to);
    }
    if (from_mask & ~(unsigned)ACTIVE) {
        return fantasy__fail(FANTASY_EINVAL, "%s: finish from mask %#x", who, from_mask);
    }
    fantasy__pg_one x = {
        .stmt = ST_FINISH, .take = take_finish, .id = entry_id, .num = (int64_t)to
    };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, entry_id);
    fantasy__pg_param_i64(&x.p, (int64_t)from_mask);
    fantasy__pg_param_i64(&x.p, (int64_t)to);
    fantasy__pg_param_i64(&x.p, now_ms);
    return fantasy__pg_one_run(s, &x);
}

/* ---- lists and counts -------------------------------------------------------------------- */

static fantasy_status list(void *self, const char *ride_id, unsigned mask, int64_t after_seq,
                           size_t limit, fantasy_list *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: list: NULL list", who);
    }
    fantasy_status st = check_id(s, "ride id", ride_id);
    if (st != FANTASY_OK || mask == 0 || limit == 0) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_LIST, .take = fantasy__pg_take_list, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, ride_id);
    fantasy__pg_param_i64(&x.p, after_seq);
    fantasy__pg_param_i64(&x.p, (int64_t)mask);
    fantasy__pg_param_i64(&x.p, clamp(limit));
    return fantasy__pg_one_run(s, &x);
}

static fantasy_status due_calls(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_store(s);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: due_calls: NULL list", who);
    }
    if (max == 0) {
        return FANTASY_OK;
    }
    fantasy__pg_one x = { .stmt = ST_DUE, .take = fantasy__pg_take_list, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_i64(&x.p, now_ms);
    fantasy__pg_param_i64(&x.p, clamp(max));
    return fantasy__pg_one_run(s, &x);
}

static fantasy_status take_counts(PGresult *r, fantasy__pg_one *x) {
    fantasy_queue_counts *c = x->out;
    c->waiting = fantasy__pg_int(r, 0, 0);
    c->called = fantasy__pg_int(r, 0, 1);
    c->waiting_people = fantasy__pg_int(r, 0, 2);
    return FANTASY_OK;
}

static fantasy_status counts(void *self, const char *ride_id, fantasy_queue_counts *out) {
    store *s = self;
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "%s: counts: NULL out", who);
    }
    memset(out, 0, sizeof *out);
    fantasy_status st = check_id(s, "ride id", ride_id);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__pg_one x = { .stmt = ST_COUNTS, .take = take_counts, .out = out };
    fantasy__pg_params_init(&x.p);
    fantasy__pg_param_str(&x.p, ride_id);
    return fantasy__pg_one_read(s, &x, sizeof *out);
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void destroy(void *self) {
    fantasy__pg_store_destroy(self, STORE_LIVE);
}

FANTASY_API fantasy_status fantasy_postgres_queue_store_open(const char *conninfo,
                                                             const fantasy_allocator *alloc,
                                                             fantasy_queue_store *out) {
    store *s = NULL;
    fantasy_status st = fantasy__pg_store_open(&store_kind, conninfo, alloc, out, sizeof *out, &s);
    if (st != FANTASY_OK) {
        return st;
    }
    out->version = FANTASY_QUEUE_STORE_VERSION;
    out->self = s;
    out->enqueue = enqueue;
    out->entry = entry_get;
    out->position = position;
    out->call = call;
    out->finish = finish;
    out->list = list;
    out->due_calls = due_calls;
    out->counts = counts;
    out->destroy = destroy;
    return FANTASY_OK;
}
