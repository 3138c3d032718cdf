/* Conformance suite for the stock store port (PORTS.md, stock store), through the vtable only:
 * every row of the hold table, every replay rule, limits, expiry and concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "conformance/conformance.h"

typedef struct fixture {
    const fantasy_conformance_backend *b;
    fantasy_stock_store st;
} fixture;

static int setup(void **state) {
    const fantasy_conformance_backend *b = *state;
    fixture *f = calloc(1, sizeof *f);
    if (!f) {
        return -1;
    }
    f->b = b;
    if (b->open_stock(b->ctx, &f->st) != FANTASY_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    if (f->st.destroy) {
        f->st.destroy(f->st.self);
    }
    free(f);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------------- */

#define LATER 1000000 /* an expiry no test's "now" reaches unless it means to */

static fantasy_status set(const fixture *f, const char *product, int64_t stock) {
    return f->st.set_stock(f->st.self, product, stock);
}

static fantasy_status rsv_at(const fixture *f, const char *hold, const char *product,
                             const char *user, int64_t qty, int64_t limit, int64_t expires_at) {
    const fantasy_hold h = {.hold_id = hold,
                            .product_id = product,
                            .user_id = user,
                            .qty = qty,
                            .per_user_limit = limit,
                            .expires_at_ms = expires_at};
    return f->st.reserve(f->st.self, &h);
}

static fantasy_status rsv(const fixture *f, const char *hold, const char *product,
                          const char *user, int64_t qty, int64_t limit) {
    return rsv_at(f, hold, product, user, qty, limit, LATER);
}

static fantasy_status confirm(const fixture *f, const char *hold, int64_t now) {
    return f->st.confirm(f->st.self, hold, now);
}

static fantasy_status release(const fixture *f, const char *hold) {
    return f->st.release(f->st.self, hold);
}

static fantasy_status give_back(const fixture *f, const char *hold) {
    return f->st.give_back(f->st.self, hold);
}

static fantasy_status extend(const fixture *f, const char *hold, int64_t expires_at) {
    return f->st.extend(f->st.self, hold, expires_at);
}

/* Counters as one comparable value, plus the invariant checked on every read. */
static void expect_counts(const fixture *f, const char *product, int64_t stock, int64_t held,
                          int64_t sold, int64_t available) {
    fantasy_stock_counts c;
    assert_int_equal(f->st.counts(f->st.self, product, &c), FANTASY_OK);
    assert_int_equal(c.stock, stock);
    assert_int_equal(c.held, held);
    assert_int_equal(c.sold, sold);
    assert_int_equal(c.available, available);
    if (c.stock >= 0) {
        assert_int_equal(c.available + c.held + c.sold, c.stock);
    }
}

static int64_t used(const fixture *f, const char *product, const char *user) {
    int64_t n = -12345;
    assert_int_equal(f->st.used(f->st.self, product, user, &n), FANTASY_OK);
    return n;
}

static fantasy_hold_state state_of(const fixture *f, const char *hold) {
    fantasy_hold_info info;
    assert_int_equal(f->st.hold(f->st.self, hold, &info), FANTASY_OK);
    return info.state;
}

static fantasy_list *new_list(void) {
    fantasy_list *l = NULL;
    assert_int_equal(fantasy_list_new(NULL, &l), FANTASY_OK);
    return l;
}

/* 1 when the list holds `id` with `num`. */
static int list_has(const fantasy_list *l, const char *id, int64_t num) {
    for (size_t i = 0; i < fantasy_list_size(l); i++) {
        if (strcmp(fantasy_list_str(l, i), id) == 0) {
            return fantasy_list_num(l, i) == num;
        }
    }
    return 0;
}

static size_t expire(const fixture *f, int64_t now, size_t max, fantasy_list *out) {
    fantasy_list_clear(out);
    assert_int_equal(f->st.expire(f->st.self, now, max, out), FANTASY_OK);
    return fantasy_list_size(out);
}

/* A hold in each end state of the table, on product "p" (stock 100), user "u":
 * "held", "sold", "released", "expired" (expires at 10, swept), "returned". */
