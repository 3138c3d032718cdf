/* The SQLite queue store (PORTS.md, queue store).
 *
 * `queue_entries` holds every entry; `queue_rides` each ride's last seq and counts, so a join
 * takes its seq and counts reads with one keyed row. A partial unique index on (ride, user) over
 * WAITING and CALLED entries makes "one active entry per user and ride" a property of the file,
 * on top of the check each join makes under the write lock.
 *
 * position reads a per-ride Fenwick tree over seq (queue_fenwick, see "the rank tree"): the
 * rank and the people ahead are prefix sums of at most log2(seq) + 1 rows, each found by its
 * primary key, so O(log n) row reads (O(log² n) page steps). A join adds one node (two prefix
 * sums to seed it); a call or finish of a WAITING entry updates at most log2(n) + 1 nodes. */
#include <inttypes.h>
#include <string.h>

#include "fantasy/backends/sqlite.h"

#include "backends/sqlite/db.h"
#include "backends/sqlite/store.h"
#include "core/error.h"

#define STORE_LIVE 0x71716c73u /* "sqlq" */
#define ACTIVE     (FANTASY_ENTRY_WAITING | FANTASY_ENTRY_CALLED)

enum {
    Q_ENTRY,
    Q_ACTIVE,
    Q_JOIN_RIDE,
    Q_ADD,
    Q_WAITING,
    Q_CALL,
    Q_RIDE_ADD,
    Q_FINISH,
    Q_LIST_ONE,
    Q_LIST_MASK,
    Q_DUE,
    Q_COUNTS,
    Q_LAST_SEQ,
    Q_FEN_GET,
    Q_FEN_ADD,
    Q_FEN_NEW,
    Q_N
};

static const char *const queue_sql[Q_N] = {
    [Q_ENTRY] = "SELECT ride, user, party, status, seq, joined_at, called_at, call_expires_at, "
                "finished_at FROM queue_entries WHERE id = ?1",
    [Q_ACTIVE] = "SELECT 1 FROM queue_entries WHERE ride = ?1 AND user = ?2 AND status IN (1, 2)",
    [Q_JOIN_RIDE] = "INSERT INTO queue_rides(ride, last_seq, waiting, called, waiting_people) "
                    "VALUES(?1, 1, 1, 0, ?2) ON CONFLICT(ride) DO UPDATE SET last_seq = last_seq "
                    "+ 1, waiting = waiting + 1, waiting_people = waiting_people + "
                    "excluded.waiting_people RETURNING last_seq",
    [Q_ADD] = "INSERT INTO queue_entries(id, ride, user, party, status, seq, joined_at) "
              "VALUES(?1, ?2, ?3, ?4, 1, ?5, ?6)",
    [Q_WAITING] = "SELECT id, seq, party FROM queue_entries WHERE ride = ?1 AND status = 1 ORDER "
                  "BY seq LIMIT ?2",
    [Q_CALL] = "UPDATE queue_entries SET status = 2, called_at = ?2, call_expires_at = ?3 WHERE "
               "id = ?1 RETURNING seq, party",
    [Q_RIDE_ADD] = "UPDATE queue_rides SET waiting = waiting + ?2, called = called + ?3, "
                   "waiting_people = waiting_people + ?4 WHERE ride = ?1",
    [Q_FINISH] = "UPDATE queue_entries SET status = ?2, finished_at = ?3 WHERE id = ?1",
    [Q_LIST_ONE] = "SELECT id, seq FROM queue_entries WHERE ride = ?1 AND status = ?2 AND seq > "
                   "?3 ORDER BY seq LIMIT ?4",
    [Q_LIST_MASK] = "SELECT id, seq FROM queue_entries WHERE ride = ?1 AND seq > ?3 AND (status & "
                    "?2) != 0 ORDER BY seq LIMIT ?4",
    [Q_DUE] = "SELECT id, seq FROM queue_entries WHERE status = 2 AND call_expires_at <= ?1 ORDER "
              "BY call_expires_at LIMIT ?2",
    [Q_COUNTS] = "SELECT waiting, called, waiting_people FROM queue_rides WHERE ride = ?1",
    [Q_LAST_SEQ] = "SELECT last_seq FROM queue_rides WHERE ride = ?1",
    [Q_FEN_GET] = "SELECT cnt, people FROM queue_fenwick WHERE ride = ?1 AND idx = ?2",
    [Q_FEN_ADD] = "UPDATE queue_fenwick SET cnt = cnt + ?2, people = people + ?3 WHERE ride = ?1 "
                  "AND idx = ?4",
    [Q_FEN_NEW] = "INSERT INTO queue_fenwick(ride, idx, cnt, people) VALUES(?1, ?2, ?3, ?4)",
};

