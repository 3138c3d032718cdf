/* @label concurrency */
/* The memory record store locks per collection: a batch over several collections takes each
 * one's lock in one global order. Under many threads, batches that name their collections in
 * opposite orders must neither deadlock nor half-apply, a unique key must have exactly one
 * holder, racing first writes to a new collection must all land in the same one, and the
 * ordered key tree that the first key scan builds must stay right beside writers. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#define THREADS 6
#define ROUNDS  400
#define KEYS    40

static fantasy_record_store open_store(void) {
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    return rs;
}

static int64_t version_of(fantasy_record_store *rs, const char *col, const char *id) {
    int64_t v = 0;
    fantasy_status st = rs->get(rs->self, col, id, NULL, &v);
    return st == FANTASY_OK ? v : 0;
}

static int64_t count_of(fantasy_record_store *rs, const char *col, const char *key) {
    int64_t n = -1;
    assert_int_equal(rs->count(rs->self, col, key, &n), FANTASY_OK);
    return n;
}

static fantasy_record_op put_op(const char *col, const char *id, fantasy_write_mode mode,
                                int64_t expected, const char *doc, const fantasy_index_key *keys,
                                size_t n_keys) {
    fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                             .mode = mode,
                             .collection = col,
                             .id = id,
                             .expected_version = expected,
                             .doc = doc,
                             .doc_len = strlen(doc),
                             .keys = keys,
                             .n_keys = n_keys };
    return op;
}

/* ---- one counter pair kept in step across three collections ---------------------------- */

typedef struct pair_ctx {
    fantasy_record_store *rs;
    atomic_long applied;
    atomic_long bad;
} pair_ctx;

typedef struct pair_arg {
    pair_ctx *c;
    int t;
} pair_arg;

static const char *const cols3[] = { "col_a", "col_b", "col_c" };

/* Each round bumps the same document in all three collections under version checks, naming the
 * collections in an order that rotates with the thread: a lock order taken from the batch
 * would deadlock here. A lost race fails with CONFLICT and must write nothing. */
static void *pair_worker(void *p) {
    pair_arg *a = p;
    fantasy_record_store *rs = a->c->rs;
    static const fantasy_index_key keys[] = { { "bumped", 0 } };
    for (int r = 0; r < ROUNDS; r++) {
        fantasy_record_op ops[3];
        for (int k = 0; k < 3; k++) {
            const char *col = cols3[(a->t + k) % 3];
            ops[k] =
                put_op(col, "x", FANTASY_WRITE_IF_VERSION, version_of(rs, col, "x"), "{}", keys, 1);
        }
        fantasy_status st = rs->apply(rs->self, ops, 3, NULL);
        if (st == FANTASY_OK) {
            atomic_fetch_add(&a->c->applied, 1);
        } else if (st != FANTASY_ECONFLICT) {
            atomic_fetch_add(&a->c->bad, 1);
        }
    }
    return NULL;
}

