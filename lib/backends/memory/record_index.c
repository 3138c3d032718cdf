/* The ordered index of the in-memory record store: an intrusive AVL tree keyed by strings.
 * Intrusive so that linking and unlinking never allocate (rollback must not fail), and ordered so
 * that find and find_keys are range scans. */
#include <string.h>

#include "backends/memory/record_internal.h"

typedef fantasy__rec_node node;

#define MAX_HEIGHT FANTASY__REC_AVL_MAX_HEIGHT

static int height(const node *n) {
    return n ? n->height : 0;
}

static void update(node *n) {
    int l = height(n->left);
    int r = height(n->right);
    n->height = 1 + (l > r ? l : r);
}

static node *rotate_right(node *n) {
    node *l = n->left;
    n->left = l->right;
    l->right = n;
    update(n);
    update(l);
    return l;
}

static node *rotate_left(node *n) {
    node *r = n->right;
    n->right = r->left;
    r->left = n;
    update(n);
    update(r);
    return r;
}

static node *rebalance(node *n) {
    update(n);
    int balance = height(n->left) - height(n->right);
    if (balance > 1) {
        if (height(n->left->left) < height(n->left->right)) {
            n->left = rotate_left(n->left);
        }
        return rotate_right(n);
    }
    if (balance < -1) {
        if (height(n->right->right) < height(n->right->left)) {
            n->right = rotate_right(n->right);
        }
        return rotate_left(n);
    }
    return n;
}

/* Rebalance every node on the path from the change back up to the root. */
static void retrace(node **path[], size_t depth) {
    while (depth > 0) {
        node **link = path[--depth];
        *link = rebalance(*link);
    }
}