static void make_every_state(const fixture *f) {
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
    assert_int_equal(set(f, "p", 4), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 2), FANTASY_OK);
    /* both over the limit and beyond what is left: SOLD_OUT wins */
    assert_int_equal(rsv(f, "h2", "p", "u", 3, 2), FANTASY_ESOLDOUT);
    assert_int_equal(rsv(f, "h3", "p", "u", 1, 2), FANTASY_ELIMIT);
    expect_counts(f, "p", 4, 2, 0, 2);
}

static void test_per_user_limit(void **state) {
    const fixture *f = *state;
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    assert_int_equal(rsv(f, "a1", "p", "alice", 3, 4), FANTASY_OK);
    assert_int_equal(rsv(f, "a2", "p", "alice", 2, 4), FANTASY_ELIMIT);
    assert_int_equal(rsv(f, "a3", "p", "alice", 1, 4), FANTASY_OK);
    assert_int_equal(used(f, "p", "alice"), 4);
    assert_int_equal(rsv(f, "a4", "p", "alice", 1, 4), FANTASY_ELIMIT);
    assert_int_equal(rsv(f, "b1", "p", "bob", 4, 4), FANTASY_OK); /* per user */
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
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
    const fixture *f = *state;
    fantasy_list *l = new_list();
    char id[32];
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    assert_int_equal(set(f, "q", 100), FANTASY_OK);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(rsv_at(f, id, i % 2 ? "p" : "q", "u", 1, 0, 10 + i), FANTASY_OK);
    }
    assert_int_equal(expire(f, 100, 0, l), 0);
    assert_int_equal(expire(f, 100, 4, l), 4);
    assert_int_equal(expire(f, 100, 4, l), 4);
    assert_int_equal(expire(f, 100, 4, l), 2);
    assert_int_equal(expire(f, 100, 4, l), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "h%d", i);
        assert_int_equal(state_of(f, id), FANTASY_HOLD_EXPIRED);
    }
    expect_counts(f, "p", 100, 0, 0, 100);
    expect_counts(f, "q", 100, 0, 0, 100);
    fantasy_list_free(l);
}

/* ---- reads ------------------------------------------------------------------------------- */

static void test_reads_unknown(void **state) {
    const fixture *f = *state;
    int64_t n = 7;
    fantasy_hold_info info;
    assert_int_equal(f->st.used(f->st.self, "nope", "u", &n), FANTASY_ENOTFOUND);
    assert_int_equal(f->st.hold(f->st.self, "nope", &info), FANTASY_ENOTFOUND);
    assert_int_equal(set(f, "p", 1), FANTASY_OK);
    assert_int_equal(used(f, "p", "nobody"), 0);
}

static void test_reserve_many(void **state) {
    const fixture *f = *state;
    if (!f->st.reserve_many) {
        skip();
    }
    assert_int_equal(set(f, "p", 3), FANTASY_OK);
    const fantasy_hold hs[] = {
        {"m1", "p", "u", 2, 0, LATER}, {"m2", "p", "v", 2, 0, LATER},
        {"m3", "nope", "v", 1, 0, LATER}, {"m4", "p", "v", 0, 0, LATER},
        {"m1", "p", "u", 2, 0, LATER}, {"m1", "p", "u", 1, 0, LATER},
        {"m5", "p", "u", 1, 2, LATER}, {"m6", "p", "v", 1, 2, LATER},
    };
    const fantasy_status want[] = {FANTASY_OK,        FANTASY_ESOLDOUT, FANTASY_ENOTFOUND,
                                   FANTASY_EINVAL,    FANTASY_OK,       FANTASY_ECONFLICT,
                                   FANTASY_ELIMIT,    FANTASY_OK};
    fantasy_status got[8];
    assert_int_equal(f->st.reserve_many(f->st.self, hs, 8, got), FANTASY_OK);
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(got[i], want[i]);
    }
    expect_counts(f, "p", 3, 3, 0, 0);
    assert_int_equal(f->st.reserve_many(f->st.self, hs, 0, got), FANTASY_OK);
}

