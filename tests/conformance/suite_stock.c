/* Conformance suite for the stock store port (PORTS.md, stock store), through the vtable only:
 * every row of the hold table, every replay rule, limits and expiry; the concurrency tests live
 * in suite_stock_threads.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conformance/stock_helpers.h"

static int setup(void **state) {
    const fantasy_conformance_backend *b = *state;
    stock_fixture *f = calloc(1, sizeof *f);
    if (!f) {
        return -1;
    }
    f->b = b;
    if (b->open_stock(b->ctx, &f->st) != FANTASY_OK) {
        (void)fprintf(stderr, "stock store open failed: %s\n", fantasy_error_last());
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    stock_fixture *f = *state;
    if (f->st.destroy) {
        f->st.destroy(f->st.self);
    }
    free(f);
    return 0;
}

/* A hold in each end state of the table, on product "p" (stock 100), user "u":
 * "held", "sold", "released", "expired" (expires at 10, swept), "returned". */
static void make_every_state(const stock_fixture *f) {
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    assert_int_equal(rsv(f, "held", "p", "u", 1, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "sold", "p", "u", 2, 0), FANTASY_OK);
    assert_int_equal(confirm(f, "sold", 0), FANTASY_OK);
    assert_int_equal(rsv(f, "released", "p", "u", 3, 0), FANTASY_OK);
    assert_int_equal(release(f, "released"), FANTASY_OK);
    assert_int_equal(rsv_at(f, "expired", "p", "u", 4, 0, 10), FANTASY_OK);
    fantasy_list *l = new_list();
    assert_int_equal(expire(f, 10, 100, l), 1);
    fantasy_list_free(l);
    assert_int_equal(rsv(f, "returned", "p", "u", 5, 0), FANTASY_OK);
    assert_int_equal(confirm(f, "returned", 0), FANTASY_OK);
    assert_int_equal(give_back(f, "returned"), FANTASY_OK);
    expect_counts(f, "p", 100, 1, 2, 97);
    assert_int_equal(used(f, "p", "u"), 3);
}

/* ---- set_stock and counts ---------------------------------------------------------------- */

static void test_set_stock_creates(void **state) {
    const stock_fixture *f = *state;
    fantasy_stock_counts c;
    assert_int_equal(f->st.counts(f->st.self, "p", &c), FANTASY_ENOTFOUND);
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    expect_counts(f, "p", 10, 0, 0, 10);
    assert_int_equal(set(f, "zero", 0), FANTASY_OK);
    expect_counts(f, "zero", 0, 0, 0, 0);
    assert_int_equal(set(f, "inf", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    expect_counts(f, "inf", -1, 0, 0, -1);
    assert_int_equal(set(f, "bad", -2), FANTASY_EINVAL);
    assert_int_equal(f->st.counts(f->st.self, "bad", &c), FANTASY_ENOTFOUND);
    assert_int_equal(set(f, "p", -5), FANTASY_EINVAL);
    expect_counts(f, "p", 10, 0, 0, 10);
}

static void test_set_stock_up_down(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 3, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "p", "u", 2, 0), FANTASY_OK);
    assert_int_equal(confirm(f, "h2", 0), FANTASY_OK);
    expect_counts(f, "p", 10, 3, 2, 5);
    assert_int_equal(set(f, "p", 20), FANTASY_OK);
    expect_counts(f, "p", 20, 3, 2, 15);
    assert_int_equal(set(f, "p", 5), FANTASY_OK); /* exactly held + sold */
    expect_counts(f, "p", 5, 3, 2, 0);
    assert_int_equal(set(f, "p", 4), FANTASY_EINVAL);
    expect_counts(f, "p", 5, 3, 2, 0);
    assert_int_equal(set(f, "p", 0), FANTASY_EINVAL);
    assert_int_equal(set(f, "p", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    expect_counts(f, "p", -1, 3, 2, -1);
    assert_int_equal(set(f, "p", 4), FANTASY_EINVAL);
    expect_counts(f, "p", -1, 3, 2, -1);
    assert_int_equal(set(f, "p", 6), FANTASY_OK);
    expect_counts(f, "p", 6, 3, 2, 1);
    assert_int_equal(release(f, "h1"), FANTASY_OK);
    assert_int_equal(set(f, "p", 2), FANTASY_OK);
    expect_counts(f, "p", 2, 0, 2, 0);
}

/* ---- reserve ----------------------------------------------------------------------------- */

static void test_reserve_holds(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(rsv_at(f, "h1", "p", "alice", 3, 0, 5000), FANTASY_OK);
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, "h1", &info), FANTASY_OK);
    assert_int_equal(info.state, FANTASY_HOLD_HELD);
    assert_string_equal(info.product_id, "p");
    assert_string_equal(info.user_id, "alice");
    assert_int_equal(info.qty, 3);
    assert_int_equal(info.expires_at_ms, 5000);
    expect_counts(f, "p", 10, 3, 0, 7);
    assert_int_equal(used(f, "p", "alice"), 3);
    assert_int_equal(used(f, "p", "bob"), 0);
}

