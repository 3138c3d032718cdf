/* Allocation-failure sweep over the accounts flow: with the Nth allocation failing, every call
 * returns FANTASY_ENOMEM or succeeds, nothing crashes and nothing leaks after close. */
#include <pthread.h>

#include "accounts_fixture.h"
#include "faulty_alloc.h"

/* A call whose status must be OK or ENOMEM; 1 when OK. `out` may receive one string field. */
static int step(fantasy_park *park, const char *method, const char *args, const char *token,
                const char *field, char *out, size_t cap) {
    char *json = NULL;
    fantasy_status st = token && strcmp(token, "system") == 0
                            ? fantasy_call_system(park, method, args, &json)
                            : fantasy_call(park, method, args, token, &json);
    if (st != FANTASY_OK && st != FANTASY_ENOMEM) {
        print_error("%s -> %s\n", method, json ? json : "(null)");
    }
    assert_true(st == FANTASY_OK || st == FANTASY_ENOMEM);
    if (st == FANTASY_OK && field) {
        cJSON *j = cJSON_Parse(json);
        fx_str(j, field, out, cap);
        cJSON_Delete(j);
    }
    fantasy_free(json);
    return st == FANTASY_OK;
}

static int flow(fantasy_park *park) {
    char access[FANTASY_TOKEN_MAX], refresh[FANTASY_TOKEN_MAX], args[FANTASY_TOKEN_MAX + 64];
    char id[FANTASY_ID_MAX];
    if (!step(park, "accounts.signup", "{\"username\":\"sweep\",\"password\":\"" FX_PASSWORD "\"}",
              NULL, "user_id", id, sizeof id) ||
        !step(park, "accounts.create",
              "{\"username\":\"boss\",\"password\":\"" FX_PASSWORD "\",\"role\":\"MANAGER\"}",
              "system", NULL, NULL, 0) ||
        !step(park, "accounts.login", "{\"username\":\"sweep\",\"password\":\"" FX_PASSWORD "\"}",
              NULL, "refresh_token", refresh, sizeof refresh)) {
        return 0;
    }
    (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", refresh);
    if (!step(park, "accounts.refresh", args, NULL, "access_token", access, sizeof access) ||
        !step(park, "accounts.me", NULL, access, NULL, NULL, 0) ||
        !step(park, "accounts.update", "{\"name\":\"Sweep\"}", access, NULL, NULL, 0) ||
        !step(park, "accounts.list", "{\"limit\":1}", "system", NULL, NULL, 0)) {
        return 0;
    }
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\",\"blocked\":true}", id);
    if (!step(park, "accounts.set_blocked", args, "system", NULL, NULL, 0)) {
        return 0;
    }
    (void)snprintf(args, sizeof args, "{\"user_id\":\"%s\"}", id);
    return step(park, "accounts.delete", args, "system", NULL, NULL, 0);
}

static int scenario(faulty *f) {
    fantasy_conf *conf = fantasy_conf_new();
    assert_non_null(conf);
    fantasy_allocator a = faulty_allocator(f);
    assert_int_equal(fantasy_conf_set_allocator(conf, &a), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "clock", "manual"), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "auth.kdf", "pbkdf2-sha256:i=1000"), FANTASY_OK);
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    fantasy_conf_free(conf);
    assert_true(st == FANTASY_OK || st == FANTASY_ENOMEM);
    if (st != FANTASY_OK) {
        return 0;
    }
    int done = flow(park);
    fantasy_park_close(park);
    return done;
}

static void sweep(void **state) {
    (void)state;
    for (long n = 1; n < 100000; n++) {
        faulty f = { .fail_at = n };
        pthread_mutex_init(&f.lock, NULL);
        int done = scenario(&f);
        assert_int_equal(f.live, 0);
        pthread_mutex_destroy(&f.lock);
        if (done && !f.failed) {
            print_message("flow completed with %ld allocations\n", f.count);
            return;
        }
    }
    fail_msg("the flow never completed");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