static void test_counts_many(void **state) {
    const fixture *f = *state;
    if (!f->st.counts_many) {
        skip();
    }
    assert_int_equal(set(f, "p", 10), FANTASY_OK);
    assert_int_equal(set(f, "q", FANTASY_STOCK_UNLIMITED), FANTASY_OK);
    assert_int_equal(rsv(f, "h1", "p", "u", 2, 0), FANTASY_OK);
    assert_int_equal(rsv(f, "h2", "q", "u", 5, 0), FANTASY_OK);
    assert_int_equal(confirm(f, "h2", 0), FANTASY_OK);
    const char *const ids[] = {"q", "p", "q"};
    fantasy_stock_counts c[3];
    assert_int_equal(f->st.counts_many(f->st.self, ids, 3, c), FANTASY_OK);
    assert_int_equal(c[0].stock, -1);
    assert_int_equal(c[0].sold, 5);
    assert_int_equal(c[0].available, -1);
    assert_int_equal(c[1].stock, 10);
    assert_int_equal(c[1].held, 2);
    assert_int_equal(c[1].available, 8);
    assert_int_equal(c[2].sold, 5);
    const char *const bad[] = {"p", "nope"};
    assert_int_equal(f->st.counts_many(f->st.self, bad, 2, c), FANTASY_ENOTFOUND);
    assert_int_equal(f->st.counts_many(f->st.self, ids, 0, c), FANTASY_OK);
}

/* ---- threads ----------------------------------------------------------------------------- */

#define MAX_THREADS 16

typedef struct gate {
    pthread_barrier_t *start;
    void *(*fn)(void *);
    void *arg;
} gate;

static void *gate_run(void *p) {
    const gate *g = p;
    pthread_barrier_wait(g->start);
    return g->fn(g->arg);
}

/* Run fns[i](args[i]) on n threads released at the same instant, so they really overlap,
 * and wait for all of them. */