static void test_reserve_bad_input(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "nope", "u", 1, 0), FANTASY_ENOTFOUND);
    assert_int_equal(rsv(f, "h1", "p", "u", 0, 0), FANTASY_EINVAL);
    assert_int_equal(rsv(f, "h1", "p", "u", -1, 0), FANTASY_EINVAL);
    expect_counts(f, "p", 10, 0, 0, 10);
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, "h1", &info), FANTASY_ENOTFOUND);
    assert_int_equal(rsv(f, "h1", "p", "u", 1, 0), FANTASY_OK); /* failures left no trace */
}

static void test_reserve_sold_out(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 5), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u1", 3, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "p", "u2", 3, 0), FANTASY_ESOLDOUT);
    expect_counts(f, "p", 5, 3, 0, 2);
    assert_int_equal(rsv(f, "h3", "p", "u2", 2, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h4", "p", "u3", 1, 0), FANTASY_ESOLDOUT);
    expect_counts(f, "p", 5, 5, 0, 0);
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, "h2", &info), FANTASY_ENOTFOUND);
    assert_int_equal(release(f, "h1"), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "p", "u2", 3, 0), FANTASY_OK); /* a refused id is free */
    expect_counts(f, "p", 5, 5, 0, 0);
    assert_int_equal(set(f, "z", 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h5", "z", "u", 1, 0), FANTASY_ESOLDOUT);
}

static void test_sold_out_checked_first(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 4), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 2), FANTASY_OK);
    /* both over the limit and beyond what is left: SOLD_OUT wins */
    assert_int_equal(rsv(f, "h2", "p", "u", 3, 2), FANTASY_ESOLDOUT);
    assert_int_equal(rsv(f, "h3", "p", "u", 1, 2), FANTASY_ELIMIT);
    expect_counts(f, "p", 4, 2, 0, 2);
}

static void test_per_user_limit(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    assert_int_equal(rsv(f, "a1", "p", "alice", 3, 4), FANTASY_OK);
    assert_int_equal(rsv(f, "a2", "p", "alice", 2, 4), FANTASY_ELIMIT);
    assert_int_equal(rsv(f, "a3", "p", "alice", 1, 4), FANTASY_OK);
    assert_int_equal(used(f, "p", "alice"), 4);
    assert_int_equal(rsv(f, "a4", "p", "alice", 1, 4), FANTASY_ELIMIT);
    assert_int_equal(rsv(f, "b1", "p", "bob", 4, 4), FANTASY_OK);   /* per user */
    assert_int_equal(rsv(f, "a5", "p", "alice", 5, 0), FANTASY_OK); /* 0: no limit */
    assert_int_equal(used(f, "p", "alice"), 9);
    assert_int_equal(release(f, "a5"), FANTASY_OK);
    assert_int_equal(release(f, "a1"), FANTASY_OK);
    assert_int_equal(used(f, "p", "alice"), 1);
    assert_int_equal(rsv(f, "a6", "p", "alice", 3, 4), FANTASY_OK);
    assert_int_equal(confirm(f, "a6", 0), FANTASY_OK);
    assert_int_equal(used(f, "p", "alice"), 4); /* sold units still count */
    assert_int_equal(rsv(f, "a7", "p", "alice", 1, 4), FANTASY_ELIMIT);
    assert_int_equal(give_back(f, "a6"), FANTASY_OK);
    assert_int_equal(used(f, "p", "alice"), 1);
    assert_int_equal(rsv(f, "a7", "p", "alice", 3, 4), FANTASY_OK);
    assert_int_equal(set(f, "q", 100), FANTASY_OK);
    assert_int_equal(rsv(f, "q1", "q", "alice", 4, 4), FANTASY_OK); /* per product */
    expect_counts(f, "p", 100, 8, 0, 92);
}

