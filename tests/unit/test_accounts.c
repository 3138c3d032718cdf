/* accounts.* through the JSON surface: signup, create, login, me, get, list, update, set_role,
 * set_blocked, delete, as_user_id, and bad input that must leave nothing written. */
#include "accounts_fixture.h"
#include "core/park_internal.h"
#include "domain/collections.h"

static int64_t live_accounts(fantasy_park *park) {
    int64_t n = -1;
    assert_int_equal(
        park->records.count(park->records.self, FANTASY__COL_ACCOUNTS, FANTASY__KEY_ALL, &n),
        FANTASY_OK);
    return n;
}

static void expect_code(fantasy_park *park, const char *method, const char *args, const char *token,
                        fantasy_status want) {
    cJSON *r = NULL;
    fantasy_status st = fx_call(park, method, args, token, &r);
    if (st != want) {
        char *t = cJSON_PrintUnformatted(r);
        print_error("%s %.200s -> %s\n", method, args ? args : "", t);
        cJSON_free(t);
    }
    cJSON_Delete(r);
    assert_int_equal(st, want);
}

static void expect_sys(fantasy_park *park, const char *method, const char *args,
                       fantasy_status want) {
    cJSON *r = NULL;
    fantasy_status st = fx_sys(park, method, args, &r);
    if (st != want) {
        char *t = cJSON_PrintUnformatted(r);
        print_error("system %s %.200s -> %s\n", method, args ? args : "", t);
        cJSON_free(t);
    }
    cJSON_Delete(r);
    assert_int_equal(st, want);
}

static void args_id(char *buf, size_t cap, const char *fmt, const char *id) {
    (void)snprintf(buf, cap, fmt, id);
}

/* ---- signup and create ----------------------------------------------------------------------- */

static void signup_returns_user(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    char *json = NULL;
    assert_int_equal(fantasy_call(park, "accounts.signup",
                                  "{\"username\":\"Alice\",\"password\":\"" FX_PASSWORD "\"}", NULL,
                                  &json),
                     FANTASY_OK);
    assert_null(strstr(json, FX_PASSWORD));
    assert_null(strstr(json, "password"));
    cJSON *u = cJSON_Parse(json);
    fantasy_free(json);
    char buf[128];
    assert_int_equal(strlen(fx_str(u, "user_id", buf, sizeof buf)), 26);
    assert_string_equal(fx_str(u, "username", buf, sizeof buf), "Alice");
    assert_string_equal(fx_str(u, "role", buf, sizeof buf), "USER");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(u, "blocked")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(u, "name")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(u, "email")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(u, "slack_id")));
    assert_int_equal(fx_int(u, "created_at"), FX_START_MS);
    assert_int_equal(cJSON_GetArraySize(u), 8);
    cJSON_Delete(u);
    assert_int_equal(live_accounts(park), 1);
    fantasy_park_close(park);
}

static void signup_optional_fields(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    cJSON *u = NULL;
    assert_int_equal(fx_call(park, "accounts.signup",
                             "{\"username\":\"bo.b-1_x\",\"password\":\"" FX_PASSWORD "\","
                             "\"name\":\"B\xc3\xb6"
                             "b \xed\x95\x9c\",\"email\":\"bob+x@mail.example.com\","
                             "\"slack_id\":\"U012AB3CD\"}",
                             NULL, &u),
                     FANTASY_OK);
    char buf[128];
    assert_string_equal(fx_str(u, "name", buf, sizeof buf), "B\xc3\xb6"
                                                            "b \xed\x95\x9c");
    assert_string_equal(fx_str(u, "email", buf, sizeof buf), "bob+x@mail.example.com");
    assert_string_equal(fx_str(u, "slack_id", buf, sizeof buf), "U012AB3CD");
    cJSON_Delete(u);
    fantasy_park_close(park);
}

