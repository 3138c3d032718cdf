/* The typed C API of fantasy/accounts.h: same rules as the JSON methods, outs and ownership. */
#include "accounts_fixture.h"

static fantasy_account_new account(const char *username, const char *password, fantasy_role role) {
    fantasy_account_new in;
    memset(&in, 0, sizeof in);
    in.username = username;
    in.password = password;
    in.role = role;
    return in;
}

static void signup_login_verify(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fantasy_account_new in = account("typed", FX_PASSWORD, FANTASY_ROLE_MASTER);
    in.email = "typed@example.com";
    fantasy_user *u = NULL;
    assert_int_equal(fantasy_accounts_signup(park, NULL, &in, &u), FANTASY_OK);
    assert_int_equal(u->role, FANTASY_ROLE_USER); /* signup ignores role */
    assert_string_equal(u->email, "typed@example.com");
    assert_string_equal(u->name, "");
    assert_int_equal(u->created_at_ms, FX_START_MS);
    fantasy_tokens *t = NULL;
    fantasy_user *who = NULL;
    assert_int_equal(fantasy_accounts_login(park, NULL, "TYPED", FX_PASSWORD, &t, &who),
                     FANTASY_OK);
    assert_string_equal(who->user_id, u->user_id);
    assert_int_equal(t->access_expires_at_ms, FX_START_MS + 900000);
    fantasy_actor actor;
    assert_int_equal(fantasy_auth_verify(park, t->access_token, &actor), FANTASY_OK);
    assert_int_equal(actor.role, FANTASY_ROLE_USER);
    assert_string_equal(actor.user_id, u->user_id);
    assert_int_equal(fantasy_auth_verify(park, t->refresh_token, &actor), FANTASY_EAUTH);
    assert_int_equal(actor.role, FANTASY_ROLE_NONE);
    fantasy_user *me = NULL;
    assert_int_equal(fantasy_auth_verify(park, t->access_token, &actor), FANTASY_OK);
    assert_int_equal(fantasy_accounts_me(park, &actor, &me), FANTASY_OK);
    assert_string_equal(me->username, "typed");
    fantasy_tokens *t2 = NULL;
    assert_int_equal(fantasy_accounts_refresh(park, NULL, t->refresh_token, &t2), FANTASY_OK);
    assert_non_null(t2);
    fantasy_tokens_free(t2);
    assert_int_equal(fantasy_accounts_refresh(park, NULL, t->refresh_token, &t2), FANTASY_EAUTH);
    assert_null(t2);
    fx_advance(park, 900000);
    assert_int_equal(fantasy_auth_verify(park, t->access_token, &actor), FANTASY_EEXPIRED);
    fantasy_user_free(u);
    fantasy_user_free(who);
    fantasy_user_free(me);
    fantasy_tokens_free(t);
    fantasy_park_close(park);
}

