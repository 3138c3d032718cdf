/* The token-signing key of a park opened without `auth.secret`: random once per store, kept in
 * the record store so every park and process on that store (a SQLite file, a PostgreSQL
 * database, a host-owned memory store) verifies the others' tokens and tokens survive a reopen. */
#include "core/secret.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/error.h"

#define SECRET_COLLECTION "park_meta"
#define SECRET_ID         "auth_secret"
#define SECRET_BYTES      ((size_t)32)
#define SECRET_PREFIX     "{\"secret_hex\":\""

static const char hex_digits[] = "0123456789abcdef";

static int hex_value(char c) {
    const char *at = c ? strchr(hex_digits, c) : NULL;
    return at ? (int)(at - hex_digits) : -1;
}

/* The stored document is {"secret_hex":"<64 lowercase hex digits>"}; anything else is damage
 * we must not paper over with a fresh key (that would silently log everyone out). */
static fantasy_status parse_secret(const char *doc, unsigned char *key) {
    size_t plen = strlen(SECRET_PREFIX);
    if (strncmp(doc, SECRET_PREFIX, plen) != 0 || strlen(doc) != plen + 2 * SECRET_BYTES + 2 ||
        strcmp(doc + plen + 2 * SECRET_BYTES, "\"}") != 0) {
        return fantasy__fail(FANTASY_EBACKEND, "park: stored auth secret is malformed");
    }
    for (size_t i = 0; i < SECRET_BYTES; i++) {
        int hi = hex_value(doc[plen + 2 * i]);
        int lo = hex_value(doc[plen + 2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return fantasy__fail(FANTASY_EBACKEND, "park: stored auth secret is malformed");
        }
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    return FANTASY_OK;
}

static fantasy_status read_secret(const fantasy_record_store *rs, fantasy_buf *doc,
                                  unsigned char *key) {
    int64_t version = 0;
    fantasy_status st = rs->get(rs->self, SECRET_COLLECTION, SECRET_ID, doc, &version);
    return st == FANTASY_OK ? parse_secret(fantasy_buf_data(doc), key) : st;
}

static fantasy_status create_secret(const fantasy_record_store *rs, unsigned char *key) {
    if (RAND_bytes(key, SECRET_BYTES) != 1) {
        return fantasy__fail(FANTASY_EBACKEND, "park: RAND_bytes failed for auth.secret");
    }
    char doc[sizeof SECRET_PREFIX + 2 * SECRET_BYTES + 3];
    size_t n = strlen(SECRET_PREFIX);
    memcpy(doc, SECRET_PREFIX, n + 1);
    for (size_t i = 0; i < SECRET_BYTES; i++) {
        doc[n++] = hex_digits[key[i] >> 4];
        doc[n++] = hex_digits[key[i] & 15];
    }
    doc[n++] = '"';
    doc[n++] = '}';
    doc[n] = '\0';
    const fantasy_record_op op = { .kind = FANTASY_OP_PUT,
                                   .mode = FANTASY_WRITE_CREATE,
                                   .collection = SECRET_COLLECTION,
                                   .id = SECRET_ID,
                                   .doc = doc,
                                   .doc_len = n };
    return rs->apply(rs->self, &op, 1, NULL);
}

fantasy_status fantasy__secret_load_or_create(const fantasy_record_store *rs,
                                              const fantasy_allocator *alloc, unsigned char *key,
                                              size_t *key_len) {
    fantasy_buf *doc = NULL;
    fantasy_status st = fantasy_buf_new(alloc, &doc);
    if (st == FANTASY_OK) {
        st = read_secret(rs, doc, key);
    }
    if (st == FANTASY_ENOTFOUND) {
        st = create_secret(rs, key);
        /* Another park on the same store created it first: theirs wins. */
        if (st == FANTASY_EEXISTS) {
            st = read_secret(rs, doc, key);
        }
    }
    fantasy_buf_free(doc);
    if (st == FANTASY_OK) {
        *key_len = SECRET_BYTES;
    }
    return st;
}