static void run_together(int n, void *(*const *fns)(void *), void *const *args) {
    pthread_barrier_t start;
    gate g[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    assert_true(n > 0 && n <= MAX_THREADS);
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        g[i] = (gate){.start = &start, .fn = fns[i], .arg = args[i]};
        assert_int_equal(pthread_create(&th[i], NULL, gate_run, &g[i]), 0);
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    pthread_barrier_destroy(&start);
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define N_THREADS  8
#define N_USERS    200
#define USER_LIMIT 7
#define HOT_STOCK  1000
#define N_TRIES    400

typedef struct attempt {
    char id[32];
    int user;
    int qty;
    int replay; /* index of the attempt it replays, or -1 */
    fantasy_status st;
} attempt;

typedef struct hot_worker {
    const fixture *f;
    int t;
    attempt *att;
    size_t n;
    int bad; /* statuses outside OK, SOLD_OUT, LIMIT_EXCEEDED */
} hot_worker;

static void user_name(int u, char out[16]) {
    snprintf(out, 16, "user%03d", u);
}

static fantasy_status hot_try(hot_worker *w, attempt *a) {
    char user[16];
    user_name(a->user, user);
    a->st = rsv(w->f, a->id, "hot", user, a->qty, USER_LIMIT);
    if (a->st != FANTASY_OK && a->st != FANTASY_ESOLDOUT && a->st != FANTASY_ELIMIT) {
        w->bad++;
    }
    return a->st;
}

/* Mop up one unit at a time over this thread's users until the product is gone, so the test
 * ends sold out whatever the interleaving. */
static void hot_mop_up(hot_worker *w) {
    for (int u = w->t; u < N_USERS; u += N_THREADS) {
        for (;;) {
            attempt *a = &w->att[w->n];
            snprintf(a->id, sizeof a->id, "m%d-%zu", w->t, w->n);
            a->user = u;
            a->qty = 1;
            a->replay = -1;
            w->n++;
            fantasy_status st = hot_try(w, a);
            if (st == FANTASY_ESOLDOUT) {
                return;
            }
            if (st != FANTASY_OK) {
                break;
            }
        }
    }
}

static void *hot_run(void *arg) {
    hot_worker *w = arg;
    for (int i = 0; i < N_TRIES; i++) {
        attempt *a = &w->att[w->n];
        if (i % 5 == 4) { /* replay an earlier attempt of this thread, same arguments */
            *a = w->att[w->n - 2];
            a->replay = (int)w->n - 2;
        } else {
            snprintf(a->id, sizeof a->id, "h%d-%d", w->t, i);
            a->user = (w->t * 37 + i * 13) % N_USERS;
            a->qty = 1 + (i + w->t) % 3;
            a->replay = -1;
        }
        w->n++;
        hot_try(w, a);
    }
    hot_mop_up(w);
    return NULL;
}

/* Each successful new hold: stored as made; totals per user and overall. */
static int64_t hot_check_worker(const fixture *f, const hot_worker *w, int64_t *per_user) {
    int64_t total = 0;
    assert_int_equal(w->bad, 0);
    for (size_t i = 0; i < w->n; i++) {
        const attempt *a = &w->att[i];
        if (a->replay >= 0) {
            fantasy_status first = w->att[a->replay].st;
            if (first == FANTASY_OK) {
                assert_int_equal(a->st, FANTASY_OK);
            } else {
                assert_true(a->st == FANTASY_ESOLDOUT || a->st == FANTASY_ELIMIT);
            }
            continue;
        }
        if (a->st != FANTASY_OK) {
            continue;
        }
        fantasy_hold_info info;
        assert_int_equal(f->st.hold(f->st.self, a->id, &info), FANTASY_OK);
        assert_int_equal(info.state, FANTASY_HOLD_HELD);
        assert_int_equal(info.qty, a->qty);
        per_user[a->user] += a->qty;
        total += a->qty;
    }
    return total;
}

static void test_contention_one_product(void **state) {
    const fixture *f = *state;
    assert_int_equal(set(f, "hot", HOT_STOCK), FANTASY_OK);
    hot_worker w[N_THREADS];
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (hot_worker){.f = f, .t = t};
        w[t].att = calloc(N_TRIES + HOT_STOCK + N_USERS, sizeof(attempt));
        assert_non_null(w[t].att);
        fns[t] = hot_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    int64_t per_user[N_USERS] = {0};
    int64_t total = 0;
    for (int t = 0; t < N_THREADS; t++) {
        total += hot_check_worker(f, &w[t], per_user);
        free(w[t].att);
    }
    assert_int_equal(total, HOT_STOCK); /* every unit held, none twice */
    expect_counts(f, "hot", HOT_STOCK, HOT_STOCK, 0, 0);
    for (int u = 0; u < N_USERS; u++) {
        char user[16];
        user_name(u, user);
        assert_true(per_user[u] <= USER_LIMIT);
        assert_int_equal(used(f, "hot", user), per_user[u]);
    }
}

/* The same hold id from every thread at once: one sale, every call OK. */
typedef struct same_id_worker {
    const fixture *f;
    fantasy_status st;
} same_id_worker;

static void *same_id_run(void *arg) {
    same_id_worker *w = arg;
    w->st = rsv(w->f, "one", "p", "u", 3, 3);
    return NULL;
}

static void test_concurrent_same_hold_id(void **state) {
    const fixture *f = *state;
    assert_int_equal(set(f, "p", 100), FANTASY_OK);
    same_id_worker w[N_THREADS];
    void *(*fns[N_THREADS])(void *);
    void *args[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (same_id_worker){.f = f};
        fns[t] = same_id_run;
        args[t] = &w[t];
    }
    run_together(N_THREADS, fns, args);
    for (int t = 0; t < N_THREADS; t++) {
        assert_int_equal(w[t].st, FANTASY_OK);
    }
    expect_counts(f, "p", 100, 3, 0, 97);
    assert_int_equal(used(f, "p", "u"), 3);
}

/* Writers move holds through every row while a sweeper expires and a reader checks the
 * invariant on every read; at the end the counters must equal the sum over the holds. */
#define MIX_WRITERS 4
#define MIX_HOLDS   300
#define MIX_STOCK   200

typedef struct mix_shared {
    const fixture *f;
    _Atomic int64_t now;
    _Atomic int writers_left;
    _Atomic int violations;
    _Atomic int bad;
} mix_shared;

typedef struct mix_worker {
    mix_shared *sh;
    int t;
} mix_worker;

static void mix_name(int t, int i, char out[32]) {
    snprintf(out, 32, "x%d-%d", t, i);
}

static int mix_ok(fantasy_status st) {
    return st == FANTASY_OK || st == FANTASY_ESOLDOUT || st == FANTASY_ELIMIT ||
           st == FANTASY_EEXPIRED || st == FANTASY_ESTATE;
}

static void mix_step(mix_shared *sh, int t, int i) {
    const fixture *f = sh->f;
    char id[32];
    char user[16];
    mix_name(t, i, id);
    user_name((t * 7 + i) % 20, user);
    const char *product = i % 3 ? "p" : "q";
    int64_t now = atomic_fetch_add(&sh->now, 1);
    fantasy_status st[3] = {rsv_at(f, id, product, user, 1 + i % 3, 9, now + 5 + i % 7),
                            FANTASY_OK, FANTASY_OK};
    if (i % 4 == 0) {
        st[1] = release(f, id);
    } else if (i % 4 == 1) {
        st[1] = confirm(f, id, atomic_load(&sh->now));
    } else if (i % 4 == 2) {
        st[1] = confirm(f, id, atomic_load(&sh->now));
        st[2] = give_back(f, id);
    }
    for (int k = 0; k < 3; k++) {
        if (!mix_ok(st[k]) && st[k] != FANTASY_ENOTFOUND) {
            atomic_fetch_add(&sh->bad, 1);
        }
    }
}

static void *mix_write(void *arg) {
    mix_worker *w = arg;
    for (int i = 0; i < MIX_HOLDS; i++) {
        mix_step(w->sh, w->t, i);
    }
    atomic_fetch_sub(&w->sh->writers_left, 1);
    return NULL;
}

static void *mix_sweep(void *arg) {
    mix_shared *sh = arg;
    fantasy_list *l = NULL;
    if (fantasy_list_new(NULL, &l) != FANTASY_OK) {
        atomic_fetch_add(&sh->bad, 1);
        return NULL;
    }
    while (atomic_load(&sh->writers_left) > 0) {
        fantasy_list_clear(l);
        if (sh->f->st.expire(sh->f->st.self, atomic_load(&sh->now), 16, l) != FANTASY_OK) {
            atomic_fetch_add(&sh->bad, 1);
        }
    }
    fantasy_list_free(l);
    return NULL;
}

static void mix_read_one(mix_shared *sh, const char *product) {
    fantasy_stock_counts c;
    if (sh->f->st.counts(sh->f->st.self, product, &c) != FANTASY_OK) {
        atomic_fetch_add(&sh->bad, 1);
        return;
    }
    if (c.available + c.held + c.sold != c.stock || c.available < 0 || c.held < 0 ||
        c.sold < 0) {
        atomic_fetch_add(&sh->violations, 1);
    }
}

static void *mix_read(void *arg) {
    mix_shared *sh = arg;
    while (atomic_load(&sh->writers_left) > 0) {
        mix_read_one(sh, "p");
        mix_read_one(sh, "q");
    }
    return NULL;
}

/* Sum the holds of every writer by state and compare with the counters. */
static void mix_check_totals(const fixture *f) {
    int64_t held[2] = {0};
    int64_t sold[2] = {0};
    for (int t = 0; t < MIX_WRITERS; t++) {
        for (int i = 0; i < MIX_HOLDS; i++) {
            char id[32];
            mix_name(t, i, id);
            fantasy_hold_info info;
            if (f->st.hold(f->st.self, id, &info) != FANTASY_OK) {
                continue;
            }
            int k = strcmp(info.product_id, "p") == 0 ? 0 : 1;
            held[k] += info.state == FANTASY_HOLD_HELD ? info.qty : 0;
            sold[k] += info.state == FANTASY_HOLD_SOLD ? info.qty : 0;
        }
    }
    expect_counts(f, "p", MIX_STOCK, held[0], sold[0], MIX_STOCK - held[0] - sold[0]);
    expect_counts(f, "q", MIX_STOCK, held[1], sold[1], MIX_STOCK - held[1] - sold[1]);
}

static void test_invariant_under_load(void **state) {
    const fixture *f = *state;
    assert_int_equal(set(f, "p", MIX_STOCK), FANTASY_OK);
    assert_int_equal(set(f, "q", MIX_STOCK), FANTASY_OK);
    mix_shared sh = {.f = f};
    atomic_init(&sh.now, 1);
    atomic_init(&sh.writers_left, MIX_WRITERS);
    atomic_init(&sh.violations, 0);
    atomic_init(&sh.bad, 0);
    mix_worker w[MIX_WRITERS];
    void *(*fns[MIX_WRITERS + 2])(void *) = {[MIX_WRITERS] = mix_sweep, mix_read};
    void *args[MIX_WRITERS + 2] = {[MIX_WRITERS] = &sh, &sh};
    for (int t = 0; t < MIX_WRITERS; t++) {
        w[t] = (mix_worker){.sh = &sh, .t = t};
        fns[t] = mix_write;
        args[t] = &w[t];
    }
    run_together(MIX_WRITERS + 2, fns, args);
    assert_int_equal(atomic_load(&sh.violations), 0);
    assert_int_equal(atomic_load(&sh.bad), 0);
    mix_check_totals(f);
}

/* A sweep racing confirms: each hold ends either SOLD (confirm won) or EXPIRED and listed
 * (the sweep won), never both. */
#define RACE_HOLDS 400

typedef struct race_arg {
    const fixture *f;
    fantasy_status st[RACE_HOLDS];
    fantasy_list *swept;
} race_arg;

static void *race_confirm(void *arg) {
    race_arg *r = arg;
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        snprintf(id, sizeof id, "r%d", i);
        r->st[i] = confirm(r->f, id, 50); /* before expiry by its own clock */
    }
    return NULL;
}

static void *race_sweep(void *arg) {
    race_arg *r = arg;
    for (int k = 0; k < RACE_HOLDS; k++) {
        if (r->f->st.expire(r->f->st.self, 100, 3, r->swept) != FANTASY_OK) {
            break;
        }
    }
    return NULL;
}

static void test_expire_races_confirm(void **state) {
    const fixture *f = *state;
    race_arg *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->f = f;
    r->swept = new_list();
    assert_int_equal(set(f, "p", RACE_HOLDS), FANTASY_OK);
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        snprintf(id, sizeof id, "r%d", i);
        assert_int_equal(rsv_at(f, id, "p", "u", 1, 0, 100), FANTASY_OK);
    }
    void *(*const fns[2])(void *) = {race_confirm, race_sweep};
    void *const args[2] = {r, r};
    run_together(2, fns, args);
    int64_t sold = 0;
    for (int i = 0; i < RACE_HOLDS; i++) {
        char id[32];
        snprintf(id, sizeof id, "r%d", i);
        int listed = list_has(r->swept, id, 1);
        assert_int_equal(r->st[i], listed ? FANTASY_ESTATE : FANTASY_OK);
        assert_int_equal(state_of(f, id), listed ? FANTASY_HOLD_EXPIRED : FANTASY_HOLD_SOLD);
        sold += !listed;
    }
    assert_int_equal((int64_t)fantasy_list_size(r->swept), RACE_HOLDS - sold);
    expect_counts(f, "p", RACE_HOLDS, 0, sold, RACE_HOLDS - sold);
    fantasy_list_free(r->swept);
    free(r);
}

/* ---- the group --------------------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, bs)

int fantasy_conformance_stock(const fantasy_conformance_backend *b) {
    if (!b || !b->open_stock) {
        printf("[  SKIPPED ] stock/%s: no stock store\n", b && b->name ? b->name : "?");
        return 0;
    }
    void *bs = (void *)(uintptr_t)b; /* cmocka hands each setup a mutable state pointer */
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
        T(test_contention_one_product),
        T(test_concurrent_same_hold_id),
        T(test_invariant_under_load),
        T(test_expire_races_confirm),
    };
    char name[128];
    snprintf(name, sizeof name, "stock/%s", b->name ? b->name : "?");
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}