static void staff_operations(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fantasy_account_new in = account("chief", FX_PASSWORD, FANTASY_ROLE_MASTER);
    fantasy_user *master = NULL, *mgr = NULL, *u = NULL, *out = NULL;
    assert_int_equal(fantasy_accounts_create(park, NULL, &in, &master), FANTASY_EAUTH);
    assert_null(master);
    assert_int_equal(fantasy_accounts_create(park, fantasy_actor_system(), &in, &master),
                     FANTASY_OK);
    fantasy_actor as_master, as_mgr, as_user;
    assert_int_equal(fantasy_actor_as_user(park, master->user_id, &as_master), FANTASY_OK);
    assert_int_equal(as_master.role, FANTASY_ROLE_MASTER);
    in = account("floor", FX_PASSWORD, FANTASY_ROLE_MANAGER);
    assert_int_equal(fantasy_accounts_create(park, &as_master, &in, &mgr), FANTASY_OK);
    in = account("guest", FX_PASSWORD, FANTASY_ROLE_NONE);
    assert_int_equal(fantasy_accounts_signup(park, NULL, &in, &u), FANTASY_OK);
    assert_int_equal(fantasy_actor_as_user(park, mgr->user_id, &as_mgr), FANTASY_OK);
    assert_int_equal(fantasy_actor_as_user(park, u->user_id, &as_user), FANTASY_OK);
    in = account("other", FX_PASSWORD, FANTASY_ROLE_NONE);
    assert_int_equal(fantasy_accounts_create(park, &as_mgr, &in, &out), FANTASY_EPERM);
    in.role = (fantasy_role)9;
    assert_int_equal(fantasy_accounts_create(park, &as_master, &in, &out), FANTASY_EINVAL);

    assert_int_equal(fantasy_accounts_get(park, &as_user, mgr->user_id, &out), FANTASY_ENOTFOUND);
    assert_int_equal(fantasy_accounts_get(park, &as_mgr, u->user_id, &out), FANTASY_OK);
    fantasy_user_free(out);

    fantasy_user_page *page = NULL;
    assert_int_equal(fantasy_accounts_list(park, &as_user, FANTASY_ROLE_NONE, NULL, 0, &page),
                     FANTASY_EPERM);
    assert_int_equal(fantasy_accounts_list(park, &as_mgr, FANTASY_ROLE_NONE, NULL, 2, &page),
                     FANTASY_OK);
    assert_int_equal(page->n, 2);
    assert_string_equal(page->items[0].username, "chief");
    assert_string_equal(page->items[1].username, "floor");
    char cursor[FANTASY_ID_MAX];
    (void)snprintf(cursor, sizeof cursor, "%s", page->next_cursor);
    fantasy_user_page_free(page);
    assert_int_equal(fantasy_accounts_list(park, &as_mgr, FANTASY_ROLE_NONE, cursor, 2, &page),
                     FANTASY_OK);
    assert_int_equal(page->n, 1);
    assert_string_equal(page->next_cursor, "");
    fantasy_user_page_free(page);
    assert_int_equal(fantasy_accounts_list(park, &as_mgr, FANTASY_ROLE_MASTER, "", 0, &page),
                     FANTASY_OK);
    assert_int_equal(page->n, 1);
    fantasy_user_page_free(page);
    assert_int_equal(fantasy_accounts_list(park, &as_mgr, FANTASY_ROLE_NONE, NULL, 101, &page),
                     FANTASY_EINVAL);
    assert_null(page);

    assert_int_equal(fantasy_accounts_set_blocked(park, &as_mgr, master->user_id, 1, &out),
                     FANTASY_EPERM);
    assert_int_equal(fantasy_accounts_set_blocked(park, &as_mgr, u->user_id, 1, &out), FANTASY_OK);
    assert_true(out->blocked);
    fantasy_user_free(out);
    fantasy_actor blocked;
    assert_int_equal(fantasy_actor_as_user(park, u->user_id, &blocked), FANTASY_EPERM);
    assert_int_equal(
        fantasy_accounts_set_role(park, &as_mgr, u->user_id, FANTASY_ROLE_MANAGER, &out),
        FANTASY_EPERM);
    assert_int_equal(
        fantasy_accounts_set_role(park, &as_master, u->user_id, FANTASY_ROLE_MANAGER, &out),
        FANTASY_OK);
    assert_int_equal(out->role, FANTASY_ROLE_MANAGER);
    fantasy_user_free(out);
    assert_int_equal(fantasy_accounts_delete(park, &as_mgr, u->user_id, NULL), FANTASY_EPERM);
    assert_int_equal(fantasy_accounts_delete(park, &as_master, u->user_id, NULL), FANTASY_OK);
    assert_int_equal(fantasy_actor_as_user(park, u->user_id, &blocked), FANTASY_ENOTFOUND);
    fantasy_user_free(master);
    fantasy_user_free(mgr);
    fantasy_user_free(u);
    fantasy_park_close(park);
}