static void username_unique_ignoring_case(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    expect_code(park, "accounts.signup",
                "{\"username\":\"Alice\",\"password\":\"" FX_PASSWORD "\"}", NULL, FANTASY_OK);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.signup",
                             "{\"username\":\"aLICE\",\"password\":\"" FX_PASSWORD "\"}", NULL, &r),
                     FANTASY_EEXISTS);
    assert_non_null(strstr(fx_message(r), "username"));
    cJSON_Delete(r);
    expect_sys(park, "accounts.create",
               "{\"username\":\"ALICE\",\"password\":\"" FX_PASSWORD "\",\"role\":\"MANAGER\"}",
               FANTASY_EEXISTS);
    assert_int_equal(live_accounts(park), 1);
    /* Login ignores case too. */
    fx_user u;
    fx_login(park, "alice", FX_PASSWORD, &u);
    fantasy_park_close(park);
}

static void slack_id_unique_when_set(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    expect_code(park, "accounts.signup",
                "{\"username\":\"one\",\"password\":\"" FX_PASSWORD "\",\"slack_id\":\"U1\"}", NULL,
                FANTASY_OK);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.signup",
                             "{\"username\":\"two\",\"password\":\"" FX_PASSWORD
                             "\",\"slack_id\":\"U1\"}",
                             NULL, &r),
                     FANTASY_EEXISTS);
    assert_non_null(strstr(fx_message(r), "slack_id"));
    cJSON_Delete(r);
    /* Absent slack ids never collide. */
    expect_code(park, "accounts.signup",
                "{\"username\":\"three\",\"password\":\"" FX_PASSWORD "\"}", NULL, FANTASY_OK);
    expect_code(park, "accounts.signup", "{\"username\":\"four\",\"password\":\"" FX_PASSWORD "\"}",
                NULL, FANTASY_OK);
    /* Taking it through update is refused the same way. */
    fx_user three;
    fx_login(park, "three", FX_PASSWORD, &three);
    assert_int_equal(fx_call(park, "accounts.update", "{\"slack_id\":\"U1\"}", three.access, &r),
                     FANTASY_EEXISTS);
    assert_non_null(strstr(fx_message(r), "slack_id"));
    cJSON_Delete(r);
    fantasy_park_close(park);
}

/* A JSON string literal of `n` bytes of `c`. */
static char *big_string(size_t n, char c) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void bad_signup_inputs_write_nothing(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    static const char *const cases[] = {
        "{\"username\":\"carol\",\"password\":\"\"}",
        "{\"username\":\"carol\",\"password\":\"1234567\"}",
        "{\"username\":\"carol\"}",
        "{\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"ab\",\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"\",\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"a b c\",\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"caf\xc3\xa9\",\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"carol@x\",\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"password\":"
        "\"" FX_PASSWORD "\"}",
        "{\"username\":5,\"password\":\"" FX_PASSWORD "\"}",
        "{\"username\":\"carol\",\"password\":12345678}",
        "{\"username\":\"carol\",\"password\":\"pass\xff\xfe word\"}",
        "{\"username\":\"carol\",\"password\":\"pass\xc0\xafwordxx\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"name\":\"\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"name\":\"bad\xff\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"name\":\"tab\\there\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"name\":\"\xed\xa0\x80\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"nope\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"a@b\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"a@@b.com\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\".a@b.com\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"a@-b.com\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"a b@c.com\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"email\":\"\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"slack_id\":\"\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"slack_id\":\"U 1\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"role\":\"MASTER\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"pasword\":\"x\"}",
        "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\"",
        "[]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_code(park, "accounts.signup", cases[i], NULL, FANTASY_EINVAL);
    }
    /* 10 MB password, 10 MB name, 1025-byte password, 101-character name. */
    size_t big = 10u << 20;
    char *pw = big_string(big, 'p');
    char *args = malloc(big + 256);
    assert_non_null(args);
    (void)snprintf(args, big + 256, "{\"username\":\"carol\",\"password\":\"%s\"}", pw);
    expect_code(park, "accounts.signup", args, NULL, FANTASY_EINVAL);
    (void)snprintf(args, big + 256,
                   "{\"username\":\"carol\",\"password\":\"" FX_PASSWORD "\",\"name\":\"%s\"}", pw);
    expect_code(park, "accounts.signup", args, NULL, FANTASY_EINVAL);
    pw[1025] = '\0';
    (void)snprintf(args, big + 256, "{\"username\":\"carol\",\"password\":\"%s\"}", pw);
    expect_code(park, "accounts.signup", args, NULL, FANTASY_EINVAL);
    pw[1024] = '\0';
    (void)snprintf(args, big + 256, "{\"username\":\"carol\",\"password\":\"%s\"}", pw);
    expect_code(park, "accounts.signup", args, NULL, FANTASY_OK); /* 1024 is the limit */
    pw[101] = '\0';
    (void)snprintf(args, big + 256,
                   "{\"username\":\"dave\",\"password\":\"" FX_PASSWORD "\",\"name\":\"%s\"}", pw);
    expect_code(park, "accounts.signup", args, NULL, FANTASY_EINVAL);
    free(args);
    free(pw);
    assert_int_equal(live_accounts(park), 1);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "accounts.list", "{}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void password_never_stored_in_plain(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "erin", "USER", &u);
    expect_code(park, "accounts.update",
                "{\"current_password\":\"" FX_PASSWORD "\",\"password\":\"second secret pw\"}",
                u.access, FANTASY_OK);
    fantasy_buf *doc = NULL;
    int64_t version = 0;
    assert_int_equal(fantasy_buf_new(NULL, &doc), FANTASY_OK);
    assert_int_equal(
        park->records.get(park->records.self, FANTASY__COL_ACCOUNTS, u.id, doc, &version),
        FANTASY_OK);
    assert_null(strstr(fantasy_buf_data(doc), FX_PASSWORD));
    assert_null(strstr(fantasy_buf_data(doc), "second secret pw"));
    assert_non_null(strstr(fantasy_buf_data(doc), "\"password_hash\":\"$scrypt$N=1024,r=8,p=1$"));
    fantasy_buf_free(doc);
    fantasy_park_close(park);
}

