/* Private structures of the in-memory record store (record_store.c): an intrusive AVL tree keyed
 * by NUL-free strings (record_index.c) and an open-addressing table of documents keyed by
 * (collection, id) (record_table.c). Neither allocates on insert or remove, which is what lets a
 * failed batch be rolled back without any chance of failing itself. */
#ifndef FANTASY_BACKENDS_MEMORY_RECORD_INTERNAL_H
#define FANTASY_BACKENDS_MEMORY_RECORD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "fantasy/backend.h"

/* An AVL node embedded in whatever it indexes; `key` points into the owner and never changes
 * while the node is in a tree. Keys compare bytewise (strcmp). */
typedef struct fantasy__rec_node {
    struct fantasy__rec_node *left;
    struct fantasy__rec_node *right;
    const char *key;
    int height;
} fantasy__rec_node;

/* The node holding `key`, or NULL. */
fantasy__rec_node *fantasy__rec_avl_find(fantasy__rec_node *root, const char *key);

/* Insert `fresh` (its key set, not already present in the tree). */
void fantasy__rec_avl_insert(fantasy__rec_node **root, fantasy__rec_node *fresh);

/* Unlink and return the node holding `key`, or NULL when there is none. */
fantasy__rec_node *fantasy__rec_avl_remove(fantasy__rec_node **root, const char *key);

/* The node with the smallest key > `key` (strict) or >= `key` (!strict), or NULL. */
fantasy__rec_node *fantasy__rec_avl_seek(fantasy__rec_node *root, const char *key, int strict);

/* Call `fn` on every node once, in some order, leaving the tree unusable; `fn` may free it. */
void fantasy__rec_avl_drain(fantasy__rec_node *root, void (*fn)(fantasy__rec_node *, void *),
                            void *ctx);

/* A distinct index key of a collection: the set of documents holding it. */
typedef struct fantasy__rec_keynode {
    fantasy__rec_node node; /* in the collection's key tree, keyed by `key` */
    fantasy__rec_node *ids; /* the holders' fantasy__rec_key nodes, keyed by document id */
    int64_t count;          /* number of nodes in `ids` */
    char key[];
} fantasy__rec_keynode;

struct fantasy__rec_doc;

/* One index key of one document version. */
typedef struct fantasy__rec_key {
    fantasy__rec_node node; /* in kn->ids, keyed by the document id */
    struct fantasy__rec_doc *doc;
    fantasy__rec_keynode *kn;    /* where `node` is (or was last) linked */
    fantasy__rec_keynode *spare; /* prepared keynode, used when the key is new to the collection */
    const char *key;
    int unique;
} fantasy__rec_key;

/* A collection: its documents live in the store's table, its keys here. */
typedef struct fantasy__rec_coll {
    fantasy__rec_node node; /* in the store's collection tree, keyed by `name` */
    fantasy__rec_node *keys;
    char name[];
} fantasy__rec_coll;

/* One version of a document, allocated as a single block: this struct, then `keys`, then the
 * id, key strings and bytes. A write replaces the whole block. */
typedef struct fantasy__rec_doc {
    uint64_t hash; /* of (collection name, id) */
    fantasy__rec_coll *coll;
    int64_t version;
    const char *id;
    const char *bytes;
    size_t len;
    fantasy__rec_key *keys; /* sorted by key, no duplicates */
    size_t n_keys;
} fantasy__rec_doc;

/* Documents of every collection by (collection, id). Linear probing, no tombstones. */
typedef struct fantasy__rec_table {
    fantasy__rec_doc **slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
} fantasy__rec_table;

uint64_t fantasy__rec_hash(const char *collection, const char *id);

/* Make room for `extra` more documents, so that inserts until then cannot fail.
 * @return FANTASY_OK or FANTASY_ENOMEM (table unchanged). */
fantasy_status fantasy__rec_table_reserve(fantasy__rec_table *t, const fantasy_allocator *a,
                                          size_t extra);

fantasy__rec_doc *fantasy__rec_table_find(const fantasy__rec_table *t, uint64_t hash,
                                          const fantasy__rec_coll *coll, const char *id);

/* Insert a document not in the table; room must have been reserved. */
void fantasy__rec_table_insert(fantasy__rec_table *t, fantasy__rec_doc *doc);

/* Put `fresh` in the slot of `old` (same collection and id). */
void fantasy__rec_table_replace(fantasy__rec_table *t, fantasy__rec_doc *old,
                                fantasy__rec_doc *fresh);

/* Remove a document that is in the table. */
void fantasy__rec_table_remove(fantasy__rec_table *t, fantasy__rec_doc *doc);

#endif