fantasy__rec_node *fantasy__rec_avl_find(fantasy__rec_node *root, const char *key) {
    node *n = root;
    while (n) {
        int c = strcmp(key, n->key);
        if (c == 0) {
            return n;
        }
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

/* Hang `fresh` at the empty `link` reached through `path`, then rebalance upwards. Once a
 * subtree is as high as before the insert (a rotation restores it too), nothing above it
 * changes: stopping there keeps an insert at the hot right edge of a large tree (time-ordered
 * ids) from reading every sibling on the way up. @return the index in `path` of the highest
 * link rebalanced (`depth` when none): the nodes held by the links above it are unchanged. */
static size_t attach(node **path[], size_t depth, node **link, node *fresh) {
    fresh->left = NULL;
    fresh->right = NULL;
    fresh->height = 1;
    *link = fresh;
    while (depth > 0) {
        node **up = path[--depth];
        int before = (*up)->height;
        *up = rebalance(*up);
        if ((*up)->height == before) {
            break;
        }
    }
    return depth;
}

void fantasy__rec_avl_insert(fantasy__rec_node **root, fantasy__rec_node *fresh) {
    node **path[MAX_HEIGHT];
    size_t depth = 0;
    node **link = root;
    while (*link) {
        path[depth++] = link;
        link = strcmp(fresh->key, (*link)->key) < 0 ? &(*link)->left : &(*link)->right;
    }
    attach(path, depth, link, fresh);
}

void fantasy__rec_avl_append(fantasy__rec_node **root, fantasy__rec_node *fresh) {
    node **path[MAX_HEIGHT];
    size_t depth = 0;
    node **link = root;
    while (*link) {
        path[depth++] = link;
        link = &(*link)->right;
    }
    attach(path, depth, link, fresh);
}

/* The link holding node `i` of the right edge: the root's, or the right link of the one above. */
static node **spine_link(node **root, const fantasy__rec_spine *sp, size_t i) {
    return i == 0 ? root : &sp->at[i - 1]->right;
}

/* Record the right edge from level `from` down (the levels above it are known). @return 0, or
 * -1 (edge unknown) for an edge too long to keep. */
static int spine_walk(node **root, fantasy__rec_spine *sp, size_t from) {
    size_t d = from;
    for (node *n = *spine_link(root, sp, from); n; n = n->right) {
        if (d == MAX_HEIGHT) {
            sp->depth = 0;
            return -1;
        }
        sp->at[d++] = n;
    }
    sp->depth = d;
    return 0;
}

void fantasy__rec_avl_append_spine(fantasy__rec_node **root, fantasy__rec_spine *sp,
                                   fantasy__rec_node *fresh) {
    if (sp->depth == 0 && spine_walk(root, sp, 0) != 0) {
        fantasy__rec_avl_append(root, fresh);
        return;
    }
    size_t top = sp->depth;
    fresh->left = NULL;
    fresh->right = NULL;
    fresh->height = 1;
    *spine_link(root, sp, top) = fresh;
    /* As attach(): up the edge until a subtree is as high as before. Levels above `top` keep
     * their nodes, so only the edge below it is walked again. */
    while (top > 0) {
        node **up = spine_link(root, sp, --top);
        int before = (*up)->height;
        *up = rebalance(*up);
        if ((*up)->height == before) {
            break;
        }
    }
    (void)spine_walk(root, sp, top);
}

void fantasy__rec_avl_insert_spine(fantasy__rec_node **root, fantasy__rec_spine *sp,
                                   fantasy__rec_node *fresh) {
    if (sp->depth == 0) {
        /* Not rebuilt here: after a removal (an update moving a document) this insert is the
         * one change, and the next append walks the edge anyway. */
        fantasy__rec_avl_insert(root, fresh);
        return;
    }
    /* Keys grow down the edge: `below` of its nodes have keys below the fresh one, which
     * therefore goes into the left subtree of the next (the one below the root's, if none).
     * Counted from the bottom: raced ids fall a node or two above it. */
    size_t below = sp->depth;
    while (below > 0 && strcmp(sp->at[below - 1]->key, fresh->key) > 0) {
        below--;
    }
    if (below == sp->depth) {
        fantasy__rec_avl_append_spine(root, sp, fresh);
        return;
    }
    node **path[MAX_HEIGHT];
    size_t depth = 0;
    for (; depth <= below; depth++) {
        path[depth] = spine_link(root, sp, depth);
    }
    node **link = &sp->at[below]->left;
    while (*link) {
        path[depth++] = link;
        link = strcmp(fresh->key, (*link)->key) < 0 ? &(*link)->left : &(*link)->right;
    }
    size_t top = attach(path, depth, link, fresh);
    if (top <= below) {
        (void)spine_walk(root, sp, top);
    }
}

fantasy__rec_node *fantasy__rec_avl_last(fantasy__rec_node *root) {
    node *n = root;
    while (n && n->right) {
        n = n->right;
    }
    return n;
}

/* Put the in-order successor of `target` (which has two children) in its place. `path` holds
 * the links down to `target`; it is extended down to the successor's old parent. */
static void splice_successor(node **path[], size_t *depth, node **link) {
    node *target = *link;
    size_t at = *depth;
    path[(*depth)++] = link;
    node **s = &target->right;
    while ((*s)->left) {
        path[(*depth)++] = s;
        s = &(*s)->left;
    }
    node *succ = *s;
    *s = succ->right;
    succ->left = target->left;
    succ->right = target->right;
    *link = succ;
    if (at + 1 < *depth) {
        /* That link was target's right pointer; target is gone, succ has taken its place. */
        path[at + 1] = &succ->right;
    }
}

fantasy__rec_node *fantasy__rec_avl_remove(fantasy__rec_node **root, const char *key) {
    node **path[MAX_HEIGHT];
    size_t depth = 0;
    node **link = root;
    int c = 0;
    while (*link && (c = strcmp(key, (*link)->key)) != 0) {
        path[depth++] = link;
        link = c < 0 ? &(*link)->left : &(*link)->right;
    }
    node *target = *link;
    if (!target) {
        return NULL;
    }
    if (!target->left || !target->right) {
        *link = target->left ? target->left : target->right;
    } else {
        splice_successor(path, &depth, link);
    }
    retrace(path, depth);
    return target;
}

fantasy__rec_node *fantasy__rec_avl_seek(fantasy__rec_node *root, const char *key, int strict) {
    node *best = NULL;
    node *n = root;
    while (n) {
        int c = strcmp(n->key, key);
        if (c > 0 || (c == 0 && !strict)) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}
