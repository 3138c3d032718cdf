/* Park worlds for cmocka tests of the typed API (test_orders_typed.c, test_products_typed.c,
 * test_products_sale_memo.c): users made through the accounts API with the typed actors acting
 * as them, and the teardown of a world that starts with its park. */
#ifndef FANTASY_TESTS_FIXTURE_PARK_H
#define FANTASY_TESTS_FIXTURE_PARK_H

#include "orders_fixture.h"

/* fx_user_with_role, then the typed actor acting as that user into *actor. */
static inline void fx_actor_with_role(fantasy_park *park, const char *username, const char *role,
                                      fx_user *u, fantasy_actor *actor) {
    fx_user_with_role(park, username, role, u);
    assert_int_equal(fantasy_actor_as_user(park, u->id, actor), FANTASY_OK);
}

/* cmocka teardown of a calloc'ed world whose first member is its fantasy_park *. */
static inline int fx_world_close(void **state) {
    fantasy_park **park = *state;
    fantasy_park_close(*park);
    free(*state);
    return 0;
}

#endif