static void create_needs_master(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user user, manager, master;
    fx_user_with_role(park, "user1", "USER", &user);
    fx_user_with_role(park, "manager1", "MANAGER", &manager);
    fx_user_with_role(park, "master1", "MASTER", &master);
    const char *args =
        "{\"username\":\"staff2\",\"password\":\"" FX_PASSWORD "\",\"role\":\"MANAGER\"}";
    expect_code(park, "accounts.create", args, NULL, FANTASY_EAUTH);
    expect_code(park, "accounts.create", args, user.access, FANTASY_EPERM);
    expect_code(park, "accounts.create", args, manager.access, FANTASY_EPERM);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.create", args, master.access, &r), FANTASY_OK);
    char buf[32];
    assert_string_equal(fx_str(r, "role", buf, sizeof buf), "MANAGER");
    cJSON_Delete(r);
    expect_code(park, "accounts.create",
                "{\"username\":\"staff3\",\"password\":\"" FX_PASSWORD "\"}", master.access,
                FANTASY_EINVAL);
    expect_code(park, "accounts.create",
                "{\"username\":\"staff3\",\"password\":\"" FX_PASSWORD "\",\"role\":\"ADMIN\"}",
                master.access, FANTASY_EINVAL);
    expect_code(park, "accounts.create",
                "{\"username\":\"staff3\",\"password\":\"" FX_PASSWORD "\",\"role\":\"SYSTEM\"}",
                master.access, FANTASY_EINVAL);
    assert_int_equal(live_accounts(park), 4);
    fantasy_park_close(park);
}

/* ---- login ----------------------------------------------------------------------------------- */

