/* Record store conformance (PORTS.md, record store): what every backend's record store must do,
 * judged through the vtable alone. Each test opens a fresh, empty store and destroys it. */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backend.h"

#include "conformance/conformance.h"

#define RACE_THREADS 8
#define RACE_CREATES 40 /* per thread */
#define CAS_ROUNDS   40 /* successful increments per thread */
#define MANY_DOCS    5000
#define MANY_BATCH   250

typedef struct fixture {
    const fantasy_conformance_backend *b;
    fantasy_record_store rs;
    fantasy_buf *buf;
    fantasy_list *list;
} fixture;

static int setup(void **state) {
    const fantasy_conformance_backend *b = *state;
    fixture *fx = calloc(1, sizeof *fx);
    if (!fx) {
        return -1;
    }
    fx->b = b;
    if (b->open_record(b->ctx, &fx->rs) != FANTASY_OK || fantasy_buf_new(NULL, &fx->buf) ||
        fantasy_list_new(NULL, &fx->list)) {
        (void)fprintf(stderr, "record store open failed: %s\n", fantasy_error_last());
        fantasy_buf_free(fx->buf);
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    if (fx->rs.destroy) {
        fx->rs.destroy(fx->rs.self);
    }
    fantasy_buf_free(fx->buf);
    fantasy_list_free(fx->list);
    free(fx);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Assert a failure with `want` that left a message: cleared first so a stale one can't pass. */
#define EXPECT_FAIL(want, call)                        \
    do {                                               \
        (void)fantasy_error_set(FANTASY_OK, "%s", ""); \
        assert_int_equal((call), (want));              \
        assert_true(fantasy_error_last()[0] != '\0');  \
    } while (0)

static fantasy_record_op put_op(const char *collection, const char *id, const char *doc,
                                fantasy_write_mode mode, int64_t expected) {
    fantasy_record_op op = {
        .kind = FANTASY_OP_PUT,
        .mode = mode,
        .collection = collection,
        .id = id,
        .doc = doc,
        .doc_len = doc ? strlen(doc) : 0,
        .expected_version = expected,
    };
    return op;
}

static fantasy_record_op keyed_op(const char *collection, const char *id, const char *doc,
                                  fantasy_write_mode mode, const fantasy_index_key *keys,
                                  size_t n_keys) {
    fantasy_record_op op = put_op(collection, id, doc, mode, 0);
    op.keys = keys;
    op.n_keys = n_keys;
    return op;
}

static fantasy_record_op del_op(const char *collection, const char *id, fantasy_write_mode mode,
                                int64_t expected) {
    fantasy_record_op op = {
        .kind = FANTASY_OP_DEL,
        .mode = mode,
        .collection = collection,
        .id = id,
        .expected_version = expected,
    };
    return op;
}

static fantasy_status apply1(fixture *fx, fantasy_record_op op, int64_t *version) {
    return fx->rs.apply(fx->rs.self, &op, 1, version);
}

static fantasy_status put(fixture *fx, const char *collection, const char *id, const char *doc,
                          fantasy_write_mode mode, int64_t expected) {
    return apply1(fx, put_op(collection, id, doc, mode, expected), NULL);
}

static fantasy_status put_keys(fixture *fx, const char *collection, const char *id,
                               const fantasy_index_key *keys, size_t n_keys) {
    return apply1(fx, keyed_op(collection, id, "{}", FANTASY_WRITE_ANY, keys, n_keys), NULL);
}

static fantasy_status del(fixture *fx, const char *collection, const char *id,
                          fantasy_write_mode mode, int64_t expected) {
    return apply1(fx, del_op(collection, id, mode, expected), NULL);
}

static void expect_doc(fixture *fx, const char *collection, const char *id, const char *doc,
                       int64_t version) {
    int64_t v = -1;
    assert_int_equal(fx->rs.get(fx->rs.self, collection, id, fx->buf, &v), FANTASY_OK);
    assert_int_equal(v, version);
    assert_int_equal(fantasy_buf_len(fx->buf), strlen(doc));
    assert_memory_equal(fantasy_buf_data(fx->buf), doc, strlen(doc));
}

static void expect_missing(fixture *fx, const char *collection, const char *id) {
    int64_t v = -1;
    EXPECT_FAIL(FANTASY_ENOTFOUND, fx->rs.get(fx->rs.self, collection, id, fx->buf, &v));
}

static int64_t count(fixture *fx, const char *collection, const char *key) {
    int64_t n = -1;
    assert_int_equal(fx->rs.count(fx->rs.self, collection, key, &n), FANTASY_OK);
    return n;
}

static fantasy_list *find(fixture *fx, const char *collection, const char *key,
                          const char *after_id, size_t limit) {
    fantasy_list_clear(fx->list);
    assert_int_equal(fx->rs.find(fx->rs.self, collection, key, after_id, limit, fx->list),
                     FANTASY_OK);
    return fx->list;
}

static fantasy_list *find_keys(fixture *fx, const char *collection, const char *prefix,
                               const char *after_key, size_t limit) {
    fantasy_list_clear(fx->list);
    assert_int_equal(fx->rs.find_keys(fx->rs.self, collection, prefix, after_key, limit, fx->list),
                     FANTASY_OK);
    return fx->list;
}

/* The list holds exactly these strings, in this order (NULL-terminated varargs). */
static void expect_strs(const fantasy_list *l, ...) {
    va_list ap;
    va_start(ap, l);
    size_t i = 0;
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *), i++) {
        assert_true(i < fantasy_list_size(l));
        assert_string_equal(fantasy_list_str(l, i), s);
    }
    va_end(ap);
    assert_int_equal(fantasy_list_size(l), i);
}