static void test_batches_across_collections_stay_whole(void **state) {
    (void)state;
    fantasy_record_store rs = open_store();
    fantasy_record_op seed[3];
    for (int k = 0; k < 3; k++) {
        seed[k] = put_op(cols3[k], "x", FANTASY_WRITE_CREATE, 0, "{}", NULL, 0);
    }
    assert_int_equal(rs.apply(rs.self, seed, 3, NULL), FANTASY_OK);
    pair_ctx c = { .rs = &rs };
    atomic_init(&c.applied, 0);
    atomic_init(&c.bad, 0);
    pthread_t th[THREADS];
    pair_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (pair_arg){ &c, t };
        assert_int_equal(pthread_create(&th[t], NULL, pair_worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
    }
    assert_int_equal(atomic_load(&c.bad), 0);
    long applied = atomic_load(&c.applied);
    assert_true(applied > 0);
    /* All or nothing: every collection saw exactly the successful batches. */
    for (int k = 0; k < 3; k++) {
        assert_int_equal(version_of(&rs, cols3[k], "x"), 1 + applied);
        assert_int_equal(count_of(&rs, cols3[k], "bumped"), 1);
    }
    rs.destroy(rs.self);
}

/* ---- a unique key claimed from many threads at once -------------------------------------- */

typedef struct claim_ctx {
    fantasy_record_store *rs;
    atomic_int winners[KEYS];
    atomic_int bad;
} claim_ctx;

typedef struct claim_arg {
    claim_ctx *c;
    int t;
} claim_arg;

/* Each thread tries to claim every key with its own account document, together with a profile
 * in a second collection: exactly one claim per key may win, and a losing batch must leave no
 * profile behind. */
static void *claim_worker(void *p) {
    claim_arg *a = p;
    fantasy_record_store *rs = a->c->rs;
    for (int k = 0; k < KEYS; k++) {
        char id[32], key[32];
        (void)snprintf(id, sizeof id, "acct-%d-%d", a->t, k);
        (void)snprintf(key, sizeof key, "email:%d", k);
        const fantasy_index_key keys[] = { { key, 1 }, { "all", 0 } };
        fantasy_record_op ops[2] = {
            put_op("profiles", id, FANTASY_WRITE_CREATE, 0, "{\"p\":1}", NULL, 0),
            put_op("accounts", id, FANTASY_WRITE_CREATE, 0, "{\"a\":1}", keys, 2),
        };
        fantasy_status st = rs->apply(rs->self, ops, 2, NULL);
        if (st == FANTASY_OK) {
            atomic_fetch_add(&a->c->winners[k], 1);
        } else if (st != FANTASY_EEXISTS) {
            atomic_fetch_add(&a->c->bad, 1);
        }
    }
    return NULL;
}

static void test_unique_key_has_one_holder(void **state) {
    (void)state;
    fantasy_record_store rs = open_store();
    claim_ctx c = { .rs = &rs };
    atomic_init(&c.bad, 0);
    for (int k = 0; k < KEYS; k++) {
        atomic_init(&c.winners[k], 0);
    }
    pthread_t th[THREADS];
    claim_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (claim_arg){ &c, t };
        assert_int_equal(pthread_create(&th[t], NULL, claim_worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
    }
    assert_int_equal(atomic_load(&c.bad), 0);
    for (int k = 0; k < KEYS; k++) {
        char key[32];
        (void)snprintf(key, sizeof key, "email:%d", k);
        assert_int_equal(atomic_load(&c.winners[k]), 1);
        assert_int_equal(count_of(&rs, "accounts", key), 1);
    }
    assert_int_equal(count_of(&rs, "accounts", "all"), KEYS);
    /* Profiles exist exactly for the winning accounts. */
    for (int t = 0; t < THREADS; t++) {
        for (int k = 0; k < KEYS; k++) {
            char id[32];
            (void)snprintf(id, sizeof id, "acct-%d-%d", t, k);
            assert_int_equal(version_of(&rs, "profiles", id) != 0,
                             version_of(&rs, "accounts", id) != 0);
        }
    }
    rs.destroy(rs.self);
}

/* ---- first writes racing to create one collection ---------------------------------------- */

typedef struct fresh_arg {
    fantasy_record_store *rs;
    pthread_barrier_t *go;
    int t;
    int bad;
} fresh_arg;

static void *fresh_worker(void *p) {
    fresh_arg *a = p;
    static const fantasy_index_key keys[] = { { "k", 0 } };
    char col[32], id[32];
    (void)pthread_barrier_wait(a->go);
    for (int r = 0; r < 20; r++) {
        (void)snprintf(col, sizeof col, "fresh-%d", r);
        (void)snprintf(id, sizeof id, "doc-%d", a->t);
        fantasy_record_op op = put_op(col, id, FANTASY_WRITE_CREATE, 0, "{}", keys, 1);
        a->bad += a->rs->apply(a->rs->self, &op, 1, NULL) != FANTASY_OK;
    }
    return NULL;
}

static void test_racing_first_writes_share_one_collection(void **state) {
    (void)state;
    fantasy_record_store rs = open_store();
    pthread_barrier_t go;
    assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
    pthread_t th[THREADS];
    fresh_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (fresh_arg){ &rs, &go, t, 0 };
        assert_int_equal(pthread_create(&th[t], NULL, fresh_worker, &args[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(args[t].bad, 0);
    }
    for (int r = 0; r < 20; r++) {
        char col[32];
        (void)snprintf(col, sizeof col, "fresh-%d", r);
        assert_int_equal(count_of(&rs, col, "k"), THREADS);
    }
    (void)pthread_barrier_destroy(&go);
    rs.destroy(rs.self);
}

/* ---- readers while writers move documents between keys ---------------------------------- */

typedef struct move_ctx {
    fantasy_record_store *rs;
    atomic_int stop;
    atomic_int bad;
} move_ctx;

/* Writers flip documents between "state:a" and "state:b"; within one collection each write is
 * atomic, so a reader's count of either key never exceeds the documents there are, and every id
 * find returns is readable. */
static void *mover(void *p) {
    move_ctx *c = p;
    for (int r = 0; r < ROUNDS; r++) {
        char id[16];
        (void)snprintf(id, sizeof id, "m%d", r % 8);
        const fantasy_index_key keys[] = { { (r & 1) ? "state:a" : "state:b", 0 } };
        fantasy_record_op op = put_op("moves", id, FANTASY_WRITE_ANY, 0, "{}", keys, 1);
        if (c->rs->apply(c->rs->self, &op, 1, NULL) != FANTASY_OK) {
            atomic_fetch_add(&c->bad, 1);
        }
    }
    return NULL;
}

static void *reader(void *p) {
    move_ctx *c = p;
    while (!atomic_load(&c->stop)) {
        int64_t n = 0;
        if (c->rs->count(c->rs->self, "moves", "state:a", &n) != FANTASY_OK || n > 8) {
            atomic_fetch_add(&c->bad, 1);
        }
        fantasy_list *ids = NULL;
        if (fantasy_list_new(NULL, &ids) != FANTASY_OK) {
            atomic_fetch_add(&c->bad, 1);
            return NULL;
        }
        if (c->rs->find(c->rs->self, "moves", "state:b", NULL, 16, ids) != FANTASY_OK) {
            atomic_fetch_add(&c->bad, 1);
        }
        for (size_t i = 0; i < fantasy_list_size(ids); i++) {
            if (c->rs->get(c->rs->self, "moves", fantasy_list_str(ids, i), NULL, NULL) !=
                FANTASY_OK) {
                atomic_fetch_add(&c->bad, 1);
            }
        }
        fantasy_list_free(ids);
    }
    return NULL;
}

static void test_readers_beside_writers(void **state) {
    (void)state;
    fantasy_record_store rs = open_store();
    move_ctx c = { .rs = &rs };
    atomic_init(&c.stop, 0);
    atomic_init(&c.bad, 0);
    pthread_t w[2], r[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&w[i], NULL, mover, &c), 0);
        assert_int_equal(pthread_create(&r[i], NULL, reader, &c), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(w[i], NULL), 0);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(r[i], NULL), 0);
    }
    assert_int_equal(atomic_load(&c.bad), 0);
    assert_int_equal(count_of(&rs, "moves", "state:a") + count_of(&rs, "moves", "state:b"), 8);
    rs.destroy(rs.self);
}

/* ---- key scans: the ordered key tree is built by the first scan ------------------------- */

typedef struct scan_ctx {
    fantasy_record_store *rs;
    atomic_int stop;
    atomic_int bad;
} scan_ctx;

/* Writers add documents under new tag keys and drop some again, while the first scans of the
 * collection build its ordered key tree: every scan must list distinct keys in ascending order,
 * each held by at least one document. */
static void *tagger(void *p) {
    scan_ctx *c = p;
    for (int r = 0; r < ROUNDS; r++) {
        char id[16], key[32];
        (void)snprintf(id, sizeof id, "t%d", r % 50);
        (void)snprintf(key, sizeof key, "tag:%03d", (r * 7) % 97);
        const fantasy_index_key keys[] = { { key, 0 } };
        fantasy_record_op op = put_op("tagged", id, FANTASY_WRITE_ANY, 0, "{}", keys, 1);
        if (r % 5 == 4) {
            op = (fantasy_record_op){
                .kind = FANTASY_OP_DEL, .mode = FANTASY_WRITE_ANY, .collection = "tagged", .id = id
            };
        }
        if (c->rs->apply(c->rs->self, &op, 1, NULL) != FANTASY_OK) {
            atomic_fetch_add(&c->bad, 1);
        }
    }
    return NULL;
}

static void check_scan(scan_ctx *c) {
    fantasy_list *l = NULL;
    if (fantasy_list_new(NULL, &l) != FANTASY_OK ||
        c->rs->find_keys(c->rs->self, "tagged", "tag:", NULL, 200, l) != FANTASY_OK) {
        atomic_fetch_add(&c->bad, 1);
        fantasy_list_free(l);
        return;
    }
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        int sorted = i == 0 || strcmp(fantasy_list_str(l, i - 1), fantasy_list_str(l, i)) < 0;
        if (!sorted || fantasy_list_num(l, i) < 1) {
            atomic_fetch_add(&c->bad, 1);
        }
    }
    fantasy_list_free(l);
}

