/* The cached right edge of the memory record store's holder trees (record_index.c,
 * fantasy__rec_avl_append_spine and _insert_spine): appends and inserts below the greatest key
 * through it build a balanced, ordered tree, the cache always matches the tree's real right
 * edge, and a cache forgotten after removals is rebuilt. Then the same through the store: a
 * key with hundreds of holders, written out of order and partly deleted, still finds, pages
 * and counts them in id order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/backends/memory.h"

#include "backends/memory/record_internal.h"
#include "unit/fixture_record.h"

#define N 3000

typedef struct item {
    fantasy__rec_node node;
    char key[16];
} item;

static item items[N];

static void make_key(char out[16], int i) {
    (void)snprintf(out, 16, "k%08d", i);
}

static int height(const fantasy__rec_node *n) {
    return n ? n->height : 0;
}

/* The tree is ordered (strictly increasing keys in order), holds `expect` nodes, and each node's
 * height is right given its children's and balanced: by induction from the leaves, all are. */
static void check_all(fantasy__rec_node *root, size_t expect) {
    const fantasy__rec_node *stack[FANTASY__REC_AVL_MAX_HEIGHT];
    size_t depth = 0, count = 0;
    const char *prev = NULL;
    const fantasy__rec_node *n = root;
    while (n || depth > 0) {
        while (n) {
            assert_true(depth < FANTASY__REC_AVL_MAX_HEIGHT);
            stack[depth++] = n;
            n = n->left;
        }
        n = stack[--depth];
        if (prev) {
            assert_true(strcmp(prev, n->key) < 0);
        }
        prev = n->key;
        count++;
        int l = height(n->left), r = height(n->right);
        assert_true(l - r <= 1 && r - l <= 1);
        assert_int_equal(n->height, 1 + (l > r ? l : r));
        n = n->right;
    }
    assert_int_equal(count, expect);
}

/* A known cache is exactly the tree's right edge. */
static void check_spine(fantasy__rec_node *root, const fantasy__rec_spine *sp) {
    if (sp->depth == 0) {
        return;
    }
    size_t d = 0;
    for (fantasy__rec_node *n = root; n; n = n->right) {
        assert_true(d < sp->depth);
        assert_ptr_equal(sp->at[d], n);
        d++;
    }
    assert_int_equal(d, sp->depth);
}

static void test_appends_keep_edge(void **state) {
    (void)state;
    fantasy__rec_node *root = NULL;
    fantasy__rec_spine sp = { .depth = 0 };
    for (int i = 0; i < N; i++) {
        make_key(items[i].key, i);
        items[i].node.key = items[i].key;
        fantasy__rec_avl_append_spine(&root, &sp, &items[i].node);
        check_spine(root, &sp);
        assert_int_not_equal(sp.depth, 0);
        if (i % 97 == 0) {
            check_all(root, (size_t)i + 1);
        }
    }
    check_all(root, N);
    assert_ptr_equal(fantasy__rec_avl_last(root), &items[N - 1].node);
}

/* Writers racing: ids mostly ascending, each run of 8 in a shuffled order, and now and then
 * one far below the rest. Inserts below the greatest key go through the edge too. */
static void test_inserts_keep_edge(void **state) {
    (void)state;
    fantasy__rec_node *root = NULL;
    fantasy__rec_spine sp = { .depth = 0 };
    const char *greatest = "";
    static const int shuffle[8] = { 3, 0, 7, 1, 2, 6, 4, 5 };
    size_t live = 0;
    for (int i = 0; i < N; i++) {
        make_key(items[i].key, i);
        items[i].node.key = items[i].key;
    }
    for (int base = 0; base + 8 <= N; base += 8) {
        for (int j = 0; j < 8; j++) {
            int i = base + shuffle[j];
            /* Every 64th run's first one was held back and goes in a run later. */
            if (base % 512 == 64 && j == 0) {
                continue;
            }
            if (base % 512 == 128 && j == 0) {
                i = base - 64 + shuffle[0];
            }
            if (strcmp(items[i].key, greatest) > 0) {
                fantasy__rec_avl_append_spine(&root, &sp, &items[i].node);
                greatest = items[i].key;
            } else {
                fantasy__rec_avl_insert_spine(&root, &sp, &items[i].node);
            }
            live++;
            check_spine(root, &sp);
            assert_int_not_equal(sp.depth, 0);
        }
        if (base % 200 == 0) {
            check_all(root, live);
        }
    }
    check_all(root, live);
}