static void update_and_self_delete(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fantasy_account_new in = account("selfie", FX_PASSWORD, FANTASY_ROLE_NONE);
    fantasy_user *u = NULL, *out = NULL;
    assert_int_equal(fantasy_accounts_signup(park, NULL, &in, &u), FANTASY_OK);
    fantasy_actor me;
    assert_int_equal(fantasy_actor_as_user(park, u->user_id, &me), FANTASY_OK);
    fantasy_account_update up;
    memset(&up, 0, sizeof up);
    up.name = "Selfie";
    fantasy_tokens *t = NULL;
    assert_int_equal(fantasy_accounts_update(park, &me, &up, &out, &t), FANTASY_OK);
    assert_string_equal(out->name, "Selfie");
    assert_null(t);
    fantasy_user_free(out);
    up.password = "brand new secret";
    assert_int_equal(fantasy_accounts_update(park, &me, &up, &out, &t), FANTASY_EAUTH);
    assert_null(out);
    up.current_password = FX_PASSWORD;
    assert_int_equal(fantasy_accounts_update(park, &me, &up, &out, &t), FANTASY_OK);
    assert_non_null(t);
    fantasy_actor fresh;
    assert_int_equal(fantasy_auth_verify(park, t->access_token, &fresh), FANTASY_OK);
    fantasy_user_free(out);
    fantasy_tokens_free(t);
    /* The host acting for nobody is not a user. */
    assert_int_equal(fantasy_accounts_me(park, fantasy_actor_system(), &out), FANTASY_EINVAL);
    assert_int_equal(fantasy_accounts_logout(park, fantasy_actor_system()), FANTASY_EINVAL);
    assert_int_equal(fantasy_accounts_logout(park, NULL), FANTASY_EAUTH);
    assert_int_equal(fantasy_accounts_delete(park, &me, u->user_id, NULL), FANTASY_EAUTH);
    assert_int_equal(fantasy_accounts_delete(park, &me, u->user_id, FX_PASSWORD), FANTASY_EAUTH);
    assert_int_equal(fantasy_accounts_delete(park, &me, u->user_id, "brand new secret"),
                     FANTASY_OK);
    assert_int_equal(fantasy_auth_verify(park, "x", &fresh), FANTASY_EAUTH);
    fantasy_user_free(u);
    fantasy_park_close(park);
}

static void misuse(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fantasy_user *out = (fantasy_user *)1;
    fantasy_actor actor;
    assert_int_equal(fantasy_accounts_me(NULL, NULL, &out), FANTASY_EMISUSE);
    assert_null(out);
    assert_int_equal(fantasy_accounts_me(park, NULL, NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_accounts_get(park, fantasy_actor_system(), NULL, &out),
                     FANTASY_EMISUSE);
    assert_int_equal(fantasy_accounts_signup(park, NULL, NULL, &out), FANTASY_EMISUSE);
    assert_int_equal(fantasy_auth_verify(park, NULL, &actor), FANTASY_EMISUSE);
    assert_int_equal(fantasy_auth_verify(NULL, "x", &actor), FANTASY_EMISUSE);
    assert_int_equal(fantasy_actor_as_user(park, "x", NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_actor_as_user(park, "bad id!", &actor), FANTASY_EINVAL);
    fantasy_actor forged;
    memset(&forged, 'A', sizeof forged);
    forged.role = FANTASY_ROLE_USER;
    assert_int_equal(fantasy_accounts_me(park, &forged, &out), FANTASY_EMISUSE);
    fantasy_account_new in;
    memset(&in, 0, sizeof in);
    in.username = "nopass";
    assert_int_equal(fantasy_accounts_signup(park, NULL, &in, &out), FANTASY_EINVAL);
    assert_string_equal(fantasy_error_last(), "missing field 'password'");
    fantasy_user_free(NULL);
    fantasy_tokens_free(NULL);
    fantasy_user_page_free(NULL);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signup_login_verify),
        cmocka_unit_test(staff_operations),
        cmocka_unit_test(update_and_self_delete),
        cmocka_unit_test(misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