static void test_unlimited_stock(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 1000000, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "p", "v", 7, 0), FANTASY_OK);
    expect_counts(f, "p", -1, 1000007, 0, -1);
    assert_int_equal(confirm(f, "h2", 0), FANTASY_OK);
    expect_counts(f, "p", -1, 1000000, 7, -1);
    assert_int_equal(rsv(f, "h3", "p", "v", 2, 8), FANTASY_ELIMIT); /* limits still apply */
    assert_int_equal(release(f, "h1"), FANTASY_OK);
    assert_int_equal(give_back(f, "h2"), FANTASY_OK);
    expect_counts(f, "p", -1, 0, 0, -1);
}

static void test_reserve_replay(void **state) {
    const stock_fixture *f = *state;
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(set(f, "q", 10), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 0), FANTASY_OK);
    expect_counts(f, "p", 10, 2, 0, 8);
    assert_int_equal(used(f, "p", "u"), 2);
    assert_int_equal(rsv(f, "h1", "p", "u", 3, 0), FANTASY_ECONFLICT);
    assert_int_equal(rsv(f, "h1", "p", "v", 2, 0), FANTASY_ECONFLICT);
    assert_int_equal(rsv(f, "h1", "q", "u", 2, 0), FANTASY_ECONFLICT);
    expect_counts(f, "p", 10, 2, 0, 8);
    expect_counts(f, "q", 10, 0, 0, 10);
    assert_int_equal(confirm(f, "h1", 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 0), FANTASY_OK); /* a sold hold replays too */
    expect_counts(f, "p", 10, 0, 2, 8);
    assert_int_equal(state_of(f, "h1"), FANTASY_HOLD_SOLD);
}

static void test_reserve_after_end_states(void **state) {
    const stock_fixture *f = *state;
    make_every_state(f);
    assert_int_equal(rsv(f, "released", "p", "u", 3, 0), FANTASY_ESTATE);
    assert_int_equal(rsv(f, "expired", "p", "u", 4, 0), FANTASY_ESTATE);
    assert_int_equal(rsv(f, "returned", "p", "u", 5, 0), FANTASY_ESTATE);
    assert_int_equal(rsv(f, "held", "p", "u", 1, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "sold", "p", "u", 2, 0), FANTASY_OK);
    expect_counts(f, "p", 100, 1, 2, 97);
    assert_int_equal(state_of(f, "released"), FANTASY_HOLD_RELEASED);
    assert_int_equal(state_of(f, "expired"), FANTASY_HOLD_EXPIRED);
    assert_int_equal(state_of(f, "returned"), FANTASY_HOLD_RETURNED);
}

/* ---- moves ------------------------------------------------------------------------------- */

static void test_extend(void **state) {
    const stock_fixture *f = *state;
    make_every_state(f);
    assert_int_equal(extend(f, "held", 5000), FANTASY_OK);
    assert_int_equal(extend(f, "held", 5000), FANTASY_OK);
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, "held", &info), FANTASY_OK);
    assert_int_equal(info.expires_at_ms, 5000);
    assert_int_equal(info.state, FANTASY_HOLD_HELD);
    assert_int_equal(extend(f, "sold", 5000), FANTASY_ESTATE);
    assert_int_equal(extend(f, "released", 5000), FANTASY_ESTATE);
    assert_int_equal(extend(f, "expired", 5000), FANTASY_ESTATE);
    assert_int_equal(extend(f, "returned", 5000), FANTASY_ESTATE);
    assert_int_equal(extend(f, "nope", 5000), FANTASY_ENOTFOUND);
    expect_counts(f, "p", 100, 1, 2, 97);
}