static const fantasy__sqlite_store_kind store_kind = {
    .open_fn = "fantasy_sqlite_queue_store_open",
    .who = "sqlite queue store",
    .magic = STORE_LIVE,
    .sql = queue_sql,
    .n_sql = Q_N,
    .size = sizeof(fantasy__sqlite_store),
};

typedef fantasy__sqlite_store store;

static fantasy_status check_store(const store *s, const char *fn) {
    return fantasy__sqlite_store_check(s, &store_kind, fn);
}

static fantasy_status bad_id(const char *what, const char *id) {
    return fantasy__sqlite_bad_id(store_kind.who, what, id);
}

/* Bind ?2.. as integers and run a statement that returns no rows. */
static fantasy_status exec_ints(fantasy__sqlite_conn *c, size_t i, const char *key,
                                const int64_t *v, int n, const char *op) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, i, key, op, &s);
    for (int k = 0; k < n && st == FANTASY_OK; k++) {
        st = fantasy__sqlite_bind_int(c, s, k + 2, v[k], op);
    }
    return st ? st : fantasy__sqlite_exec_stmt(c, s, op);
}

/* Add to the ride's counters. */
static fantasy_status ride_add(fantasy__sqlite_conn *c, const char *ride, int64_t waiting,
                               int64_t called, int64_t people, const char *op) {
    const int64_t v[3] = { waiting, called, people };
    return exec_ints(c, Q_RIDE_ADD, ride, v, 3, op);
}

/* The entry `id` into *out (entry_id included); FANTASY_ENOTFOUND when there is none. */
static fantasy_status read_entry(fantasy__sqlite_conn *c, const char *id, const char *op,
                                 fantasy_queue_entry *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    memset(out, 0, sizeof *out);
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_ENTRY, id, op, &s);
    st = st ? st : fantasy__sqlite_step(c, s, op, &row);
    if (st != FANTASY_OK) {
        return st;
    }
    if (!row) {
        return fantasy__fail(FANTASY_ENOTFOUND, "sqlite queue store: no entry '%s'", id);
    }
    (void)memcpy(out->entry_id, id, strlen(id) + 1); /* checked shorter than FANTASY_ID_MAX */
    fantasy__sqlite_column_copy(s, 0, out->ride_id, sizeof out->ride_id);
    fantasy__sqlite_column_copy(s, 1, out->user_id, sizeof out->user_id);
    out->party_size = sqlite3_column_int64(s, 2);
    out->status = (fantasy_entry_status)sqlite3_column_int(s, 3);
    out->seq = sqlite3_column_int64(s, 4);
    out->joined_at_ms = sqlite3_column_int64(s, 5);
    out->called_at_ms = sqlite3_column_int64(s, 6);
    out->call_expires_at_ms = sqlite3_column_int64(s, 7);
    out->finished_at_ms = sqlite3_column_int64(s, 8);
    return FANTASY_OK;
}

/* ---- the rank tree --------------------------------------------------------------------- */

/* Per ride, a Fenwick tree over seq of the WAITING entries' count and party sizes: node i (a row
 * of queue_fenwick) holds the sums over seq (i - lowbit(i), i]. A prefix sum reads at most
 * log2(seq) + 1 rows, an update writes as many; each row is one B-tree lookup. */

