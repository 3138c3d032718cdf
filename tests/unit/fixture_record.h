/* Writing and deleting small documents of collection "c" in a record store, for the tests of
 * key order and index upkeep. The n-th document's id is FX_REC_ID_FMT with n, so ids sort as
 * their numbers do. */
#ifndef FANTASY_TESTS_FIXTURE_RECORD_H
#define FANTASY_TESTS_FIXTURE_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "fantasy/backend.h"

#define FX_REC_ID_FMT "id%05d"

/* Put "{}" as document `id` with `keys`, whatever was there. */
static inline void fx_rec_put(fantasy_record_store *rs, const char *id,
                              const fantasy_index_key *keys, size_t n_keys) {
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_ANY,
                                   .collection = "c",
                                   .id = id,
                                   .doc = "{}",
                                   .doc_len = 2,
                                   .keys = keys,
                                   .n_keys = n_keys };
    assert_int_equal(rs->apply(rs->self, &op, 1, NULL), FANTASY_OK);
}

/* Document number `n`, holding the one plain key `key`. */
static inline void fx_rec_put_nth(fantasy_record_store *rs, int n, const char *key) {
    char id[16];
    (void)snprintf(id, sizeof id, FX_REC_ID_FMT, n);
    const fantasy_index_key k = { .key = key, .unique = 0 };
    fx_rec_put(rs, id, &k, 1);
}

static inline void fx_rec_del_nth(fantasy_record_store *rs, int n) {
    char id[16];
    (void)snprintf(id, sizeof id, FX_REC_ID_FMT, n);
    const fantasy_record_op op = {
        .kind = FANTASY_OP_DEL, .mode = FANTASY_WRITE_ANY, .collection = "c", .id = id
    };
    assert_int_equal(rs->apply(rs->self, &op, 1, NULL), FANTASY_OK);
}

#endif