static void login_result_shape(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    expect_code(park, "accounts.signup", "{\"username\":\"gina\",\"password\":\"" FX_PASSWORD "\"}",
                NULL, FANTASY_OK);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"gina\",\"password\":\"" FX_PASSWORD "\"}", NULL, &r),
                     FANTASY_OK);
    assert_int_equal(fx_int(r, "access_expires_at"), FX_START_MS + 900000);
    assert_int_equal(fx_int(r, "refresh_expires_at"), FX_START_MS + 1209600000LL);
    char buf[FANTASY_TOKEN_MAX];
    assert_non_null(fx_str(r, "access_token", buf, sizeof buf));
    assert_non_null(fx_str(r, "refresh_token", buf, sizeof buf));
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(r, "user");
    assert_string_equal(fx_str(user, "username", buf, sizeof buf), "gina");
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void login_failures_do_not_enumerate(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    expect_code(park, "accounts.signup", "{\"username\":\"hank\",\"password\":\"" FX_PASSWORD "\"}",
                NULL, FANTASY_OK);
    cJSON *unknown = NULL, *wrong = NULL, *shortpw = NULL;
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"nobody\",\"password\":\"" FX_PASSWORD "\"}", NULL,
                             &unknown),
                     FANTASY_EAUTH);
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"hank\",\"password\":\"not the password\"}", NULL,
                             &wrong),
                     FANTASY_EAUTH);
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"hank\",\"password\":\"wrong\"}", NULL, &shortpw),
                     FANTASY_EAUTH);
    assert_string_equal(fx_message(unknown), fx_message(wrong));
    assert_string_equal(fx_message(unknown), fx_message(shortpw));
    cJSON_Delete(unknown);
    cJSON_Delete(wrong);
    cJSON_Delete(shortpw);
    expect_code(park, "accounts.login", "{\"username\":\"hank\"}", NULL, FANTASY_EINVAL);
    expect_code(park, "accounts.login", "{\"username\":\"h\",\"password\":\"" FX_PASSWORD "\"}",
                NULL, FANTASY_EINVAL);
    expect_code(park, "accounts.login", "{\"username\":\"hank\",\"password\":\"\"}", NULL,
                FANTASY_EINVAL);
    fantasy_park_close(park);
}

/* ---- me, get, list --------------------------------------------------------------------------- */

static void me_and_get_follow_owner_rules(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user ann, ben, mgr;
    fx_user_with_role(park, "ann", "USER", &ann);
    fx_user_with_role(park, "ben", "USER", &ben);
    fx_user_with_role(park, "mgr", "MANAGER", &mgr);
    cJSON *r = NULL;
    char args[256], buf[64];
    assert_int_equal(fx_call(park, "accounts.me", NULL, ann.access, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "user_id", buf, sizeof buf), ann.id);
    cJSON_Delete(r);
    expect_code(park, "accounts.me", NULL, NULL, FANTASY_EAUTH);
    args_id(args, sizeof args, "{\"user_id\":\"%s\"}", ann.id);
    expect_code(park, "accounts.get", args, ann.access, FANTASY_OK);
    expect_code(park, "accounts.get", args, mgr.access, FANTASY_OK);
    expect_sys(park, "accounts.get", args, FANTASY_OK);
    cJSON *other = NULL, *missing = NULL;
    args_id(args, sizeof args, "{\"user_id\":\"%s\"}", ben.id);
    assert_int_equal(fx_call(park, "accounts.get", args, ann.access, &other), FANTASY_ENOTFOUND);
    assert_int_equal(fx_call(park, "accounts.get", "{\"user_id\":\"01ZZZZZZZZZZZZZZZZZZZZZZZZ\"}",
                             mgr.access, &missing),
                     FANTASY_ENOTFOUND);
    /* Same wording as a missing account: existence is not revealed. */
    assert_non_null(strstr(fx_message(other), "no user"));
    assert_non_null(strstr(fx_message(missing), "no user"));
    cJSON_Delete(other);
    cJSON_Delete(missing);
    expect_code(park, "accounts.get", "{\"user_id\":\"../etc\"}", mgr.access, FANTASY_EINVAL);
    expect_code(park, "accounts.get", "{}", mgr.access, FANTASY_EINVAL);
    expect_code(park, "accounts.get", args, NULL, FANTASY_EAUTH);
    fantasy_park_close(park);
}