static void test_extend_moves_expiry(void **state) {
    const stock_fixture *f = *state;
    fantasy_list *l = new_list();
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(rsv_at(f, "late", "p", "u", 1, 0, 100), FANTASY_OK);
    assert_int_equal(rsv_at(f, "early", "p", "u", 1, 0, 100), FANTASY_OK);
    assert_int_equal(rsv_at(f, "pinned", "p", "u", 1, 0, 100), FANTASY_OK);
    assert_int_equal(extend(f, "late", 300), FANTASY_OK);
    assert_int_equal(extend(f, "early", 50), FANTASY_OK);
    assert_int_equal(extend(f, "pinned", FANTASY_NEVER), FANTASY_OK);
    assert_int_equal(expire(f, 50, 10, l), 1);
    assert_true(list_has(l, "early", 1));
    assert_int_equal(expire(f, 299, 10, l), 0);
    assert_int_equal(expire(f, 300, 10, l), 1);
    assert_true(list_has(l, "late", 1));
    assert_int_equal(expire(f, INT64_MAX - 1, 10, l), 0);
    assert_int_equal(state_of(f, "pinned"), FANTASY_HOLD_HELD);
    assert_int_equal(confirm(f, "pinned", INT64_MAX - 1), FANTASY_OK);
    expect_counts(f, "p", 10, 0, 1, 9);
    fantasy_list_free(l);
}

static void test_confirm(void **state) {
    const stock_fixture *f = *state;
    make_every_state(f);
    assert_int_equal(confirm(f, "held", 0), FANTASY_OK);
    expect_counts(f, "p", 100, 0, 3, 97);
    assert_int_equal(confirm(f, "held", 0), FANTASY_OK);
    assert_int_equal(confirm(f, "sold", 0), FANTASY_OK);
    expect_counts(f, "p", 100, 0, 3, 97);
    assert_int_equal(confirm(f, "released", 0), FANTASY_ESTATE);
    assert_int_equal(confirm(f, "expired", 0), FANTASY_ESTATE);
    assert_int_equal(confirm(f, "returned", 0), FANTASY_ESTATE);
    assert_int_equal(confirm(f, "nope", 0), FANTASY_ENOTFOUND);
    expect_counts(f, "p", 100, 0, 3, 97);
    assert_int_equal(used(f, "p", "u"), 3);
}

static void test_confirm_expired_unswept(void **state) {
    const stock_fixture *f = *state;
    fantasy_list *l = new_list();
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(rsv_at(f, "h1", "p", "u", 2, 0, 100), FANTASY_OK);
    assert_int_equal(confirm(f, "h1", 100), FANTASY_EEXPIRED); /* expires_at <= now */
    assert_int_equal(confirm(f, "h1", 150), FANTASY_EEXPIRED);
    assert_int_equal(state_of(f, "h1"), FANTASY_HOLD_HELD);
    expect_counts(f, "p", 10, 2, 0, 8);
    assert_int_equal(expire(f, 100, 10, l), 1); /* still the sweep's to take */
    assert_true(list_has(l, "h1", 2));
    assert_int_equal(state_of(f, "h1"), FANTASY_HOLD_EXPIRED);
    expect_counts(f, "p", 10, 0, 0, 10);
    assert_int_equal(rsv_at(f, "h2", "p", "u", 2, 0, 100), FANTASY_OK);
    assert_int_equal(confirm(f, "h2", 99), FANTASY_OK);
    expect_counts(f, "p", 10, 0, 2, 8);
    assert_int_equal(expire(f, 1000, 10, l), 0);
    fantasy_list_free(l);
}

static void test_release(void **state) {
    const stock_fixture *f = *state;
    make_every_state(f);
    assert_int_equal(release(f, "held"), FANTASY_OK);
    expect_counts(f, "p", 100, 0, 2, 98);
    assert_int_equal(used(f, "p", "u"), 2);
    assert_int_equal(state_of(f, "held"), FANTASY_HOLD_RELEASED);
    assert_int_equal(release(f, "held"), FANTASY_OK);
    assert_int_equal(release(f, "released"), FANTASY_OK);
    assert_int_equal(release(f, "expired"), FANTASY_OK); /* units already back */
    assert_int_equal(state_of(f, "expired"), FANTASY_HOLD_EXPIRED);
    expect_counts(f, "p", 100, 0, 2, 98);
    assert_int_equal(release(f, "sold"), FANTASY_ESTATE);
    assert_int_equal(release(f, "returned"), FANTASY_ESTATE);
    assert_int_equal(release(f, "nope"), FANTASY_ENOTFOUND);
    expect_counts(f, "p", 100, 0, 2, 98);
    assert_int_equal(used(f, "p", "u"), 2);
}