/* ------------------------------------------------------------------------------------------ */
/* Documents and versions                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_create_get_versions(void **state) {
    fixture *fx = *state;
    int64_t v = -1;
    assert_int_equal(apply1(fx, put_op("users", "u1", "{\"a\":1}", FANTASY_WRITE_CREATE, 0), &v),
                     FANTASY_OK);
    assert_int_equal(v, 1);
    expect_doc(fx, "users", "u1", "{\"a\":1}", 1);
    assert_int_equal(apply1(fx, put_op("users", "u1", "{\"a\":2}", FANTASY_WRITE_ANY, 0), &v),
                     FANTASY_OK);
    assert_int_equal(v, 2);
    assert_int_equal(
        apply1(fx, put_op("users", "u1", "{\"a\":3}", FANTASY_WRITE_IF_VERSION, 2), &v),
        FANTASY_OK);
    assert_int_equal(v, 3);
    expect_doc(fx, "users", "u1", "{\"a\":3}", 3);
    expect_missing(fx, "users", "u2");
    expect_missing(fx, "nobody", "u1");
}

static void test_collections_are_separate(void **state) {
    fixture *fx = *state;
    const fantasy_index_key k = { "email:a@x", 1 };
    assert_int_equal(apply1(fx, keyed_op("a", "id1", "A", FANTASY_WRITE_CREATE, &k, 1), NULL),
                     FANTASY_OK);
    assert_int_equal(apply1(fx, keyed_op("b", "id1", "B", FANTASY_WRITE_CREATE, &k, 1), NULL),
                     FANTASY_OK);
    assert_int_equal(put(fx, "b", "id1", "B2", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    expect_doc(fx, "a", "id1", "A", 1);
    expect_doc(fx, "b", "id1", "B2", 2);
    assert_int_equal(count(fx, "a", "email:a@x"), 1);
    assert_int_equal(count(fx, "b", "email:a@x"), 0); /* B2 was put without keys */
    assert_int_equal(del(fx, "a", "id1", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    expect_missing(fx, "a", "id1");
    expect_doc(fx, "b", "id1", "B2", 2);
}

static void test_create_on_existing(void **state) {
    fixture *fx = *state;
    assert_int_equal(put(fx, "c", "x", "first", FANTASY_WRITE_CREATE, 0), FANTASY_OK);
    EXPECT_FAIL(FANTASY_EEXISTS, put(fx, "c", "x", "second", FANTASY_WRITE_CREATE, 0));
    expect_doc(fx, "c", "x", "first", 1);
}

static void test_if_version(void **state) {
    fixture *fx = *state;
    EXPECT_FAIL(FANTASY_ENOTFOUND, put(fx, "c", "x", "v", FANTASY_WRITE_IF_VERSION, 1));
    expect_missing(fx, "c", "x");
    /* Expected version 0 means "must not exist": a create. */
    assert_int_equal(put(fx, "c", "x", "one", FANTASY_WRITE_IF_VERSION, 0), FANTASY_OK);
    expect_doc(fx, "c", "x", "one", 1);
    EXPECT_FAIL(FANTASY_ECONFLICT, put(fx, "c", "x", "zero", FANTASY_WRITE_IF_VERSION, 0));
    assert_int_equal(put(fx, "c", "x", "two", FANTASY_WRITE_IF_VERSION, 1), FANTASY_OK);
    EXPECT_FAIL(FANTASY_ECONFLICT, put(fx, "c", "x", "stale", FANTASY_WRITE_IF_VERSION, 1));
    EXPECT_FAIL(FANTASY_ECONFLICT, put(fx, "c", "x", "ahead", FANTASY_WRITE_IF_VERSION, 5));
    expect_doc(fx, "c", "x", "two", 2);
}

static void test_any(void **state) {
    fixture *fx = *state;
    assert_int_equal(put(fx, "c", "x", "1", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    assert_int_equal(put(fx, "c", "x", "2", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    assert_int_equal(put(fx, "c", "x", "3", FANTASY_WRITE_ANY, 99), FANTASY_OK);
    expect_doc(fx, "c", "x", "3", 3);
}

static void test_delete(void **state) {
    fixture *fx = *state;
    const fantasy_index_key k = { "tag:t", 0 };
    assert_int_equal(apply1(fx, keyed_op("c", "x", "1", FANTASY_WRITE_CREATE, &k, 1), NULL),
                     FANTASY_OK);
    assert_int_equal(put_keys(fx, "c", "x", &k, 1), FANTASY_OK);
    EXPECT_FAIL(FANTASY_ECONFLICT, del(fx, "c", "x", FANTASY_WRITE_IF_VERSION, 1));
    expect_doc(fx, "c", "x", "{}", 2);
    int64_t v = -1;
    assert_int_equal(apply1(fx, del_op("c", "x", FANTASY_WRITE_IF_VERSION, 2), &v), FANTASY_OK);
    assert_int_equal(v, 0);
    expect_missing(fx, "c", "x");
    assert_int_equal(count(fx, "c", "tag:t"), 0);
    assert_int_equal(fantasy_list_size(find(fx, "c", "tag:t", NULL, 10)), 0);
    assert_int_equal(fantasy_list_size(find_keys(fx, "c", "", NULL, 10)), 0);
    EXPECT_FAIL(FANTASY_ENOTFOUND, del(fx, "c", "x", FANTASY_WRITE_IF_VERSION, 2));
    assert_int_equal(del(fx, "c", "x", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    assert_int_equal(del(fx, "nowhere", "x", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    /* Once deleted, a document starts over. */
    assert_int_equal(put(fx, "c", "x", "again", FANTASY_WRITE_CREATE, 0), FANTASY_OK);
    expect_doc(fx, "c", "x", "again", 1);
    assert_int_equal(del(fx, "c", "x", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    expect_missing(fx, "c", "x");
}

static void test_large_and_binary(void **state) {
    fixture *fx = *state;
    size_t len = (size_t)1 << 20;
    char *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++) {
        big[i] = (char)(unsigned char)((i * 131u + (i >> 9)) & 0xffu);
    }
    fantasy_record_op op = put_op("blobs", "big", NULL, FANTASY_WRITE_CREATE, 0);
    op.doc = big;
    op.doc_len = len;
    assert_int_equal(apply1(fx, op, NULL), FANTASY_OK);
    int64_t v = 0;
    assert_int_equal(fx->rs.get(fx->rs.self, "blobs", "big", fx->buf, &v), FANTASY_OK);
    assert_int_equal(v, 1);
    assert_int_equal(fantasy_buf_len(fx->buf), len);
    assert_memory_equal(fantasy_buf_data(fx->buf), big, len);
    free(big);

    static const char nul[] = { 'a', '\0', 'b', '\0' };
    op = put_op("blobs", "nul", NULL, FANTASY_WRITE_CREATE, 0);
    op.doc = nul;
    op.doc_len = sizeof nul;
    assert_int_equal(apply1(fx, op, NULL), FANTASY_OK);
    assert_int_equal(fx->rs.get(fx->rs.self, "blobs", "nul", fx->buf, &v), FANTASY_OK);
    assert_int_equal(fantasy_buf_len(fx->buf), sizeof nul);
    assert_memory_equal(fantasy_buf_data(fx->buf), nul, sizeof nul);

    /* An empty document, with or without a pointer. */
    assert_int_equal(put(fx, "blobs", "empty", NULL, FANTASY_WRITE_CREATE, 0), FANTASY_OK);
    expect_doc(fx, "blobs", "empty", "", 1);
    assert_int_equal(put(fx, "blobs", "empty", "", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    expect_doc(fx, "blobs", "empty", "", 2);
}

/* ------------------------------------------------------------------------------------------ */
/* Index keys                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_unique_keys(void **state) {
    fixture *fx = *state;
    const fantasy_index_key u = { "email:a@x", 1 };
    assert_int_equal(apply1(fx, keyed_op("users", "a", "A", FANTASY_WRITE_CREATE, &u, 1), NULL),
                     FANTASY_OK);
    EXPECT_FAIL(FANTASY_EEXISTS,
                apply1(fx, keyed_op("users", "b", "B", FANTASY_WRITE_CREATE, &u, 1), NULL));
    expect_missing(fx, "users", "b");
    assert_int_equal(put(fx, "users", "b", "B", FANTASY_WRITE_CREATE, 0), FANTASY_OK);
    EXPECT_FAIL(FANTASY_EEXISTS,
                apply1(fx, keyed_op("users", "b", "B2", FANTASY_WRITE_ANY, &u, 1), NULL));
    expect_doc(fx, "users", "b", "B", 1);
    /* The holder may put its own key again, any number of times. */
    assert_int_equal(apply1(fx, keyed_op("users", "a", "A2", FANTASY_WRITE_ANY, &u, 1), NULL),
                     FANTASY_OK);
    assert_int_equal(apply1(fx, keyed_op("users", "a", "A3", FANTASY_WRITE_ANY, &u, 1), NULL),
                     FANTASY_OK);
    expect_doc(fx, "users", "a", "A3", 3);
    assert_int_equal(count(fx, "users", "email:a@x"), 1);
    expect_strs(find(fx, "users", "email:a@x", NULL, 10), "a", NULL);
    /* A unique key is refused while another document holds it, even as a plain key. */
    const fantasy_index_key plain = { "nick:z", 0 };
    const fantasy_index_key uniq = { "nick:z", 1 };
    assert_int_equal(put_keys(fx, "users", "p", &plain, 1), FANTASY_OK);
    EXPECT_FAIL(FANTASY_EEXISTS, put_keys(fx, "users", "q", &uniq, 1));
    expect_missing(fx, "users", "q");
    assert_int_equal(put_keys(fx, "users", "p", &uniq, 1), FANTASY_OK);
}

static void test_plain_keys_repeat(void **state) {
    fixture *fx = *state;
    const fantasy_index_key k[] = { { "tag:x", 0 }, { "tag:y", 0 } };
    assert_int_equal(put_keys(fx, "posts", "p1", k, 2), FANTASY_OK);
    assert_int_equal(put_keys(fx, "posts", "p2", k, 1), FANTASY_OK);
    assert_int_equal(put_keys(fx, "posts", "p3", k, 2), FANTASY_OK);
    assert_int_equal(count(fx, "posts", "tag:x"), 3);
    assert_int_equal(count(fx, "posts", "tag:y"), 2);
    expect_strs(find(fx, "posts", "tag:x", NULL, 10), "p1", "p2", "p3", NULL);
    expect_strs(find(fx, "posts", "tag:y", NULL, 10), "p1", "p3", NULL);
    /* A key listed twice by one document is held once. */
    const fantasy_index_key twice[] = { { "tag:z", 0 }, { "tag:z", 0 } };
    assert_int_equal(put_keys(fx, "posts", "p4", twice, 2), FANTASY_OK);
    assert_int_equal(count(fx, "posts", "tag:z"), 1);
    expect_strs(find(fx, "posts", "tag:z", NULL, 10), "p4", NULL);
}

static void test_keys_replaced_on_put(void **state) {
    fixture *fx = *state;
    const fantasy_index_key before[] = { { "k1", 0 }, { "k2", 0 }, { "u1", 1 } };
    const fantasy_index_key after[] = { { "k2", 0 }, { "k3", 0 }, { "u2", 1 } };
    assert_int_equal(put_keys(fx, "c", "a", before, 3), FANTASY_OK);
    assert_int_equal(put_keys(fx, "c", "a", after, 3), FANTASY_OK);
    assert_int_equal(fantasy_list_size(find(fx, "c", "k1", NULL, 10)), 0);
    assert_int_equal(count(fx, "c", "k1"), 0);
    expect_strs(find(fx, "c", "k2", NULL, 10), "a", NULL);
    expect_strs(find(fx, "c", "k3", NULL, 10), "a", NULL);
    assert_int_equal(count(fx, "c", "k2"), 1);
    expect_strs(find_keys(fx, "c", "", NULL, 10), "k2", "k3", "u2", NULL);
    /* The unique key a gave up is free for another document. */
    const fantasy_index_key u1 = { "u1", 1 };
    assert_int_equal(put_keys(fx, "c", "b", &u1, 1), FANTASY_OK);
    /* A put without keys drops them all. */
    assert_int_equal(put_keys(fx, "c", "a", NULL, 0), FANTASY_OK);
    expect_strs(find_keys(fx, "c", "", NULL, 10), "u1", NULL);
}

static void test_delete_frees_unique(void **state) {
    fixture *fx = *state;
    const fantasy_index_key u = { "slot:1", 1 };
    assert_int_equal(put_keys(fx, "c", "a", &u, 1), FANTASY_OK);
    EXPECT_FAIL(FANTASY_EEXISTS, put_keys(fx, "c", "b", &u, 1));
    assert_int_equal(del(fx, "c", "a", FANTASY_WRITE_IF_VERSION, 1), FANTASY_OK);
    assert_int_equal(put_keys(fx, "c", "b", &u, 1), FANTASY_OK);
    expect_strs(find(fx, "c", "slot:1", NULL, 10), "b", NULL);
}

static void test_find_order_and_pages(void **state) {
    fixture *fx = *state;
    /* Bytewise order: uppercase before lowercase, '-' before letters, UTF-8 after ASCII. */
    static const char *const shuffled[] = {
        "b", "a", "\xc3\xa9t\xc3\xa9", "B", "aa", "Z", "a-", "0", "ab", "z"
    };
    static const char *const sorted[] = { "0",  "B",  "Z", "a", "a-",
                                          "aa", "ab", "b", "z", "\xc3\xa9t\xc3\xa9" };
    const fantasy_index_key k = { "list", 0 };
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(put_keys(fx, "c", shuffled[i], &k, 1), FANTASY_OK);
    }
    assert_int_equal(put_keys(fx, "c", "aa", &k, 1), FANTASY_OK); /* aa is at version 2 */
    fantasy_list *l = find(fx, "c", "list", NULL, 100);
    assert_int_equal(fantasy_list_size(l), 10);
    for (size_t i = 0; i < 10; i++) {
        assert_string_equal(fantasy_list_str(l, i), sorted[i]);
        assert_int_equal(fantasy_list_num(l, i), strcmp(sorted[i], "aa") == 0 ? 2 : 1);
    }
    expect_strs(find(fx, "c", "list", "", 3), "0", "B", "Z", NULL);
    expect_strs(find(fx, "c", "list", "Z", 3), "a", "a-", "aa", NULL);
    expect_strs(find(fx, "c", "list", "aa", 3), "ab", "b", "z", NULL);
    expect_strs(find(fx, "c", "list", "z", 3), "\xc3\xa9t\xc3\xa9", NULL);
    /* after_id need not be an id that exists. */
    expect_strs(find(fx, "c", "list", "a0", 2), "aa", "ab", NULL);
    expect_strs(find(fx, "c", "list", "A", 1), "B", NULL);
    assert_int_equal(fantasy_list_size(find(fx, "c", "list", "\xc3\xa9t\xc3\xa9", 5)), 0);
    assert_int_equal(fantasy_list_size(find(fx, "c", "nokey", NULL, 5)), 0);
    assert_int_equal(fantasy_list_size(find(fx, "nocoll", "list", NULL, 5)), 0);
}

static void put_tagged(fixture *fx, const char *id, const char *key) {
    const fantasy_index_key k = { key, 0 };
    assert_int_equal(put_keys(fx, "tags", id, &k, 1), FANTASY_OK);
}

static void expect_key_counts(const fantasy_list *l, const char *const *keys, const int64_t *counts,
                              size_t n) {
    assert_int_equal(fantasy_list_size(l), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(fantasy_list_str(l, i), keys[i]);
        assert_int_equal(fantasy_list_num(l, i), counts[i]);
    }
}

static void test_find_keys(void **state) {
    fixture *fx = *state;
    put_tagged(fx, "d1", "tag:apple");
    put_tagged(fx, "d2", "tag:apple");
    put_tagged(fx, "d3", "tag:apricot");
    put_tagged(fx, "d4", "tag:banana");
    put_tagged(fx, "d5", "tag:banana");
    put_tagged(fx, "d6", "tag:banana");
    put_tagged(fx, "d7", "tah");
    put_tagged(fx, "d8", "tag");
    put_tagged(fx, "d9", "other");
    put_tagged(fx, "d10", "tag:Zebra");
    static const char *const tag_keys[] = { "tag:Zebra", "tag:apple", "tag:apricot", "tag:banana" };
    static const int64_t tag_counts[] = { 1, 2, 1, 3 };
    expect_key_counts(find_keys(fx, "tags", "tag:", NULL, 10), tag_keys, tag_counts, 4);
    expect_key_counts(find_keys(fx, "tags", "tag:", "", 2), tag_keys, tag_counts, 2);
    expect_key_counts(find_keys(fx, "tags", "tag:", "tag:apple", 2), tag_keys + 2, tag_counts + 2,
                      2);
    expect_key_counts(find_keys(fx, "tags", "tag:", "tag:apricot", 2), tag_keys + 3, tag_counts + 3,
                      1);
    /* after_key before the prefix starts at the prefix; past its range ends at once. */
    expect_key_counts(find_keys(fx, "tags", "tag:", "a", 10), tag_keys, tag_counts, 4);
    assert_int_equal(fantasy_list_size(find_keys(fx, "tags", "tag:", "tag:c", 10)), 0);
    assert_int_equal(fantasy_list_size(find_keys(fx, "tags", "tag:", "zzz", 10)), 0);
    expect_strs(find_keys(fx, "tags", "tag:ap", NULL, 10), "tag:apple", "tag:apricot", NULL);
    expect_strs(find_keys(fx, "tags", "tag", NULL, 10), "tag", "tag:Zebra", "tag:apple",
                "tag:apricot", "tag:banana", NULL);
    expect_strs(find_keys(fx, "tags", "", NULL, 3), "other", "tag", "tag:Zebra", NULL);
    expect_strs(find_keys(fx, "tags", "", "tag:banana", 10), "tah", NULL);
    assert_int_equal(fantasy_list_size(find_keys(fx, "tags", "nope", NULL, 10)), 0);
    assert_int_equal(fantasy_list_size(find_keys(fx, "nocoll", "", NULL, 10)), 0);
    /* Counts follow writes; a key whose last holder goes disappears. */
    assert_int_equal(del(fx, "tags", "d3", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    assert_int_equal(put_keys(fx, "tags", "d4", NULL, 0), FANTASY_OK);
    static const char *const now_keys[] = { "tag:Zebra", "tag:apple", "tag:banana" };
    static const int64_t now_counts[] = { 1, 2, 2 };
    expect_key_counts(find_keys(fx, "tags", "tag:", NULL, 10), now_keys, now_counts, 3);
}

static void test_find_keys_special_chars(void **state) {
    fixture *fx = *state;
    /* SQL LIKE wildcards and escapes in a prefix are plain bytes. */
    put_tagged(fx, "1", "a%b");
    put_tagged(fx, "2", "a_c");
    put_tagged(fx, "3", "axb");
    put_tagged(fx, "4", "a\\d");
    put_tagged(fx, "5", "a*e");
    put_tagged(fx, "6", "a\xc3\xa9");
    expect_strs(find_keys(fx, "tags", "a%", NULL, 10), "a%b", NULL);
    expect_strs(find_keys(fx, "tags", "a_", NULL, 10), "a_c", NULL);
    expect_strs(find_keys(fx, "tags", "a\\", NULL, 10), "a\\d", NULL);
    expect_strs(find_keys(fx, "tags", "a*", NULL, 10), "a*e", NULL);
    expect_strs(find_keys(fx, "tags", "a\xc3", NULL, 10), "a\xc3\xa9", NULL);
    expect_strs(find_keys(fx, "tags", "a", NULL, 10), "a%b", "a*e", "a\\d", "a_c", "axb",
                "a\xc3\xa9", NULL);
    expect_strs(find(fx, "tags", "a%b", NULL, 10), "1", NULL);
    assert_int_equal(count(fx, "tags", "a_"), 0);
}

static void test_count(void **state) {
    fixture *fx = *state;
    assert_int_equal(count(fx, "nocoll", "k"), 0);
    put_tagged(fx, "a", "k");
    put_tagged(fx, "b", "k");
    put_tagged(fx, "c", "other");
    assert_int_equal(count(fx, "tags", "k"), 2);
    assert_int_equal(count(fx, "tags", "other"), 1);
    assert_int_equal(count(fx, "tags", "k2"), 0);
    assert_int_equal(count(fx, "tags", "K"), 0);
    put_tagged(fx, "b", "other");
    assert_int_equal(count(fx, "tags", "k"), 1);
    assert_int_equal(count(fx, "tags", "other"), 2);
}

typedef struct many {
    char ids[MANY_DOCS][16];
    char keys[MANY_DOCS][16];
    fantasy_index_key k[MANY_DOCS][2];
    fantasy_record_op ops[MANY_BATCH];
} many;

static void put_many(fixture *fx, many *m) {
    /* Insert in a scrambled order (7919 is prime, so i -> i * 7919 mod n is a permutation). */
    for (size_t i = 0; i < MANY_DOCS; i++) {
        size_t j = (i * 7919u) % MANY_DOCS;
        (void)snprintf(m->ids[i], sizeof m->ids[i], "doc%05zu", j);
        (void)snprintf(m->keys[i], sizeof m->keys[i], "k:%05zu", j);
        m->k[i][0] = (fantasy_index_key){ "all", 0 };
        m->k[i][1] = (fantasy_index_key){ m->keys[i], 1 };
    }
    for (size_t at = 0; at < MANY_DOCS; at += MANY_BATCH) {
        for (size_t i = 0; i < MANY_BATCH; i++) {
            m->ops[i] =
                keyed_op("many", m->ids[at + i], "{}", FANTASY_WRITE_CREATE, m->k[at + i], 2);
        }
        assert_int_equal(fx->rs.apply(fx->rs.self, m->ops, MANY_BATCH, NULL), FANTASY_OK);
    }
}

static void test_many_docs_paginated(void **state) {
    fixture *fx = *state;
    many *m = malloc(sizeof *m);
    assert_non_null(m);
    put_many(fx, m);
    free(m);
    assert_int_equal(count(fx, "many", "all"), MANY_DOCS);
    char after[32] = "";
    size_t seen = 0;
    for (;;) {
        fantasy_list *l = find(fx, "many", "all", after, 97);
        size_t n = fantasy_list_size(l);
        if (n == 0) {
            break;
        }
        assert_true(n <= 97);
        for (size_t i = 0; i < n; i++) {
            char want[16];
            (void)snprintf(want, sizeof want, "doc%05zu", seen++);
            assert_string_equal(fantasy_list_str(l, i), want);
        }
        (void)snprintf(after, sizeof after, "%s", fantasy_list_str(l, n - 1));
    }
    assert_int_equal(seen, MANY_DOCS);
    /* The same for the distinct keys. */
    after[0] = '\0';
    seen = 0;
    for (fantasy_list *l = find_keys(fx, "many", "k:", after, 333); fantasy_list_size(l) > 0;
         l = find_keys(fx, "many", "k:", after, 333)) {
        for (size_t i = 0; i < fantasy_list_size(l); i++) {
            char want[16];
            (void)snprintf(want, sizeof want, "k:%05zu", seen++);
            assert_string_equal(fantasy_list_str(l, i), want);
            assert_int_equal(fantasy_list_num(l, i), 1);
        }
        (void)snprintf(after, sizeof after, "%s", fantasy_list_str(l, fantasy_list_size(l) - 1));
    }
    assert_int_equal(seen, MANY_DOCS);
}

/* ------------------------------------------------------------------------------------------ */
/* Batches                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The state every batch-atomicity test starts from and must find unchanged. */
static void seed(fixture *fx) {
    const fantasy_index_key kx[] = { { "ux", 1 }, { "shared", 0 } };
    assert_int_equal(put_keys(fx, "b", "x", kx, 2), FANTASY_OK);
    assert_int_equal(put(fx, "b", "z", "Z", FANTASY_WRITE_CREATE, 0), FANTASY_OK);
}

static void expect_seeded(fixture *fx) {
    expect_doc(fx, "b", "x", "{}", 1);
    expect_doc(fx, "b", "z", "Z", 1);
    expect_missing(fx, "b", "y");
    expect_missing(fx, "b", "w");
    expect_strs(find_keys(fx, "b", "", NULL, 10), "shared", "ux", NULL);
    assert_int_equal(count(fx, "b", "shared"), 1);
    expect_strs(find(fx, "b", "ux", NULL, 10), "x", NULL);
}

/* Run a four-op batch that would succeed on the seeded state (create y with keys, replace x,
 * delete z, put w) with op `at` replaced by `bad`: it must fail with `want`, write nothing and
 * leave versions_out alone. */
static void expect_batch_fails(fixture *fx, fantasy_record_op bad, size_t at, fantasy_status want) {
    const fantasy_index_key ky[] = { { "uy", 1 }, { "shared", 0 } };
    fantasy_record_op ops[4] = {
        keyed_op("b", "y", "Y", FANTASY_WRITE_CREATE, ky, 2),
        put_op("b", "x", "X2", FANTASY_WRITE_IF_VERSION, 1),
        del_op("b", "z", FANTASY_WRITE_ANY, 0),
        put_op("b", "w", "W", FANTASY_WRITE_ANY, 0),
    };
    ops[at] = bad;
    int64_t versions[4] = { -7, -7, -7, -7 };
    EXPECT_FAIL(want, fx->rs.apply(fx->rs.self, ops, 4, versions));
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(versions[i], -7);
    }
    expect_seeded(fx);
}

static void test_batch_atomic(void **state) {
    fixture *fx = *state;
    seed(fx);
    expect_seeded(fx);
    /* Op 2 fails after op 0 created y (with keys) and op 1 replaced x. */
    expect_batch_fails(fx, put_op("b", "z", "dup", FANTASY_WRITE_CREATE, 0), 2, FANTASY_EEXISTS);
    expect_batch_fails(fx, put_op("b", "z", "old", FANTASY_WRITE_IF_VERSION, 3), 2,
                       FANTASY_ECONFLICT);
    expect_batch_fails(fx, put_op("b", "q", "gone", FANTASY_WRITE_IF_VERSION, 1), 2,
                       FANTASY_ENOTFOUND);
    expect_batch_fails(fx, del_op("b", "z", FANTASY_WRITE_IF_VERSION, 9), 2, FANTASY_ECONFLICT);
    const fantasy_index_key uy = { "uy", 1 };
    expect_batch_fails(fx, keyed_op("b", "v", "V", FANTASY_WRITE_ANY, &uy, 1), 2, FANTASY_EEXISTS);
    /* Op 1 fails: x still holds ux there. */
    const fantasy_index_key ux = { "ux", 1 };
    expect_batch_fails(fx, keyed_op("b", "v", "V", FANTASY_WRITE_ANY, &ux, 1), 1, FANTASY_EEXISTS);
    expect_batch_fails(fx, put_op("b", "x", "X", FANTASY_WRITE_IF_VERSION, 5), 1,
                       FANTASY_ECONFLICT);
    /* Op 0 fails. */
    expect_batch_fails(fx, put_op("b", "x", "X", FANTASY_WRITE_CREATE, 0), 0, FANTASY_EEXISTS);
}

static void test_batch_fails_last(void **state) {
    fixture *fx = *state;
    seed(fx);
    /* The failing op comes last, after puts, a replace and a delete that all succeeded. */
    expect_batch_fails(fx, put_op("b", "x", "late", FANTASY_WRITE_CREATE, 0), 3, FANTASY_EEXISTS);
    expect_batch_fails(fx, put_op("b", NULL, "bad", FANTASY_WRITE_ANY, 0), 3, FANTASY_EINVAL);
    /* The batch's own earlier writes count: y was just created by op 0. */
    expect_batch_fails(fx, put_op("b", "y", "again", FANTASY_WRITE_CREATE, 0), 3, FANTASY_EEXISTS);
    expect_batch_fails(fx, put_op("b", "x", "stale", FANTASY_WRITE_IF_VERSION, 1), 3,
                       FANTASY_ECONFLICT);
    expect_batch_fails(fx, del_op("b", "z", FANTASY_WRITE_IF_VERSION, 1), 3, FANTASY_ENOTFOUND);
}

static void test_batch_visibility(void **state) {
    fixture *fx = *state;
    fantasy_record_op chain[] = {
        put_op("v", "a", "1", FANTASY_WRITE_CREATE, 0),
        put_op("v", "a", "2", FANTASY_WRITE_IF_VERSION, 1),
        put_op("v", "a", "3", FANTASY_WRITE_IF_VERSION, 2),
        put_op("v", "b", "b", FANTASY_WRITE_ANY, 0),
        del_op("v", "b", FANTASY_WRITE_IF_VERSION, 1),
        del_op("v", "c", FANTASY_WRITE_ANY, 0),
    };
    int64_t versions[6] = { -7, -7, -7, -7, -7, -7 };
    assert_int_equal(fx->rs.apply(fx->rs.self, chain, 6, versions), FANTASY_OK);
    static const int64_t want[6] = { 1, 2, 3, 1, 0, 0 };
    assert_memory_equal(versions, want, sizeof want);
    expect_doc(fx, "v", "a", "3", 3);
    expect_missing(fx, "v", "b");

    fantasy_record_op twice[] = { put_op("v", "n", "1", FANTASY_WRITE_CREATE, 0),
                                  put_op("v", "n", "2", FANTASY_WRITE_CREATE, 0) };
    EXPECT_FAIL(FANTASY_EEXISTS, fx->rs.apply(fx->rs.self, twice, 2, NULL));
    expect_missing(fx, "v", "n");

    /* Delete then recreate in one batch: a new document at version 1. */
    fantasy_record_op renew[] = { del_op("v", "a", FANTASY_WRITE_IF_VERSION, 3),
                                  put_op("v", "a", "new", FANTASY_WRITE_IF_VERSION, 0) };
    assert_int_equal(fx->rs.apply(fx->rs.self, renew, 2, versions), FANTASY_OK);
    assert_int_equal(versions[0], 0);
    assert_int_equal(versions[1], 1);
    expect_doc(fx, "v", "a", "new", 1);
}

static void test_batch_unique_keys(void **state) {
    fixture *fx = *state;
    const fantasy_index_key u = { "u", 1 };
    assert_int_equal(put_keys(fx, "k", "a", &u, 1), FANTASY_OK);
    /* A key freed by an earlier op of the batch is free for a later one. */
    fantasy_record_op move_by_delete[] = {
        del_op("k", "a", FANTASY_WRITE_ANY, 0),
        keyed_op("k", "b", "{}", FANTASY_WRITE_CREATE, &u, 1),
    };
    assert_int_equal(fx->rs.apply(fx->rs.self, move_by_delete, 2, NULL), FANTASY_OK);
    expect_strs(find(fx, "k", "u", NULL, 10), "b", NULL);
    fantasy_record_op move_by_put[] = {
        put_op("k", "b", "{}", FANTASY_WRITE_ANY, 0),
        keyed_op("k", "c", "{}", FANTASY_WRITE_CREATE, &u, 1),
    };
    assert_int_equal(fx->rs.apply(fx->rs.self, move_by_put, 2, NULL), FANTASY_OK);
    expect_strs(find(fx, "k", "u", NULL, 10), "c", NULL);
    /* Two documents of one batch can't both take it, and neither lands. */
    const fantasy_index_key u2 = { "u2", 1 };
    fantasy_record_op clash[] = {
        keyed_op("k", "d", "{}", FANTASY_WRITE_CREATE, &u2, 1),
        keyed_op("k", "e", "{}", FANTASY_WRITE_CREATE, &u2, 1),
    };
    EXPECT_FAIL(FANTASY_EEXISTS, fx->rs.apply(fx->rs.self, clash, 2, NULL));
    expect_missing(fx, "k", "d");
    assert_int_equal(count(fx, "k", "u2"), 0);
    /* But a taken key is not freed by a batch that failed. */
    fantasy_record_op failed_move[] = {
        del_op("k", "c", FANTASY_WRITE_ANY, 0),
        put_op("k", "zz", "{}", FANTASY_WRITE_IF_VERSION, 4),
    };
    EXPECT_FAIL(FANTASY_ENOTFOUND, fx->rs.apply(fx->rs.self, failed_move, 2, NULL));
    EXPECT_FAIL(FANTASY_EEXISTS, put_keys(fx, "k", "f", &u, 1));
    expect_strs(find(fx, "k", "u", NULL, 10), "c", NULL);
}

static void test_versions_out_and_empty_batch(void **state) {
    fixture *fx = *state;
    int64_t versions[3] = { -7, -7, -7 };
    assert_int_equal(fx->rs.apply(fx->rs.self, NULL, 0, NULL), FANTASY_OK);
    fantasy_record_op op = put_op("e", "a", "A", FANTASY_WRITE_CREATE, 0);
    assert_int_equal(fx->rs.apply(fx->rs.self, &op, 0, versions), FANTASY_OK);
    assert_int_equal(versions[0], -7);
    expect_missing(fx, "e", "a");
    assert_int_equal(put(fx, "e", "a", "A", FANTASY_WRITE_CREATE, 0), FANTASY_OK);
    assert_int_equal(put(fx, "e", "a", "A", FANTASY_WRITE_ANY, 0), FANTASY_OK);
    fantasy_record_op mixed[] = {
        put_op("e", "a", "A3", FANTASY_WRITE_IF_VERSION, 2),
        del_op("e", "missing", FANTASY_WRITE_ANY, 0),
        put_op("e", "b", "B", FANTASY_WRITE_ANY, 0),
    };
    assert_int_equal(fx->rs.apply(fx->rs.self, mixed, 3, versions), FANTASY_OK);
    assert_int_equal(versions[0], 3);
    assert_int_equal(versions[1], 0);
    assert_int_equal(versions[2], 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid arguments                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* `op` is invalid: a batch of a valid put and it fails with EINVAL and writes nothing. */
static void expect_invalid(fixture *fx, fantasy_record_op op) {
    fantasy_record_op ops[2] = { put_op("inv", "ok", "{}", FANTASY_WRITE_ANY, 0), op };
    int64_t versions[2] = { -7, -7 };
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.apply(fx->rs.self, ops, 2, versions));
    assert_int_equal(versions[0], -7);
    expect_missing(fx, "inv", "ok");
}

static void test_invalid_ops(void **state) {
    fixture *fx = *state;
    char long_id[257];
    memset(long_id, 'i', 256);
    long_id[256] = '\0';
    char long_key[514];
    memset(long_key, 'k', 513);
    long_key[513] = '\0';
    expect_invalid(fx, put_op(NULL, "x", "{}", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, put_op("inv", NULL, "{}", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, put_op("inv", "", "{}", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, put_op("inv", long_id, "{}", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, del_op(NULL, "x", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, del_op("inv", NULL, FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, del_op("inv", "", FANTASY_WRITE_ANY, 0));
    expect_invalid(fx, del_op("inv", "x", FANTASY_WRITE_CREATE, 0));
    fantasy_record_op op = put_op("inv", "x", NULL, FANTASY_WRITE_ANY, 0);
    op.doc_len = 5;
    expect_invalid(fx, op);
    const fantasy_index_key null_key[] = { { "fine", 0 }, { NULL, 1 } };
    expect_invalid(fx, keyed_op("inv", "x", "{}", FANTASY_WRITE_ANY, null_key, 2));
    const fantasy_index_key too_long = { long_key, 0 };
    expect_invalid(fx, keyed_op("inv", "x", "{}", FANTASY_WRITE_ANY, &too_long, 1));
    op = put_op("inv", "x", "{}", FANTASY_WRITE_ANY, 0);
    op.mode = (fantasy_write_mode)7;
    expect_invalid(fx, op);
    op = put_op("inv", "x", "{}", FANTASY_WRITE_ANY, 0);
    op.kind = (fantasy_op_kind)5;
    expect_invalid(fx, op);
    /* The limits themselves are fine. */
    long_id[255] = '\0';
    long_key[512] = '\0';
    const fantasy_index_key longest = { long_key, 1 };
    assert_int_equal(
        apply1(fx, keyed_op("inv", long_id, "{}", FANTASY_WRITE_CREATE, &longest, 1), NULL),
        FANTASY_OK);
    expect_doc(fx, "inv", long_id, "{}", 1);
    expect_strs(find(fx, "inv", long_key, NULL, 1), long_id, NULL);
}

static void test_invalid_reads(void **state) {
    fixture *fx = *state;
    int64_t n = 0;
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.get(fx->rs.self, NULL, "x", fx->buf, &n));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.get(fx->rs.self, "c", NULL, fx->buf, &n));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.find(fx->rs.self, NULL, "k", NULL, 10, fx->list));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.find(fx->rs.self, "c", NULL, NULL, 10, fx->list));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.find(fx->rs.self, "c", "k", NULL, 0, fx->list));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.find_keys(fx->rs.self, NULL, "", NULL, 10, fx->list));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.count(fx->rs.self, NULL, "k", &n));
    EXPECT_FAIL(FANTASY_EINVAL, fx->rs.count(fx->rs.self, "c", NULL, &n));
    assert_int_equal(fantasy_list_size(fx->list), 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Concurrency (threads only count; the main thread asserts, as cmocka's asserts are not
 * thread-safe)                                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct race {
    const fantasy_record_store *rs;
    pthread_barrier_t *start;
    int thread;
    int same_id; /* all threads create one id instead of distinct ids */
    int wins, exists, errors, silent;
} race;

static void *race_run(void *arg) {
    race *r = arg;
    const fantasy_index_key k = { "the-one", 1 };
    (void)pthread_barrier_wait(r->start);
    for (int i = 0; i < RACE_CREATES; i++) {
        char id[32];
        (void)snprintf(id, sizeof id, "t%d-%03d", r->thread, i);
        fantasy_record_op op =
            keyed_op("race", r->same_id ? "same" : id, "{}", FANTASY_WRITE_CREATE, &k, 1);
        (void)fantasy_error_set(FANTASY_OK, "%s", "");
        fantasy_status st = r->rs->apply(r->rs->self, &op, 1, NULL);
        if (st == FANTASY_OK) {
            r->wins++;
        } else if (st == FANTASY_EEXISTS) {
            r->exists++;
            r->silent += fantasy_error_last()[0] == '\0';
        } else {
            r->errors++;
        }
    }
    return NULL;
}

static void run_race(fixture *fx, int same_id) {
    pthread_t threads[RACE_THREADS];
    race races[RACE_THREADS];
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, RACE_THREADS), 0);
    for (int t = 0; t < RACE_THREADS; t++) {
        races[t] = (race){ .rs = &fx->rs, .start = &start, .thread = t, .same_id = same_id };
        assert_int_equal(pthread_create(&threads[t], NULL, race_run, &races[t]), 0);
    }
    int wins = 0;
    int exists = 0;
    for (int t = 0; t < RACE_THREADS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        wins += races[t].wins;
        exists += races[t].exists;
        assert_int_equal(races[t].errors, 0);
        assert_int_equal(races[t].silent, 0);
    }
    (void)pthread_barrier_destroy(&start);
    assert_int_equal(wins, 1);
    assert_int_equal(exists, RACE_THREADS * RACE_CREATES - 1);
    assert_int_equal(count(fx, "race", "the-one"), 1);
    assert_int_equal(fantasy_list_size(find(fx, "race", "the-one", NULL, 100)), 1);
}

static void test_concurrent_unique_key(void **state) {
    run_race(*state, 0);
}

static void test_concurrent_same_id(void **state) {
    run_race(*state, 1);
}

typedef struct cas {
    const fantasy_record_store *rs;
    atomic_int *stop;
    int writer;
    int successes, conflicts, errors, torn;
} cas;

static int read_counter(const fantasy_record_store *rs, fantasy_buf *buf, int64_t *version,
                        long long *value) {
    if (rs->get(rs->self, "cas", "counter", buf, version) != FANTASY_OK) {
        return -1;
    }
    *value = strtoll(fantasy_buf_data(buf), NULL, 10);
    return 0;
}

/* Increment the counter CAS_ROUNDS times, re-reading and retrying on every conflict. */
static void cas_write(cas *c, fantasy_buf *buf) {
    const fantasy_index_key k[] = { { "counter", 1 }, { "kind:counter", 0 } };
    while (c->successes < CAS_ROUNDS && c->errors == 0) {
        int64_t v = 0;
        long long value = 0;
        if (read_counter(c->rs, buf, &v, &value) != 0) {
            c->errors++;
            break;
        }
        char doc[32];
        (void)snprintf(doc, sizeof doc, "%lld", value + 1);
        fantasy_record_op op = keyed_op("cas", "counter", doc, FANTASY_WRITE_IF_VERSION, k, 2);
        op.expected_version = v;
        fantasy_status st = c->rs->apply(c->rs->self, &op, 1, NULL);
        if (st == FANTASY_OK) {
            c->successes++;
        } else if (st == FANTASY_ECONFLICT) {
            c->conflicts++;
        } else {
            c->errors++;
        }
    }
}

/* Readers check each read is whole: the counter is always version - 1. */
static void cas_read(cas *c, fantasy_buf *buf, fantasy_list *list) {
    while (!atomic_load(c->stop)) {
        int64_t v = 0;
        long long value = 0;
        if (read_counter(c->rs, buf, &v, &value) != 0) {
            c->errors++;
            return;
        }
        c->torn += value != v - 1;
        fantasy_list_clear(list);
        if (c->rs->find(c->rs->self, "cas", "kind:counter", NULL, 10, list) != FANTASY_OK ||
            fantasy_list_size(list) != 1) {
            c->errors++;
            return;
        }
        c->torn += fantasy_list_num(list, 0) < v;
    }
}

static void *cas_run(void *arg) {
    cas *c = arg;
    fantasy_buf *buf = NULL;
    fantasy_list *list = NULL;
    if (fantasy_buf_new(NULL, &buf) != FANTASY_OK || fantasy_list_new(NULL, &list)) {
        c->errors++;
    } else if (c->writer) {
        cas_write(c, buf);
    } else {
        cas_read(c, buf, list);
    }
    fantasy_buf_free(buf);
    fantasy_list_free(list);
    return NULL;
}

static void test_concurrent_if_version(void **state) {
    fixture *fx = *state;
    /* Created with the keys every later version carries, so a reader that runs before any
     * writer still finds exactly one holder. */
    const fantasy_index_key k0[] = { { "counter", 1 }, { "kind:counter", 0 } };
    assert_int_equal(apply1(fx, keyed_op("cas", "counter", "0", FANTASY_WRITE_CREATE, k0, 2), NULL),
                     FANTASY_OK);

    enum {
        WRITERS = RACE_THREADS,
        READERS = 2
    };

    pthread_t threads[WRITERS + READERS];
    cas cases[WRITERS + READERS];
    atomic_int stop;
    atomic_init(&stop, 0);
    for (int t = 0; t < WRITERS + READERS; t++) {
        cases[t] = (cas){ .rs = &fx->rs, .stop = &stop, .writer = t < WRITERS };
        assert_int_equal(pthread_create(&threads[t], NULL, cas_run, &cases[t]), 0);
    }
    int successes = 0;
    for (int t = 0; t < WRITERS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        successes += cases[t].successes;
    }
    atomic_store(&stop, 1);
    for (int t = WRITERS; t < WRITERS + READERS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    }
    for (int t = 0; t < WRITERS + READERS; t++) {
        assert_int_equal(cases[t].errors, 0);
        assert_int_equal(cases[t].torn, 0);
    }
    assert_int_equal(successes, WRITERS * CAS_ROUNDS);
    char want[32];
    (void)snprintf(want, sizeof want, "%d", successes);
    expect_doc(fx, "cas", "counter", want, 1 + successes);
    assert_int_equal(count(fx, "cas", "counter"), 1);
}

/* ------------------------------------------------------------------------------------------ */
/* A second handle on the same data                                                            */
/* ------------------------------------------------------------------------------------------ */

static void test_second_handle(void **state) {
    fixture *fx = *state;
    if (!fx->b->reopen_record) {
        skip();
        return; /* skip() jumps out; this keeps analyzers from following on */
    }
    const fantasy_index_key k = { "shared:key", 1 };
    assert_int_equal(apply1(fx, keyed_op("h", "one", "1", FANTASY_WRITE_CREATE, &k, 1), NULL),
                     FANTASY_OK);
    fantasy_record_store other;
    assert_int_equal(fx->b->reopen_record(fx->b->ctx, &other), FANTASY_OK);
    assert_non_null(other.get);
    assert_non_null(other.count);
    assert_non_null(other.apply);
    int64_t v = 0;
    assert_int_equal(other.get(other.self, "h", "one", fx->buf, &v), FANTASY_OK);
    assert_int_equal(v, 1);
    int64_t n = 0;
    assert_int_equal(other.count(other.self, "h", "shared:key", &n), FANTASY_OK);
    assert_int_equal(n, 1);
    fantasy_record_op op = keyed_op("h", "two", "2", FANTASY_WRITE_CREATE, &k, 1);
    EXPECT_FAIL(FANTASY_EEXISTS, other.apply(other.self, &op, 1, NULL));
    op = put_op("h", "one", "1b", FANTASY_WRITE_IF_VERSION, 1);
    assert_int_equal(other.apply(other.self, &op, 1, NULL), FANTASY_OK);
    if (other.destroy) {
        other.destroy(other.self);
    }
    expect_doc(fx, "h", "one", "1b", 2);
    assert_int_equal(count(fx, "h", "shared:key"), 0);
}

/* ------------------------------------------------------------------------------------------ */

#define RECORD_TEST(f) cmocka_unit_test_prestate_setup_teardown(f, setup, teardown, &backend)

int fantasy_conformance_record(const fantasy_conformance_backend *b) {
    if (!b || !b->open_record) {
        return 0;
    }
    /* cmocka wants a non-const prestate: hand it a copy. */
    fantasy_conformance_backend backend = *b;
    const struct CMUnitTest tests[] = {
        RECORD_TEST(test_create_get_versions),
        RECORD_TEST(test_collections_are_separate),
        RECORD_TEST(test_create_on_existing),
        RECORD_TEST(test_if_version),
        RECORD_TEST(test_any),
        RECORD_TEST(test_delete),
        RECORD_TEST(test_large_and_binary),
        RECORD_TEST(test_unique_keys),
        RECORD_TEST(test_plain_keys_repeat),
        RECORD_TEST(test_keys_replaced_on_put),
        RECORD_TEST(test_delete_frees_unique),
        RECORD_TEST(test_find_order_and_pages),
        RECORD_TEST(test_find_keys),
        RECORD_TEST(test_find_keys_special_chars),
        RECORD_TEST(test_count),
        RECORD_TEST(test_many_docs_paginated),
        RECORD_TEST(test_batch_atomic),
        RECORD_TEST(test_batch_fails_last),
        RECORD_TEST(test_batch_visibility),
        RECORD_TEST(test_batch_unique_keys),
        RECORD_TEST(test_versions_out_and_empty_batch),
        RECORD_TEST(test_invalid_ops),
        RECORD_TEST(test_invalid_reads),
        RECORD_TEST(test_concurrent_unique_key),
        RECORD_TEST(test_concurrent_same_id),
        RECORD_TEST(test_concurrent_if_version),
        RECORD_TEST(test_second_handle), /* must stay last: run only when reopen_record is set */
    };
    size_t n = sizeof tests / sizeof tests[0];
    if (!b->reopen_record) {
        n--; /* one in-process store has no second handle: the test does not apply */
    }
    char name[128];
    (void)snprintf(name, sizeof name, "record/%s", b->name ? b->name : "?");
    return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