static int64_t lowbit(int64_t i) {
    return i & -i;
}

/* Sums over seq 1..i. */
static fantasy_status fen_prefix(fantasy__sqlite_conn *c, const char *ride, int64_t i, int64_t *cnt,
                                 int64_t *people) {
    *cnt = 0;
    *people = 0;
    fantasy_status st = FANTASY_OK;
    for (int64_t j = i; j > 0 && st == FANTASY_OK; j -= lowbit(j)) {
        sqlite3_stmt *s = NULL;
        int row = 0;
        st = fantasy__sqlite_stmt_key(c, Q_FEN_GET, ride, "rank", &s);
        st = st ? st : fantasy__sqlite_bind_int(c, s, 2, j, "rank");
        st = st ? st : fantasy__sqlite_step(c, s, "rank: read node", &row);
        if (st == FANTASY_OK && row) {
            *cnt += sqlite3_column_int64(s, 0);
            *people += sqlite3_column_int64(s, 1);
        }
    }
    return st;
}

/* Add to position i, through every node up to the ride's last seq that covers it. */
static fantasy_status fen_add(fantasy__sqlite_conn *c, const char *ride, int64_t i, int64_t last,
                              int64_t cnt, int64_t people) {
    fantasy_status st = FANTASY_OK;
    for (int64_t j = i; j > 0 && j <= last && st == FANTASY_OK; j += lowbit(j)) {
        const int64_t v[3] = { cnt, people, j };
        st = exec_ints(c, Q_FEN_ADD, ride, v, 3, "rank: update node");
    }
    return st;
}

/* The node of a new last seq: the sums over the older positions it covers, plus itself. */
static fantasy_status fen_append(fantasy__sqlite_conn *c, const char *ride, int64_t seq,
                                 int64_t party) {
    int64_t c_hi = 0;
    int64_t p_hi = 0;
    int64_t c_lo = 0;
    int64_t p_lo = 0;
    fantasy_status st = fen_prefix(c, ride, seq - 1, &c_hi, &p_hi);
    st = st ? st : fen_prefix(c, ride, seq - lowbit(seq), &c_lo, &p_lo);
    const int64_t v[3] = { seq, c_hi - c_lo + 1, p_hi - p_lo + party };
    return st ? st : exec_ints(c, Q_FEN_NEW, ride, v, 3, "rank: add node");
}

static fantasy_status last_seq(fantasy__sqlite_conn *c, const char *ride, int64_t *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_LAST_SEQ, ride, "last seq", &s);
    st = st ? st : fantasy__sqlite_step(c, s, "last seq", &row);
    *out = st == FANTASY_OK && row ? sqlite3_column_int64(s, 0) : 0;
    return st;
}

/* ---- enqueue ----------------------------------------------------------------------------- */

static fantasy_status check_join(const fantasy_queue_join *j) {
    if (!fantasy__sqlite_id_ok(j->entry_id)) {
        return bad_id("entry id", j->entry_id);
    }
    if (!fantasy__sqlite_id_ok(j->ride_id)) {
        return bad_id("ride id", j->ride_id);
    }
    if (!fantasy__sqlite_id_ok(j->user_id)) {
        return bad_id("user id", j->user_id);
    }
    if (j->party_size <= 0) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite queue store: entry '%s': party size %" PRId64,
                             j->entry_id, j->party_size);
    }
    return FANTASY_OK;
}

static fantasy_status replay(const fantasy_queue_entry *old, const fantasy_queue_join *j,
                             int64_t *seq_out) {
    if (strcmp(old->ride_id, j->ride_id) != 0 || strcmp(old->user_id, j->user_id) != 0 ||
        old->party_size != j->party_size) {
        return fantasy__fail(FANTASY_ECONFLICT,
                             "sqlite queue store: entry '%s' exists with other arguments",
                             j->entry_id);
    }
    *seq_out = old->seq;
    return FANTASY_OK;
}