static void list_pages_and_filters(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user mgr, user;
    fx_user_with_role(park, "boss", "MANAGER", &mgr);
    for (int i = 0; i < 5; i++) {
        char args[128];
        (void)snprintf(args, sizeof args,
                       "{\"username\":\"guest%d\",\"password\":\"" FX_PASSWORD "\"}", i);
        expect_code(park, "accounts.signup", args, NULL, FANTASY_OK);
    }
    fx_login(park, "guest0", FX_PASSWORD, &user);
    expect_code(park, "accounts.list", "{}", user.access, FANTASY_EPERM);
    expect_code(park, "accounts.list", "{}", NULL, FANTASY_EAUTH);
    expect_code(park, "accounts.list", "{\"limit\":0}", mgr.access, FANTASY_EINVAL);
    expect_code(park, "accounts.list", "{\"limit\":101}", mgr.access, FANTASY_EINVAL);
    expect_code(park, "accounts.list", "{\"role\":\"BOSS\"}", mgr.access, FANTASY_EINVAL);
    expect_code(park, "accounts.list", "{\"cursor\":\"not a cursor\"}", mgr.access, FANTASY_EINVAL);
    /* Oldest first, two at a time: boss, guest0 | guest1, guest2 | guest3, guest4. */
    char cursor[64] = "";
    const char *expect[] = { "boss", "guest0", "guest1", "guest2", "guest3", "guest4" };
    for (int page = 0; page < 3; page++) {
        char args[128];
        (void)snprintf(args, sizeof args,
                       cursor[0] ? "{\"limit\":2,\"cursor\":\"%s\"}" : "{\"limit\":2%s}", cursor);
        cJSON *r = NULL;
        assert_int_equal(fx_call(park, "accounts.list", args, mgr.access, &r), FANTASY_OK);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
        assert_int_equal(cJSON_GetArraySize(items), 2);
        char buf[64];
        for (int i = 0; i < 2; i++) {
            assert_string_equal(fx_str(cJSON_GetArrayItem(items, i), "username", buf, sizeof buf),
                                expect[page * 2 + i]);
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(r, "next_cursor");
        if (page < 2) {
            fx_str(r, "next_cursor", cursor, sizeof cursor);
        } else {
            assert_true(cJSON_IsNull(next));
        }
        cJSON_Delete(r);
    }
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.list", "{\"role\":\"MANAGER\"}", mgr.access, &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    fantasy_park_close(park);
}

/* ---- update ---------------------------------------------------------------------------------- */

static void update_profile_fields(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "ivan", "USER", &u);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.update",
                             "{\"name\":\"Ivan\",\"email\":\"ivan@example.org\",\"slack_id\":"
                             "\"U9\"}",
                             u.access, &r),
                     FANTASY_OK);
    char buf[64];
    assert_string_equal(fx_str(r, "name", buf, sizeof buf), "Ivan");
    assert_string_equal(fx_str(r, "email", buf, sizeof buf), "ivan@example.org");
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "tokens"));
    cJSON_Delete(r);
    /* No password change: no current_password needed, tokens keep working. */
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    expect_code(park, "accounts.update", "{\"email\":\"not-an-email\"}", u.access, FANTASY_EINVAL);
    expect_code(park, "accounts.update", "{\"name\":\"\"}", u.access, FANTASY_EINVAL);
    expect_code(park, "accounts.update", "{\"username\":\"other\"}", u.access, FANTASY_EINVAL);
    expect_code(park, "accounts.update", "{\"name\":7}", u.access, FANTASY_EINVAL);
    assert_int_equal(fx_call(park, "accounts.me", NULL, u.access, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "email", buf, sizeof buf), "ivan@example.org");
    assert_string_equal(fx_str(r, "name", buf, sizeof buf), "Ivan");
    cJSON_Delete(r);
    expect_code(park, "accounts.update", "{\"name\":\"X\"}", NULL, FANTASY_EAUTH);
    fantasy_park_close(park);
}

