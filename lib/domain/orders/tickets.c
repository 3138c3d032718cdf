/* tickets.get / tickets.list / tickets.redeem (API.md). */
#include <stdio.h>
#include <string.h>

#include "api/method.h"
#include "core/json.h"
#include "domain/collections.h"
#include "domain/orders/order.h"

static fantasy_status load_ticket(fantasy_park *park, const fantasy_actor *actor, const char *id,
                                  cJSON **doc, int64_t *ver) {
    fantasy_status st = fantasy__doc_load(park, FANTASY__COL_TICKETS, "ticket", id, doc, ver);
    if (st == FANTASY_OK && actor->role < FANTASY_ROLE_MANAGER &&
        strcmp(actor->user_id, fantasy__json_get_str(*doc, "user_id")) != 0) {
        cJSON_Delete(*doc);
        *doc = NULL;
        return fantasy__fail(FANTASY_ENOTFOUND, "ticket %s not found", id);
    }
    return st;
}

static fantasy_status read_id(const cJSON *args, const char **id) {
    static const char *const fields[] = { "ticket_id", NULL };
    fantasy_status st = fantasy__json_only(args, fields);
    return st ? st : fantasy__json_str(args, "ticket_id", 1, id, NULL);
}

fantasy_status fantasy__tickets_get(fantasy_park *park, const fantasy_actor *actor,
                                    const cJSON *args, cJSON **result) {
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = read_id(args, &id);
    st = st ? st : load_ticket(park, actor, id, &doc, &ver);
    st = st ? st : fantasy__ticket_json(park, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

/* VALID → REDEEMED exactly once: the write is conditioned on the version we read. */
fantasy_status fantasy__tickets_redeem(fantasy_park *park, const fantasy_actor *actor,
                                       const cJSON *args, cJSON **result) {
    const char *id = NULL;
    cJSON *doc = NULL;
    int64_t ver = 0;
    fantasy_status st = read_id(args, &id);
    st = st ? st : load_ticket(park, actor, id, &doc, &ver);
    const char *s = st == FANTASY_OK ? fantasy__json_get_str(doc, "status") : "";
    if (st == FANTASY_OK && strcmp(s, "REDEEMED") == 0) {
        st = fantasy__fail(FANTASY_EREDEEMED, "ticket already redeemed");
    } else if (st == FANTASY_OK && strcmp(s, "VALID") != 0) {
        st = fantasy__fail(FANTASY_ESTATE, "ticket is %s", s);
    }
    st = st ? st : fantasy__doc_set_str(doc, "status", "REDEEMED");
    fantasy__docw w;
    memset(&w, 0, sizeof w);
    if (st == FANTASY_OK) {
        char k_user[128], k_order[128];
        (void)snprintf(k_user, sizeof k_user, "%s%s", FANTASY__KEY_USER,
                       fantasy__json_get_str(doc, "user_id"));
        (void)snprintf(k_order, sizeof k_order, "order:%s", fantasy__json_get_str(doc, "order_id"));
        const char *keys[] = { FANTASY__KEY_ALL, "status:REDEEMED", k_user, k_order, NULL };
        st = fantasy__docw_make(park, &w, FANTASY__COL_TICKETS, id, doc, ver, keys, NULL);
        st = st ? st : park->records.apply(park->records.self, &w.op, 1, &ver);
        if (st == FANTASY_ECONFLICT) {
            /* A concurrent scan won; the only move out of VALID it could make is ours. */
            st = fantasy__fail(FANTASY_EREDEEMED, "ticket already redeemed");
        }
    }
    fantasy__docw_clear(&w);
    st = st ? st : fantasy__ticket_json(park, doc, ver, result);
    cJSON_Delete(doc);
    return st;
}

typedef struct ticket_filter {
    const char *status;
} ticket_filter;

static int keep_ticket(const cJSON *doc, const void *ctx) {
    const ticket_filter *f = ctx;
    return !f->status || strcmp(f->status, fantasy__json_get_str(doc, "status")) == 0;
}

fantasy_status fantasy__tickets_list(fantasy_park *park, const fantasy_actor *actor,
                                     const cJSON *args, cJSON **result) {
    static const char *const fields[] = { "status", "cursor", "limit", NULL };
    ticket_filter f = { NULL };
    int64_t limit = 0;
    const char *cursor = NULL;
    fantasy_status st = fantasy__json_only(args, fields);
    st = st ? st : fantasy__json_str(args, "status", 0, &f.status, NULL);
    st = st ? st : fantasy__json_page(args, &limit, &cursor);
    if (st != FANTASY_OK) {
        return st;
    }
    char key[128];
    (void)snprintf(key, sizeof key, "%s%s", FANTASY__KEY_USER, actor->user_id);
    const fantasy__doc_query q = { FANTASY__COL_TICKETS, key, keep_ticket, &f,
                                   fantasy__ticket_json };
    return fantasy__doc_page(park, &q, cursor, limit, result);
}