static fantasy_status check_not_queued(fantasy__sqlite_conn *c, const fantasy_queue_join *j) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_ACTIVE, j->ride_id, "enqueue", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, j->user_id, "enqueue");
    st = st ? st : fantasy__sqlite_step(c, s, "enqueue: find active entry", &row);
    if (st == FANTASY_OK && row) {
        st = fantasy__fail(FANTASY_EQUEUED, "sqlite queue store: user '%s' already in '%s'",
                           j->user_id, j->ride_id);
    }
    return st;
}

/* Count the join in the ride's row and take the next seq. */
static fantasy_status next_seq(fantasy__sqlite_conn *c, const fantasy_queue_join *j, int64_t *seq) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_JOIN_RIDE, j->ride_id, "enqueue", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, j->party_size, "enqueue");
    st = st ? st : fantasy__sqlite_step(c, s, "enqueue: next seq", &row);
    if (st == FANTASY_OK && !row) {
        st = fantasy__fail(FANTASY_EBACKEND, "sqlite queue store: enqueue: no seq returned");
    }
    *seq = st == FANTASY_OK ? sqlite3_column_int64(s, 0) : 0;
    (void)sqlite3_reset(s); /* RETURNING finishes its write at reset */
    return st;
}

static fantasy_status add_entry(fantasy__sqlite_conn *c, const fantasy_queue_join *j, int64_t seq) {
    sqlite3_stmt *s = NULL;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_ADD, j->entry_id, "enqueue", &s);
    st = st ? st : fantasy__sqlite_bind_text(c, s, 2, j->ride_id, "enqueue");
    st = st ? st : fantasy__sqlite_bind_text(c, s, 3, j->user_id, "enqueue");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, j->party_size, "enqueue");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 5, seq, "enqueue");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 6, j->now_ms, "enqueue");
    return st ? st : fantasy__sqlite_exec_stmt(c, s, "enqueue: add entry");
}

static fantasy_status enqueue_in(fantasy__sqlite_conn *c, const fantasy_queue_join *j,
                                 int64_t *seq_out) {
    fantasy_queue_entry old;
    fantasy_status st = read_entry(c, j->entry_id, "enqueue", &old);
    if (st == FANTASY_OK) {
        return replay(&old, j, seq_out);
    }
    if (st != FANTASY_ENOTFOUND) {
        return st;
    }
    int64_t seq = 0;
    st = check_not_queued(c, j);
    st = st ? st : next_seq(c, j, &seq);
    st = st ? st : fen_append(c, j->ride_id, seq, j->party_size);
    st = st ? st : add_entry(c, j, seq);
    *seq_out = st == FANTASY_OK ? seq : 0;
    return st;
}

static fantasy_status enqueue(void *self, const fantasy_queue_join *j, int64_t *seq_out) {
    store *s = self;
    fantasy_status st = check_store(s, "enqueue");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!j || !seq_out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: enqueue: NULL argument");
    }
    *seq_out = 0;
    st = check_join(j);
    if (st != FANTASY_OK) {
        return st;
    }
    fantasy__sqlite_conn *c = NULL;
    int64_t seq = 0;
    st = fantasy__sqlite_acquire(s->db, "enqueue", &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, "enqueue: begin");
        st = st ? st : enqueue_in(c, j, &seq);
        st = fantasy__sqlite_end(c, st, "enqueue: commit");
    }
    fantasy__sqlite_release(s->db, c);
    *seq_out = st == FANTASY_OK ? seq : 0;
    return st;
}

/* ---- reads of one entry ------------------------------------------------------------------ */

static fantasy_status entry_get(void *self, const char *entry_id, fantasy_queue_entry *out) {
    store *s = self;
    fantasy_status st = check_store(s, "entry");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: entry: NULL out");
    }
    memset(out, 0, sizeof *out);
    if (!fantasy__sqlite_id_ok(entry_id)) {
        return bad_id("entry id", entry_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "entry", &c);
    st = st ? st : read_entry(c, entry_id, "entry", out);
    fantasy__sqlite_release(s->db, c);
    if (st != FANTASY_OK) {
        memset(out, 0, sizeof *out);
    }
    return st;
}