static void update_password_rotates_everything(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, second;
    fx_user_with_role(park, "judy", "USER", &u);
    fx_login(park, "judy", FX_PASSWORD, &second);
    expect_code(park, "accounts.update", "{\"password\":\"new password 1\"}", u.access,
                FANTASY_EAUTH);
    expect_code(park, "accounts.update",
                "{\"current_password\":\"wrong password\",\"password\":\"new password 1\"}",
                u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.update",
                "{\"current_password\":\"" FX_PASSWORD "\",\"password\":\"short\"}", u.access,
                FANTASY_EINVAL);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK); /* nothing changed so far */
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.update",
                             "{\"current_password\":\"" FX_PASSWORD
                             "\",\"password\":\"new password 1\",\"name\":\"Judy\"}",
                             u.access, &r),
                     FANTASY_OK);
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(r, "tokens");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(r, "user");
    assert_non_null(tokens);
    char buf[64], fresh[FANTASY_TOKEN_MAX], fresh_refresh[FANTASY_TOKEN_MAX];
    assert_string_equal(fx_str(user, "name", buf, sizeof buf), "Judy");
    fx_str(tokens, "access_token", fresh, sizeof fresh);
    fx_str(tokens, "refresh_token", fresh_refresh, sizeof fresh_refresh);
    assert_int_equal(fx_int(tokens, "access_expires_at"), FX_START_MS + 900000);
    assert_int_equal(fx_int(tokens, "refresh_expires_at"), FX_START_MS + 1209600000LL);
    cJSON_Delete(r);
    /* Issued in the same millisecond as the revocation, the fresh pair works; older ones don't. */
    expect_code(park, "accounts.me", NULL, fresh, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, second.access, FANTASY_EAUTH);
    char args[FANTASY_TOKEN_MAX + 64];
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", second.refresh);
    expect_code(park, "accounts.refresh", args, NULL, FANTASY_EAUTH);
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", fresh_refresh);
    expect_code(park, "accounts.refresh", args, NULL, FANTASY_OK);
    expect_code(park, "accounts.login", "{\"username\":\"judy\",\"password\":\"" FX_PASSWORD "\"}",
                NULL, FANTASY_EAUTH);
    expect_code(park, "accounts.login", "{\"username\":\"judy\",\"password\":\"new password 1\"}",
                NULL, FANTASY_OK);
    fantasy_park_close(park);
}

/* ---- set_role, set_blocked ------------------------------------------------------------------- */

static void set_role_revokes(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, mgr, master;
    fx_user_with_role(park, "kim", "USER", &u);
    fx_user_with_role(park, "lead", "MANAGER", &mgr);
    fx_user_with_role(park, "root", "MASTER", &master);
    char args[256];
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\",\"role\":\"MANAGER\"}", u.id);
    expect_code(park, "accounts.set_role", args, u.access, FANTASY_EPERM);
    expect_code(park, "accounts.set_role", args, mgr.access, FANTASY_EPERM);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.set_role", args, master.access, &r), FANTASY_OK);
    char buf[32];
    assert_string_equal(fx_str(r, "role", buf, sizeof buf), "MANAGER");
    cJSON_Delete(r);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    fx_user again;
    fx_login(park, "kim", FX_PASSWORD, &again);
    expect_code(park, "accounts.list", "{}", again.access, FANTASY_OK);
    /* The same role again changes nothing and revokes nothing. */
    expect_code(park, "accounts.set_role", args, master.access, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, again.access, FANTASY_OK);
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\",\"role\":\"KING\"}", u.id);
    expect_code(park, "accounts.set_role", args, master.access, FANTASY_EINVAL);
    expect_code(park, "accounts.set_role",
                "{\"user_id\":\"01ZZZZZZZZZZZZZZZZZZZZZZZZ\",\"role\":\"USER\"}", master.access,
                FANTASY_ENOTFOUND);
    fantasy_park_close(park);
}

static void block(fantasy_park *park, const char *token, const char *id, int blocked,
                  fantasy_status want) {
    char args[256];
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\",\"blocked\":%s}", id,
                   blocked ? "true" : "false");
    if (token) {
        expect_code(park, "accounts.set_blocked", args, token, want);
    } else {
        expect_sys(park, "accounts.set_blocked", args, want);
    }
}

