/* @label concurrency */
/* Races: concurrent signups of one username, concurrent refreshes of one token, concurrent
 * logins of one account (compare-and-set retries). */
#include <pthread.h>

#include "accounts_fixture.h"
#include "core/park_internal.h"
#include "domain/collections.h"

#define THREADS 8

typedef struct job {
    fantasy_park *park;
    pthread_barrier_t *start;
    const char *method;
    char args[FANTASY_TOKEN_MAX + 128];
    fantasy_status st;
    char result[4096];
} job;

static void *run_job(void *arg) {
    job *j = arg;
    (void)pthread_barrier_wait(j->start);
    char *json = NULL;
    j->st = fantasy_call(j->park, j->method, j->args, NULL, &json);
    (void)snprintf(j->result, sizeof j->result, "%s", json ? json : "");
    fantasy_free(json);
    return NULL;
}

/* Run the jobs at once; returns how many succeeded. */
static int run_all(job *jobs, int n) {
    pthread_t threads[THREADS];
    pthread_barrier_t start;
    assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
    for (int i = 0; i < n; i++) {
        jobs[i].start = &start;
        assert_int_equal(pthread_create(&threads[i], NULL, run_job, &jobs[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        ok += jobs[i].st == FANTASY_OK;
    }
    (void)pthread_barrier_destroy(&start);
    return ok;
}

static void concurrent_signups_one_winner(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    static const char *const spellings[THREADS] = { "racer", "RACER", "Racer", "rAcer",
                                                    "racer", "raceR", "RaCeR", "racer" };
    for (int round = 0; round < 3; round++) {
        job jobs[THREADS];
        memset(jobs, 0, sizeof jobs);
        for (int i = 0; i < THREADS; i++) {
            jobs[i].park = park;
            jobs[i].method = "accounts.signup";
            (void)snprintf(jobs[i].args, sizeof jobs[i].args,
                           "{\"username\":\"%s%d\",\"password\":\"" FX_PASSWORD "\"}", spellings[i],
                           round);
        }
        assert_int_equal(run_all(jobs, THREADS), 1);
        for (int i = 0; i < THREADS; i++) {
            assert_true(jobs[i].st == FANTASY_OK || jobs[i].st == FANTASY_EEXISTS);
        }
    }
    int64_t n = 0;
    assert_int_equal(
        park->records.count(park->records.self, FANTASY__COL_ACCOUNTS, FANTASY__KEY_ALL, &n),
        FANTASY_OK);
    assert_int_equal(n, 3);
    fantasy_park_close(park);
}

static void concurrent_refreshes_one_winner(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "twin", "USER", &u);
    job jobs[THREADS];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < THREADS; i++) {
        jobs[i].park = park;
        jobs[i].method = "accounts.refresh";
        (void)snprintf(jobs[i].args, sizeof jobs[i].args, "{\"refresh_token\":\"%s\"}", u.refresh);
    }
    assert_int_equal(run_all(jobs, THREADS), 1);
    for (int i = 0; i < THREADS; i++) {
        assert_true(jobs[i].st == FANTASY_OK || jobs[i].st == FANTASY_EAUTH);
    }
    /* The losers presented a spent token: reuse, so the user must log in again. */
    fx_user again;
    fx_login(park, "twin", FX_PASSWORD, &again);
    char *json = NULL;
    assert_int_equal(fantasy_call(park, "accounts.me", NULL, again.access, &json), FANTASY_OK);
    fantasy_free(json);
    fantasy_park_close(park);
}

static void concurrent_logins_all_succeed(void **state) {
    (void)state;
    fantasy_park *park = fx_open();
    fx_user u;
    fx_user_with_role(park, "crowd", "USER", &u);
    job jobs[THREADS];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < THREADS; i++) {
        jobs[i].park = park;
        jobs[i].method = "accounts.login";
        (void)snprintf(jobs[i].args, sizeof jobs[i].args,
                       "{\"username\":\"crowd\",\"password\":\"" FX_PASSWORD "\"}");
    }
    assert_int_equal(run_all(jobs, THREADS), THREADS);
    /* Every session survived the others' writes: each refresh token still works. */
    for (int i = 0; i < THREADS; i++) {
        cJSON *r = cJSON_Parse(jobs[i].result);
        char token[FANTASY_TOKEN_MAX], args[FANTASY_TOKEN_MAX + 64];
        fx_str(r, "refresh_token", token, sizeof token);
        cJSON_Delete(r);
        (void)snprintf(args, sizeof args, "{\"refresh_token\":\"%s\"}", token);
        assert_int_equal(fx_call(park, "accounts.refresh", args, NULL, NULL), FANTASY_OK);
    }
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_signups_one_winner),
        cmocka_unit_test(concurrent_refreshes_one_winner),
        cmocka_unit_test(concurrent_logins_all_succeed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