static fantasy_status rank_in(fantasy__sqlite_conn *c, const char *entry_id, int64_t *pos,
                              int64_t *ahead) {
    fantasy_queue_entry e;
    fantasy_status st = read_entry(c, entry_id, "position", &e);
    if (st == FANTASY_OK && e.status != FANTASY_ENTRY_WAITING) {
        st = fantasy__fail(FANTASY_ESTATE, "sqlite queue store: entry '%s' is not waiting",
                           entry_id);
    }
    int64_t people = 0;
    st = st ? st : fen_prefix(c, e.ride_id, e.seq, pos, &people); /* counts the entry itself */
    *ahead = people - e.party_size;
    return st;
}

static fantasy_status position(void *self, const char *entry_id, int64_t *pos,
                               int64_t *people_ahead) {
    store *s = self;
    fantasy_status st = check_store(s, "position");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!pos || !people_ahead) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: position: NULL out");
    }
    *pos = 0;
    *people_ahead = 0;
    if (!fantasy__sqlite_id_ok(entry_id)) {
        return bad_id("entry id", entry_id);
    }
    fantasy__sqlite_conn *c = NULL;
    int64_t p = 0;
    int64_t a = 0;
    st = fantasy__sqlite_acquire(s->db, "position", &c);
    if (st == FANTASY_OK) { /* one snapshot: the entry's status and its rank agree */
        st = fantasy__sqlite_begin_read(c, "position: begin");
        st = st ? st : rank_in(c, entry_id, &p, &a);
        st = fantasy__sqlite_end(c, st, "position: end");
    }
    fantasy__sqlite_release(s->db, c);
    if (st == FANTASY_OK) {
        *pos = p;
        *people_ahead = a;
    }
    return st;
}

/* ---- call -------------------------------------------------------------------------------- */

/* List the WAITING entries that fit, front first, stopping at the first that does not. Changes
 * nothing: the rows are updated once the scan is over. *people gets their party total. */
static fantasy_status call_pick(fantasy__sqlite_conn *c, const char *ride, int64_t capacity,
                                fantasy_list *out, int64_t *people) {
    sqlite3_stmt *s = NULL;
    int row = 1;
    int64_t left = capacity;
    *people = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_WAITING, ride, "call", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, capacity, "call"); /* parties are ≥ 1 */
    while (st == FANTASY_OK) {
        st = fantasy__sqlite_step(c, s, "call: waiting entries", &row);
        if (st != FANTASY_OK || !row || sqlite3_column_int64(s, 2) > left) {
            break;
        }
        int64_t party = sqlite3_column_int64(s, 2);
        st = fantasy_list_add(out, (const char *)sqlite3_column_text(s, 0),
                              sqlite3_column_int64(s, 1));
        left -= party;
        *people += party;
    }
    (void)sqlite3_reset(s);
    return st;
}

/* Mark one picked entry CALLED and take it out of the rank tree. */
static fantasy_status mark_called(fantasy__sqlite_conn *c, const char *ride, const char *id,
                                  const int64_t *times, int64_t last) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_CALL, id, "call", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, times[0], "call");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 3, times[1], "call");
    st = st ? st : fantasy__sqlite_step(c, s, "call: mark called", &row);
    int64_t seq = row ? sqlite3_column_int64(s, 0) : 0;
    int64_t party = row ? sqlite3_column_int64(s, 1) : 0;
    (void)sqlite3_reset(s); /* RETURNING finishes its write at reset */
    return st ? st : fen_add(c, ride, seq, last, -1, -party);
}