static void blocking_follows_hierarchy(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, u2, mgr, mgr2, master, master2;
    fx_user_with_role(park, "visitor", "USER", &u);
    fx_user_with_role(park, "visitor2", "USER", &u2);
    fx_user_with_role(park, "staff", "MANAGER", &mgr);
    fx_user_with_role(park, "staff2", "MANAGER", &mgr2);
    fx_user_with_role(park, "admin", "MASTER", &master);
    fx_user_with_role(park, "admin2", "MASTER", &master2);
    block(park, u2.access, u.id, 1, FANTASY_EPERM);     /* USER below the rule */
    block(park, mgr.access, mgr2.id, 1, FANTASY_EPERM); /* same role */
    block(park, mgr.access, mgr.id, 1, FANTASY_EPERM);  /* itself */
    block(park, mgr.access, master.id, 1, FANTASY_EPERM);
    block(park, master.access, master2.id, 1, FANTASY_EPERM);
    block(park, master.access, mgr2.id, 1, FANTASY_OK);
    block(park, mgr.access, u.id, 1, FANTASY_OK);
    block(park, mgr.access, "01ZZZZZZZZZZZZZZZZZZZZZZZZ", 1, FANTASY_ENOTFOUND);
    expect_code(park, "accounts.set_blocked", "{\"user_id\":\"x\"}", mgr.access, FANTASY_EINVAL);
    /* Blocked: tokens refused, login refused. */
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, mgr2.access, FANTASY_EAUTH);
    char args[FANTASY_TOKEN_MAX + 64];
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", u.refresh);
    expect_code(park, "accounts.refresh", args, NULL, FANTASY_EAUTH);
    expect_code(park, "accounts.login",
                "{\"username\":\"visitor\",\"password\":\"" FX_PASSWORD "\"}", NULL, FANTASY_EAUTH);
    char sys_args[128];
    (void)snprintf(sys_args, sizeof sys_args, "{\"as_user_id\":\"%s\"}", u.id);
    expect_sys(park, "accounts.me", sys_args, FANTASY_EPERM);
    /* Unblocking lets them log in but revives no earlier token. */
    block(park, mgr.access, u.id, 0, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.refresh", args, NULL, FANTASY_EAUTH);
    fx_user back;
    fx_login(park, "visitor", FX_PASSWORD, &back);
    expect_code(park, "accounts.me", NULL, back.access, FANTASY_OK);
    /* Only the host may block a MASTER. */
    block(park, NULL, master2.id, 1, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, master2.access, FANTASY_EAUTH);
    fantasy_park_close(park);
}

/* ---- delete ---------------------------------------------------------------------------------- */

static void delete_rules_and_username_reuse(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u, other, mgr, master;
    fx_user_with_role(park, "leo", "USER", &u);
    fx_user_with_role(park, "mia", "USER", &other);
    fx_user_with_role(park, "ops", "MANAGER", &mgr);
    fx_user_with_role(park, "own", "MASTER", &master);
    char args[256];
    args_id(args, sizeof args, "{\"user_id\":\"%s\"}", u.id);
    expect_code(park, "accounts.delete", args, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.delete", args, other.access, FANTASY_ENOTFOUND);
    expect_code(park, "accounts.delete", args, mgr.access, FANTASY_EPERM);
    expect_code(park, "accounts.delete", args, NULL, FANTASY_EAUTH);
    args_id(args, sizeof args, "{\"user_id\":\"%s\",\"password\":\"not my password\"}", u.id);
    expect_code(park, "accounts.delete", args, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_OK);
    args_id(args, sizeof args, "{\"user_id\":\"%s\",\"password\":\"" FX_PASSWORD "\"}", u.id);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "accounts.delete", args, u.access, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(r), 0);
    cJSON_Delete(r);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_code(park, "accounts.delete", args, master.access, FANTASY_ENOTFOUND);
    args_id(args, sizeof args, "{\"user_id\":\"%s\"}", u.id);
    expect_code(park, "accounts.get", args, mgr.access, FANTASY_ENOTFOUND);
    cJSON *login = NULL, *unknown = NULL;
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"leo\",\"password\":\"" FX_PASSWORD "\"}", NULL,
                             &login),
                     FANTASY_EAUTH);
    assert_int_equal(fx_call(park, "accounts.login",
                             "{\"username\":\"zed\",\"password\":\"" FX_PASSWORD "\"}", NULL,
                             &unknown),
                     FANTASY_EAUTH);
    assert_string_equal(fx_message(login), fx_message(unknown));
    cJSON_Delete(login);
    cJSON_Delete(unknown);
    /* The username is free again, and the new account is someone else. */
    assert_int_equal(fx_call(park, "accounts.signup",
                             "{\"username\":\"LEO\",\"password\":\"" FX_PASSWORD "\"}", NULL, &r),
                     FANTASY_OK);
    char buf[64];
    assert_string_not_equal(fx_str(r, "user_id", buf, sizeof buf), u.id);
    cJSON_Delete(r);
    /* A MASTER deletes others without a password. */
    args_id(args, sizeof args, "{\"user_id\":\"%s\"}", other.id);
    expect_code(park, "accounts.delete", args, master.access, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, other.access, FANTASY_EAUTH);
    assert_int_equal(live_accounts(park), 3);
    fantasy_park_close(park);
}

