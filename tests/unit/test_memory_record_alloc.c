/* Allocation-failure sweep over the memory record store's apply: the batch's key nodes are made
 * under the collections' locks now, so every failing allocation, wherever it falls, must leave
 * all collections exactly as they were and leak nothing. Plus how a batch finds collections
 * that do not exist yet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"
#include "fantasy/fantasy.h"

#include "unit/faulty_alloc.h"

static fantasy_record_op put_op(const char *col, const char *id, fantasy_write_mode mode,
                                int64_t expected, const fantasy_index_key *keys, size_t n_keys) {
    fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                             .mode = mode,
                             .collection = col,
                             .id = id,
                             .expected_version = expected,
                             .doc = "{\"v\":1}",
                             .doc_len = 7,
                             .keys = keys,
                             .n_keys = n_keys };
    return op;
}

static int64_t count_of(fantasy_record_store *rs, const char *col, const char *key) {
    int64_t n = -1;
    assert_int_equal(rs->count(rs->self, col, key, &n), FANTASY_OK);
    return n;
}

static int64_t version_of(fantasy_record_store *rs, const char *col, const char *id) {
    int64_t v = 0;
    return rs->get(rs->self, col, id, NULL, &v) == FANTASY_OK ? v : 0;
}

static size_t keys_with_prefix(fantasy_record_store *rs, const char *col, const char *prefix) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    assert_int_equal(rs->find_keys(rs->self, col, prefix, NULL, 100, l), FANTASY_OK);
    size_t n = fantasy_list_size(l);
    fantasy_list_free(l);
    return n;
}

static void seed(fantasy_record_store *rs) {
    static const fantasy_index_key old_keys[] = { { "tag:old", 0 } };
    fantasy_record_op ops[] = {
        put_op("b", "x", FANTASY_WRITE_CREATE, 0, old_keys, 1),
        put_op("c", "y", FANTASY_WRITE_CREATE, 0, NULL, 0),
    };
    assert_int_equal(rs->apply(rs->self, ops, 2, NULL), FANTASY_OK);
}

/* The state seed() left, untouched by a failed batch. */
static void assert_seeded(fantasy_record_store *rs) {
    assert_int_equal(version_of(rs, "a", "new"), 0);
    assert_int_equal(keys_with_prefix(rs, "a", ""), 0);
    assert_int_equal(version_of(rs, "b", "x"), 1);
    assert_int_equal(count_of(rs, "b", "tag:old"), 1);
    assert_int_equal(keys_with_prefix(rs, "b", "tag:"), 1);
    assert_int_equal(version_of(rs, "c", "y"), 1);
}

/* A batch over three collections: a create with new keys (one unique), an update that swaps
 * its key for a new one, a delete. */
static fantasy_status run_batch(fantasy_record_store *rs) {
    static const fantasy_index_key new_keys[] = { { "mail:n", 1 }, { "all", 0 } };
    static const fantasy_index_key swap_keys[] = { { "tag:new", 0 } };
    fantasy_record_op ops[] = {
        put_op("a", "new", FANTASY_WRITE_CREATE, 0, new_keys, 2),
        put_op("b", "x", FANTASY_WRITE_IF_VERSION, 1, swap_keys, 1),
        { .kind = FANTASY_OP_DEL,
          .mode = FANTASY_WRITE_IF_VERSION,
          .collection = "c",
          .id = "y",
          .expected_version = 1 },
    };
    return rs->apply(rs->self, ops, 3, NULL);
}

static void test_apply_sweep(void **state) {
    (void)state;
    int done = 0;
    for (long n = 1; !done && n < 10000; n++) {
        faulty f = { .lock = PTHREAD_MUTEX_INITIALIZER };
        fantasy_allocator a = faulty_allocator(&f);
        fantasy_record_store rs;
        assert_int_equal(fantasy_memory_record_store_open(&a, &rs), FANTASY_OK);
        seed(&rs);
        f.fail_at = f.count + n;
        fantasy_status st = run_batch(&rs);
        f.fail_at = 0;
        if (st == FANTASY_OK) {
            done = 1;
            assert_int_equal(version_of(&rs, "a", "new"), 1);
            assert_int_equal(count_of(&rs, "a", "mail:n"), 1);
            assert_int_equal(version_of(&rs, "b", "x"), 2);
            assert_int_equal(count_of(&rs, "b", "tag:old"), 0);
            assert_int_equal(keys_with_prefix(&rs, "b", "tag:"), 1);
            assert_int_equal(version_of(&rs, "c", "y"), 0);
        } else {
            assert_int_equal(st, FANTASY_ENOMEM);
            assert_true(f.failed);
            assert_seeded(&rs);
            /* The store still works after the failure. */
            assert_int_equal(run_batch(&rs), FANTASY_OK);
        }
        rs.destroy(rs.self);
        assert_int_equal(f.live, 0);
        pthread_mutex_destroy(&f.lock);
    }
    assert_true(done);
}

/* A delete in a collection that does not exist yet, then a put that creates it, in one batch. */
static void test_delete_then_create_collection(void **state) {
    (void)state;
    fantasy_record_store rs;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &rs), FANTASY_OK);
    static const fantasy_index_key keys[] = { { "k", 0 } };
    fantasy_record_op ops[] = {
        { .kind = FANTASY_OP_DEL, .mode = FANTASY_WRITE_ANY, .collection = "late", .id = "x" },
        put_op("late", "x", FANTASY_WRITE_CREATE, 0, keys, 1),
        { .kind = FANTASY_OP_DEL, .mode = FANTASY_WRITE_ANY, .collection = "late", .id = "y" },
    };
    int64_t versions[3] = { -1, -1, -1 };
    assert_int_equal(rs.apply(rs.self, ops, 3, versions), FANTASY_OK);
    assert_int_equal(versions[1], 1);
    assert_int_equal(version_of(&rs, "late", "x"), 1);
    assert_int_equal(count_of(&rs, "late", "k"), 1);
    rs.destroy(rs.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_sweep),
        cmocka_unit_test(test_delete_then_create_collection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