static fantasy_status call_in(fantasy__sqlite_conn *c, const char *ride, int64_t capacity,
                              int64_t now_ms, int64_t expires, fantasy_list *out) {
    size_t first = fantasy_list_size(out);
    int64_t people = 0;
    int64_t last = 0;
    fantasy_status st = call_pick(c, ride, capacity, out, &people);
    st = st ? st : last_seq(c, ride, &last);
    size_t n = fantasy_list_size(out) - first;
    const int64_t times[2] = { now_ms, expires };
    for (size_t i = first; i < first + n && st == FANTASY_OK; i++) {
        st = mark_called(c, ride, fantasy_list_str(out, i), times, last);
    }
    if (st == FANTASY_OK && n > 0) {
        st = ride_add(c, ride, -(int64_t)n, (int64_t)n, -people, "call: counts");
    }
    return st;
}

static fantasy_status call(void *self, const char *ride_id, int64_t capacity, int64_t now_ms,
                           int64_t call_expires_at_ms, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_store(s, "call");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: call: NULL list");
    }
    if (!fantasy__sqlite_id_ok(ride_id)) {
        return bad_id("ride id", ride_id);
    }
    if (capacity < 0) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite queue store: call '%s': capacity %" PRId64,
                             ride_id, capacity);
    }
    if (capacity == 0) {
        return FANTASY_OK;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "call", &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, "call: begin");
        st = st ? st : call_in(c, ride_id, capacity, now_ms, call_expires_at_ms, out);
        st = fantasy__sqlite_end(c, st, "call: commit");
    }
    fantasy__sqlite_release(s->db, c);
    return st;
}

/* ---- finish ------------------------------------------------------------------------------ */

static fantasy_status finish_in(fantasy__sqlite_conn *c, const char *entry_id, unsigned from_mask,
                                fantasy_entry_status to, int64_t now_ms) {
    fantasy_queue_entry e;
    fantasy_status st = read_entry(c, entry_id, "finish", &e);
    if (st != FANTASY_OK || e.status == to) {
        return st;
    }
    if (!((unsigned)e.status & from_mask)) {
        return fantasy__fail(FANTASY_ESTATE, "sqlite queue store: entry '%s' is in state %d",
                             entry_id, (int)e.status);
    }
    const int64_t v[2] = { (int64_t)to, now_ms };
    st = exec_ints(c, Q_FINISH, entry_id, v, 2, "finish");
    if (st != FANTASY_OK) {
        return st;
    }
    if (e.status != FANTASY_ENTRY_WAITING) {
        return ride_add(c, e.ride_id, 0, -1, 0, "finish");
    }
    int64_t last = 0;
    st = last_seq(c, e.ride_id, &last);
    st = st ? st : fen_add(c, e.ride_id, e.seq, last, -1, -e.party_size);
    return st ? st : ride_add(c, e.ride_id, -1, 0, -e.party_size, "finish");
}

static fantasy_status finish(void *self, const char *entry_id, unsigned from_mask,
                             fantasy_entry_status to, int64_t now_ms) {
    store *s = self;
    fantasy_status st = check_store(s, "finish");
    if (st != FANTASY_OK) {
        return st;
    }
    if (to != FANTASY_ENTRY_DONE && to != FANTASY_ENTRY_CANCELED && to != FANTASY_ENTRY_NO_SHOW) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite queue store: finish to status %d", (int)to);
    }
    if (from_mask & ~(unsigned)ACTIVE) {
        return fantasy__fail(FANTASY_EINVAL, "sqlite queue store: finish from mask %#x", from_mask);
    }
    if (!fantasy__sqlite_id_ok(entry_id)) {
        return bad_id("entry id", entry_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "finish", &c);
    if (st == FANTASY_OK) {
        st = fantasy__sqlite_begin_write(c, "finish: begin");
        st = st ? st : finish_in(c, entry_id, from_mask, to, now_ms);
        st = fantasy__sqlite_end(c, st, "finish: commit");
    }
    fantasy__sqlite_release(s->db, c);
    return st;
}

/* ---- lists and counts -------------------------------------------------------------------- */

static int single_bit(unsigned mask) {
    return mask != 0 && (mask & (mask - 1)) == 0;
}