/* ---- the host: as_user_id -------------------------------------------------------------------- */

static void host_acts_for_user(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "nina", "USER", &u);
    char args[256];
    expect_sys(park, "accounts.me", "{}", FANTASY_EINVAL);
    expect_sys(park, "accounts.me", NULL, FANTASY_EINVAL);
    expect_sys(park, "accounts.update", "{\"name\":\"N\"}", FANTASY_EINVAL);
    expect_sys(park, "accounts.logout", "{}", FANTASY_EINVAL);
    args_id(args, sizeof args, "{\"as_user_id\":\"%s\"}", u.id);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "accounts.me", args, &r), FANTASY_OK);
    char buf[64];
    assert_string_equal(fx_str(r, "username", buf, sizeof buf), "nina");
    cJSON_Delete(r);
    args_id(args, sizeof args, "{\"as_user_id\":\"%s\",\"name\":\"Nina\"}", u.id);
    assert_int_equal(fx_sys(park, "accounts.update", args, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "name", buf, sizeof buf), "Nina");
    cJSON_Delete(r);
    /* The host acting for a user still needs the current password to change it. */
    args_id(args, sizeof args, "{\"as_user_id\":\"%s\",\"password\":\"host chosen pw\"}", u.id);
    expect_sys(park, "accounts.update", args, FANTASY_EAUTH);
    args_id(args, sizeof args, "{\"as_user_id\":\"%s\"}", u.id);
    expect_sys(park, "accounts.logout", args, FANTASY_OK);
    expect_code(park, "accounts.me", NULL, u.access, FANTASY_EAUTH);
    expect_sys(park, "accounts.me", "{\"as_user_id\":\"01ZZZZZZZZZZZZZZZZZZZZZZZZ\"}",
               FANTASY_ENOTFOUND);
    expect_sys(park, "accounts.me", "{\"as_user_id\":5}", FANTASY_EINVAL);
    /* Methods that do not act for a user refuse it; callers with tokens may never use it. */
    args_id(args, sizeof args, "{\"user_id\":\"%s\",\"as_user_id\":\"x\"}", u.id);
    expect_sys(park, "accounts.get", args, FANTASY_EINVAL);
    fx_user again;
    fx_login(park, "nina", FX_PASSWORD, &again);
    args_id(args, sizeof args, "{\"as_user_id\":\"%s\"}", u.id);
    expect_code(park, "accounts.me", args, again.access, FANTASY_EPERM);
    /* The host itself needs no token for staff methods. */
    expect_sys(park, "accounts.list", "{}", FANTASY_OK);
    fantasy_park_close(park);
}

static void unknown_method_and_bad_json(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    expect_code(park, "accounts.nope", "{}", NULL, FANTASY_ENOTFOUND);
    expect_code(park, "accounts.signup", "{not json", NULL, FANTASY_EINVAL);
    expect_code(park, "accounts.login", "{\"username\":\"x\",\"password\":\"y\"} trailing", NULL,
                FANTASY_EINVAL);
    assert_int_equal(live_accounts(park), 0);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signup_returns_user),
        cmocka_unit_test(signup_optional_fields),
        cmocka_unit_test(username_unique_ignoring_case),
        cmocka_unit_test(slack_id_unique_when_set),
        cmocka_unit_test(bad_signup_inputs_write_nothing),
        cmocka_unit_test(password_never_stored_in_plain),
        cmocka_unit_test(create_needs_master),
        cmocka_unit_test(login_result_shape),
        cmocka_unit_test(login_failures_do_not_enumerate),
        cmocka_unit_test(me_and_get_follow_owner_rules),
        cmocka_unit_test(list_pages_and_filters),
        cmocka_unit_test(update_profile_fields),
        cmocka_unit_test(update_password_rotates_everything),
        cmocka_unit_test(set_role_revokes),
        cmocka_unit_test(blocking_follows_hierarchy),
        cmocka_unit_test(delete_rules_and_username_reuse),
        cmocka_unit_test(host_acts_for_user),
        cmocka_unit_test(unknown_method_and_bad_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