static void test_forgotten_edge_rebuilt(void **state) {
    (void)state;
    fantasy__rec_node *root = NULL;
    fantasy__rec_spine sp = { .depth = 0 };
    size_t live = 0;
    /* Even keys appended, some removed, odd ones inserted between them, more appended. */
    for (int i = 0; i < N; i++) {
        make_key(items[i].key, i);
        items[i].node.key = items[i].key;
    }
    for (int i = 0; i < N / 2; i += 2) {
        fantasy__rec_avl_append_spine(&root, &sp, &items[i].node);
        live++;
    }
    uint32_t lcg = 7; /* a fixed sequence of positions, the same every run */
    for (int round = 0; round < 400; round++) {
        lcg = lcg * 1103515245u + 12345u;
        int i = (int)((lcg >> 8) % (N / 2));
        fantasy__rec_node *hit = fantasy__rec_avl_find(root, items[i].key);
        if (hit) {
            assert_ptr_equal(fantasy__rec_avl_remove(&root, items[i].key), hit);
            live--;
        } else {
            fantasy__rec_avl_insert(&root, &items[i].node);
            live++;
        }
        sp.depth = 0;
        int next = N / 2 + round;
        fantasy__rec_avl_append_spine(&root, &sp, &items[next].node);
        live++;
        check_spine(root, &sp);
        if (round % 41 == 0) {
            check_all(root, live);
        }
    }
    check_all(root, live);
}

/* Through the store: SPINE_MIN is well below this many holders of one key. */
#define HOLDERS 400

static void test_store_order(void **state) {
    (void)state;
    fantasy_record_store s;
    assert_int_equal(fantasy_memory_record_store_open(NULL, &s), FANTASY_OK);
    char held[HOLDERS] = { 0 };
    /* Ascending appends, then deletes and writes in the middle, then more appends, twice. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = pass; i < HOLDERS; i += 2) {
            fx_rec_put_nth(&s, i, "k");
            held[i] = 1;
        }
        for (int i = 3; i < HOLDERS; i += 7) {
            fx_rec_del_nth(&s, i);
            held[i] = 0;
        }
        for (int i = 1; i < HOLDERS; i += 10) {
            fx_rec_put_nth(&s, i, held[i] ? "other" : "k");
            held[i] = (char)!held[i];
        }
    }
    int64_t expect = 0;
    for (int i = 0; i < HOLDERS; i++) {
        expect += held[i];
    }
    int64_t count = 0;
    assert_int_equal(s.count(s.self, "c", "k", &count), FANTASY_OK);
    assert_int_equal(count, expect);
    fantasy_list *page = NULL;
    assert_int_equal(fantasy_list_new(NULL, &page), FANTASY_OK);
    char after[32] = "";
    int at = 0;
    int64_t seen = 0;
    for (;;) {
        fantasy_list_clear(page);
        assert_int_equal(s.find(s.self, "c", "k", after, 37, page), FANTASY_OK);
        size_t n = fantasy_list_size(page);
        for (size_t j = 0; j < n; j++) {
            while (!held[at]) {
                at++;
            }
            char id[32];
            (void)snprintf(id, sizeof id, FX_REC_ID_FMT, at++);
            assert_string_equal(fantasy_list_str(page, j), id);
            seen++;
        }
        if (n < 37) {
            break;
        }
        (void)snprintf(after, sizeof after, "%s", fantasy_list_str(page, n - 1));
    }
    assert_int_equal(seen, expect);
    fantasy_list_free(page);
    s.destroy(s.self);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_keep_edge),
        cmocka_unit_test(test_inserts_keep_edge),
        cmocka_unit_test(test_forgotten_edge_rebuilt),
        cmocka_unit_test(test_store_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