/* One status walks the (ride, status, seq) index; a mix walks (ride, seq) and filters. */
static fantasy_status list_in(fantasy__sqlite_conn *c, const char *ride, unsigned mask,
                              int64_t after_seq, size_t limit, fantasy_list *out) {
    sqlite3_stmt *s = NULL;
    int64_t lim = limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
    fantasy_status st =
        fantasy__sqlite_stmt_key(c, single_bit(mask) ? Q_LIST_ONE : Q_LIST_MASK, ride, "list", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, (int64_t)mask, "list");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 3, after_seq < 0 ? 0 : after_seq, "list");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 4, lim, "list");
    return st ? st : fantasy__sqlite_collect(c, s, "list", out);
}

static fantasy_status list(void *self, const char *ride_id, unsigned mask, int64_t after_seq,
                           size_t limit, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_store(s, "list");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: list: NULL list");
    }
    if (!fantasy__sqlite_id_ok(ride_id)) {
        return bad_id("ride id", ride_id);
    }
    if (mask == 0 || limit == 0) {
        return FANTASY_OK;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "list", &c);
    st = st ? st : list_in(c, ride_id, mask, after_seq, limit, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

static fantasy_status due_in(fantasy__sqlite_conn *c, int64_t now_ms, size_t max,
                             fantasy_list *out) {
    sqlite3_stmt *s = NULL;
    int64_t lim = max > INT64_MAX ? INT64_MAX : (int64_t)max;
    fantasy_status st = fantasy__sqlite_stmt(c, Q_DUE, "due_calls", &s);
    st = st ? st : fantasy__sqlite_bind_int(c, s, 1, now_ms, "due_calls");
    st = st ? st : fantasy__sqlite_bind_int(c, s, 2, lim, "due_calls");
    return st ? st : fantasy__sqlite_collect(c, s, "due_calls", out);
}

static fantasy_status due_calls(void *self, int64_t now_ms, size_t max, fantasy_list *out) {
    store *s = self;
    fantasy_status st = check_store(s, "due_calls");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: due_calls: NULL list");
    }
    if (max == 0) {
        return FANTASY_OK;
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "due_calls", &c);
    st = st ? st : due_in(c, now_ms, max, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

static fantasy_status counts_in(fantasy__sqlite_conn *c, const char *ride,
                                fantasy_queue_counts *out) {
    sqlite3_stmt *s = NULL;
    int row = 0;
    fantasy_status st = fantasy__sqlite_stmt_key(c, Q_COUNTS, ride, "counts", &s);
    st = st ? st : fantasy__sqlite_step(c, s, "counts", &row);
    if (st == FANTASY_OK && row) {
        out->waiting = sqlite3_column_int64(s, 0);
        out->called = sqlite3_column_int64(s, 1);
        out->waiting_people = sqlite3_column_int64(s, 2);
    }
    return st;
}

static fantasy_status counts(void *self, const char *ride_id, fantasy_queue_counts *out) {
    store *s = self;
    fantasy_status st = check_store(s, "counts");
    if (st != FANTASY_OK) {
        return st;
    }
    if (!out) {
        return fantasy__fail(FANTASY_EMISUSE, "sqlite queue store: counts: NULL out");
    }
    memset(out, 0, sizeof *out);
    if (!fantasy__sqlite_id_ok(ride_id)) {
        return bad_id("ride id", ride_id);
    }
    fantasy__sqlite_conn *c = NULL;
    st = fantasy__sqlite_acquire(s->db, "counts", &c);
    st = st ? st : counts_in(c, ride_id, out);
    fantasy__sqlite_release(s->db, c);
    return st;
}

/* ---- open and destroy -------------------------------------------------------------------- */

static void destroy(void *self) {
    fantasy__sqlite_store_destroy(self, &store_kind);
}

FANTASY_API fantasy_status fantasy_sqlite_queue_store_open(const char *path,
                                                           const fantasy_allocator *alloc,
                                                           fantasy_queue_store *out) {
    store *s = NULL;
    fantasy_status st = fantasy__sqlite_store_open(&store_kind, path, alloc, out, sizeof *out, &s);
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