static void *scanner(void *p) {
    scan_ctx *c = p;
    while (!atomic_load(&c->stop)) {
        check_scan(c);
    }
    return NULL;
}

static void test_key_scans_beside_writers(void **state) {
    (void)state;
    fantasy_record_store rs = open_store();
    scan_ctx c = { .rs = &rs };
    atomic_init(&c.stop, 0);
    atomic_init(&c.bad, 0);
    /* Keys written before any scan, so the first scan has a tree to build. */
    tagger(&c);
    pthread_t w[2], r[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&r[i], NULL, scanner, &c), 0);
        assert_int_equal(pthread_create(&w[i], NULL, tagger, &c), 0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(w[i], NULL), 0);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(r[i], NULL), 0);
    }
    assert_int_equal(atomic_load(&c.bad), 0);
    /* Afterwards the scan agrees with count() key by key. */
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(rs.find_keys(rs.self, "tagged", "tag:", NULL, 200, l), FANTASY_OK);
    int64_t held = 0;
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        assert_int_equal(count_of(&rs, "tagged", fantasy_list_str(l, i)), fantasy_list_num(l, i));
        held += fantasy_list_num(l, i);
    }
    fantasy_list_free(l);
    int64_t docs = 0;
    for (int k = 0; k < 50; k++) {
        char id[16];
        (void)snprintf(id, sizeof id, "t%d", k);
        docs += version_of(&rs, "tagged", id) != 0;
    }
    assert_int_equal(held, docs);
    rs.destroy(rs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_across_collections_stay_whole),
        cmocka_unit_test(test_unique_key_has_one_holder),
        cmocka_unit_test(test_racing_first_writes_share_one_collection),
        cmocka_unit_test(test_readers_beside_writers),
        cmocka_unit_test(test_key_scans_beside_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