static void test_give_back(void **state) {
    const stock_fixture *f = *state;
    make_every_state(f);
    assert_int_equal(give_back(f, "sold"), FANTASY_OK);
    expect_counts(f, "p", 100, 1, 0, 99);
    assert_int_equal(used(f, "p", "u"), 1);
    assert_int_equal(state_of(f, "sold"), FANTASY_HOLD_RETURNED);
    assert_int_equal(give_back(f, "sold"), FANTASY_OK);
    assert_int_equal(give_back(f, "returned"), FANTASY_OK);
    assert_int_equal(give_back(f, "held"), FANTASY_ESTATE);
    assert_int_equal(give_back(f, "released"), FANTASY_ESTATE);
    assert_int_equal(give_back(f, "expired"), FANTASY_ESTATE);
    assert_int_equal(give_back(f, "nope"), FANTASY_ENOTFOUND);
    expect_counts(f, "p", 100, 1, 0, 99);
    assert_int_equal(used(f, "p", "u"), 1);
}

/* ---- expiry ------------------------------------------------------------------------------ */

static void test_expire_sweeps(void **state) {
    const stock_fixture *f = *state;
    fantasy_list *l = new_list();
    assert_int_equal(set(f, "p", 20), FANTASY_OK);
    assert_int_equal(set(f, "q", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    assert_int_equal(rsv_at(f, "a", "p", "u", 1, 0, 10), FANTASY_OK);
    assert_int_equal(rsv_at(f, "b", "p", "v", 2, 0, 20), FANTASY_OK);
    assert_int_equal(rsv_at(f, "c", "q", "u", 3, 0, 20), FANTASY_OK);
    assert_int_equal(rsv_at(f, "d", "p", "u", 4, 0, 30), FANTASY_OK);
    assert_int_equal(rsv_at(f, "e", "p", "u", 5, 0, 10), FANTASY_OK);
    assert_int_equal(rsv_at(f, "never", "p", "u", 1, 0, FANTASY_NEVER), FANTASY_OK);
    assert_int_equal(confirm(f, "e", 5), FANTASY_OK);
    assert_int_equal(expire(f, 9, 10, l), 0);
    assert_int_equal(expire(f, 10, 10, l), 1);
    assert_true(list_has(l, "a", 1));
    assert_int_equal(state_of(f, "e"), FANTASY_HOLD_SOLD);
    assert_int_equal(expire(f, 25, 10, l), 2);
    assert_true(list_has(l, "b", 2));
    assert_true(list_has(l, "c", 3));
    expect_counts(f, "p", 20, 5, 5, 10);
    expect_counts(f, "q", -1, 0, 0, -1);
    assert_int_equal(used(f, "p", "u"), 10);
    assert_int_equal(used(f, "p", "v"), 0);
    assert_int_equal(expire(f, 25, 10, l), 0); /* swept holds are not listed again */
    assert_int_equal(expire(f, INT64_MAX - 1, 10, l), 1);
    assert_true(list_has(l, "d", 4));
    assert_int_equal(state_of(f, "never"), FANTASY_HOLD_HELD);
    expect_counts(f, "p", 20, 1, 5, 14);
    fantasy_list_free(l);
}

static void test_expire_max(void **state) {
    const stock_fixture *f = *state;
    fantasy_list *l = new_list();
    char id[32];
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    assert_int_equal(set(f, "q", 100), FANTASY_OK);
    for (int i = 0; i < 10; i++) {
        (void)snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(rsv_at(f, id, i % 2 ? "p" : "q", "u", 1, 0, 10 + i), FANTASY_OK);
    }
    assert_int_equal(expire(f, 100, 0, l), 0);
    assert_int_equal(expire(f, 100, 4, l), 4);
    assert_int_equal(expire(f, 100, 4, l), 4);
    assert_int_equal(expire(f, 100, 4, l), 2);
    assert_int_equal(expire(f, 100, 4, l), 0);
    for (int i = 0; i < 10; i++) {
        (void)snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(state_of(f, id), FANTASY_HOLD_EXPIRED);
    }
    expect_counts(f, "p", 100, 0, 0, 100);
    expect_counts(f, "q", 100, 0, 0, 100);
    fantasy_list_free(l);
}

/* ---- reads ------------------------------------------------------------------------------- */

static void test_reads_unknown(void **state) {
    const stock_fixture *f = *state;
    int64_t n = 7;
    fantasy_hold_info info;
    assert_int_equal(f->st.used(f->st.self, "nope", "u", &n), FANTASY_ENOTFOUND);
    assert_int_equal(f->st.hold(f->st.self, "nope", &info), FANTASY_ENOTFOUND);
    assert_int_equal(set(f, "p", 1), FANTASY_OK);
    assert_int_equal(used(f, "p", "nobody"), 0);
}

static void test_reserve_many(void **state) {
    const stock_fixture *f = *state;
    if (!f->st.reserve_many) {
        skip();
        return;
    }
    assert_int_equal(set(f, "p", 3), FANTASY_OK);
    const fantasy_hold hs[] = {
        { "m1", "p", "u", 2, 0, LATER },    { "m2", "p", "v", 2, 0, LATER },
        { "m3", "nope", "v", 1, 0, LATER }, { "m4", "p", "v", 0, 0, LATER },
        { "m1", "p", "u", 2, 0, LATER },    { "m1", "p", "u", 1, 0, LATER },
        { "m5", "p", "u", 1, 2, LATER },    { "m6", "p", "v", 1, 2, LATER },
    };
    const fantasy_status want[] = { FANTASY_OK,     FANTASY_ESOLDOUT, FANTASY_ENOTFOUND,
                                    FANTASY_EINVAL, FANTASY_OK,       FANTASY_ECONFLICT,
                                    FANTASY_ELIMIT, FANTASY_OK };
    fantasy_status got[8];
    assert_int_equal(f->st.reserve_many(f->st.self, hs, 8, got), FANTASY_OK);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(got[i], want[i]);
    }
    expect_counts(f, "p", 3, 3, 0, 0);
    assert_int_equal(f->st.reserve_many(f->st.self, hs, 0, got), FANTASY_OK);
}

static void test_counts_many(void **state) {
    const stock_fixture *f = *state;
    if (!f->st.counts_many) {
        skip();
        return;
    }
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(set(f, "q", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "q", "u", 5, 0), FANTASY_OK);
    assert_int_equal(confirm(f, "h2", 0), FANTASY_OK);
    const char *const ids[] = { "q", "p", "q" };
    fantasy_stock_counts c[3];
    assert_int_equal(f->st.counts_many(f->st.self, ids, 3, c), FANTASY_OK);
    assert_int_equal(c[0].stock, -1);
    assert_int_equal(c[0].sold, 5);
    assert_int_equal(c[0].available, -1);
    assert_int_equal(c[1].stock, 10);
    assert_int_equal(c[1].held, 2);
    assert_int_equal(c[1].available, 8);
    assert_int_equal(c[2].sold, 5);
    const char *const bad[] = { "p", "nope" };
    assert_int_equal(f->st.counts_many(f->st.self, bad, 2, c), FANTASY_ENOTFOUND);
    assert_int_equal(f->st.counts_many(f->st.self, ids, 0, c), FANTASY_OK);
}

/* ---- the group --------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, bs)

int fantasy_conformance_stock(const fantasy_conformance_backend *b) {
    if (!b || !b->open_stock) {
        (void)printf("[  SKIPPED ] stock/%s: no stock store\n", b && b->name ? b->name : "?");
        return 0;
    }
    fantasy_conformance_backend copy = *b; /* cmocka wants a mutable prestate */
    void *bs = &copy;
    const struct CMUnitTest tests[] = {
        T(test_set_stock_creates),
        T(test_set_stock_up_down),
        T(test_reserve_holds),
        T(test_reserve_bad_input),
        T(test_reserve_sold_out),
        T(test_sold_out_checked_first),
        T(test_per_user_limit),
        T(test_unlimited_stock),
        T(test_reserve_replay),
        T(test_reserve_after_end_states),
        T(test_extend),
        T(test_extend_moves_expiry),
        T(test_confirm),
        T(test_confirm_expired_unswept),
        T(test_release),
        T(test_give_back),
        T(test_expire_sweeps),
        T(test_expire_max),
        T(test_reads_unknown),
        T(test_reserve_many),
        T(test_counts_many),
        T(fantasy_ct_stock_contention_one_product),
        T(fantasy_ct_stock_concurrent_same_hold_id),
        T(fantasy_ct_stock_invariant_under_load),
        T(fantasy_ct_stock_expire_races_confirm),
    };
    char name[128];
    (void)snprintf(name, sizeof name, "stock/%s", b->name ? b->name : "?");
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}
