/* fantasy_conf: every key of API.md, bad values refused with the conf unchanged, vtable setters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fantasy/fantasy.h"

static fantasy_conf *conf;

static int setup(void **state) {
    (void)state;
    conf = fantasy_conf_new();
    return conf ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    fantasy_conf_free(conf);
    conf = NULL;
    return 0;
}

static void expect_conf(const char *key, const char *value) {
    char buf[256];
    assert_int_equal(fantasy_conf_get(conf, key, buf, sizeof buf), FANTASY_OK);
    assert_string_equal(buf, value);
}

static void defaults_are_api_md(void **state) {
    (void)state;
    expect_conf("store", "memory:");
    expect_conf("stock", "store");
    expect_conf("queues", "store");
    expect_conf("bus", "inproc:");
    expect_conf("payments", "sandbox:");
    expect_conf("clock", "system");
    expect_conf("order.ttl_ms", "600000");
    expect_conf("queue.call_timeout_ms", "300000");
    expect_conf("bus.retries", "3");
    expect_conf("bus.backoff_ms", "1000");
    expect_conf("auth.access_ttl_ms", "900000");
    expect_conf("auth.refresh_ttl_ms", "1209600000");
    expect_conf("saga.lease_ms", "60000");
    expect_conf("outbox.retention_ms", "604800000");
    expect_conf("auth.kdf", "scrypt:N=32768,r=8,p=1");
    expect_conf("park.utc_offset_min", "0");
}

static void good_values_are_taken(void **state) {
    (void)state;
    const char *pairs[][2] = {
        { "store", "memory:" },
        { "clock", "manual" },
        { "clock.start_ms", "1700000000000" },
        { "order.ttl_ms", "5000" },
        { "queue.call_timeout_ms", "60000" },
        { "bus.retries", "0" },
        { "bus.backoff_ms", "0" },
        { "auth.access_ttl_ms", "60000" },
        { "auth.refresh_ttl_ms", "120000" },
        { "saga.lease_ms", "30000" },
        { "outbox.retention_ms", "0" },
        { "auth.kdf", "pbkdf2-sha256:i=1000" },
        { "auth.kdf", "scrypt:N=1024,r=8,p=1" },
        { "park.utc_offset_min", "540" },
        { "auth.secret", "0123456789abcdef0123456789abcdef" },
        { "payments", "sandbox:" },
        { "bus", "inproc:" },
        { "stock", "store" },
        { "queues", "store" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_int_equal(fantasy_conf_set(conf, pairs[i][0], pairs[i][1]), FANTASY_OK);
    }
    expect_conf("park.utc_offset_min", "540");
    expect_conf("auth.secret", "***"); /* secrets are not read back */
}

static void bad_values_are_refused_and_named(void **state) {
    (void)state;
    const char *pairs[][2] = {
        { "nosuchkey", "1" },
        { "store", "bogus:" },
        { "store", "sqlite:" },
        { "clock", "sundial" },
        { "clock.start_ms", "-5" },
        { "order.ttl_ms", "abc" },
        { "order.ttl_ms", "12x" },
        { "order.ttl_ms", "" },
        { "order.ttl_ms", "99999999999999999999999" },
        { "bus.retries", "-1" },
        { "auth.secret", "short" },
        { "auth.kdf", "md5:i=1" },
        { "auth.kdf", "scrypt:N=1000,r=8,p=1" },
        { "auth.kdf", "scrypt:N=512,r=8,p=1" },
        { "auth.kdf", "pbkdf2-sha256:i=10" },
        { "park.utc_offset_min", "10000" },
        { "stock", "redis:" },
        { "stock", "redis:host" },
        { "bus", "kafka:" },
        { "payments", "paypal:" },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_int_equal(fantasy_conf_set(conf, pairs[i][0], pairs[i][1]), FANTASY_EINVAL);
        assert_non_null(strstr(fantasy_error_last(), pairs[i][0]));
    }
    defaults_are_api_md(state); /* nothing changed */
}

static void missing_backend_is_einval_naming_it(void **state) {
    (void)state;
    /* This build has no Redis or Kafka backend yet: the message says what is missing. */
    assert_int_equal(fantasy_conf_set(conf, "stock", "redis:127.0.0.1:6379"), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "Redis"));
    assert_int_equal(fantasy_conf_set(conf, "bus", "kafka:127.0.0.1:9092"), FANTASY_EINVAL);
    assert_non_null(strstr(fantasy_error_last(), "Kafka"));
}

static void misuse(void **state) {
    (void)state;
    char buf[8];
    assert_int_equal(fantasy_conf_set(NULL, "store", "memory:"), FANTASY_EMISUSE);
    assert_int_equal(fantasy_conf_set(conf, NULL, "x"), FANTASY_EMISUSE);
    assert_int_equal(fantasy_conf_set(conf, "store", NULL), FANTASY_EMISUSE);
    assert_int_equal(fantasy_conf_get(conf, "store", NULL, 0), FANTASY_EMISUSE);
    assert_int_equal(fantasy_conf_get(conf, "nope", buf, sizeof buf), FANTASY_EINVAL);
    fantasy_conf_free(NULL);
    fantasy_conf *copy = NULL;
    assert_int_equal(fantasy_conf_dup(NULL, &copy), FANTASY_EMISUSE);
    assert_null(copy);
}

static void dup_is_independent(void **state) {
    (void)state;
    fantasy_conf *copy = NULL;
    assert_int_equal(fantasy_conf_set(conf, "bus.retries", "7"), FANTASY_OK);
    assert_int_equal(fantasy_conf_dup(conf, &copy), FANTASY_OK);
    assert_int_equal(fantasy_conf_set(conf, "bus.retries", "1"), FANTASY_OK);
    char buf[16];
    assert_int_equal(fantasy_conf_get(copy, "bus.retries", buf, sizeof buf), FANTASY_OK);
    assert_string_equal(buf, "7");
    fantasy_conf_free(copy);
}

static int64_t fake_now(void *self) {
    (void)self;
    return 42;
}

static void vtable_setters_check_version_and_methods(void **state) {
    (void)state;
    fantasy_clock c = FANTASY_CLOCK_INIT;
    assert_int_equal(fantasy_conf_set_clock(conf, &c), FANTASY_EINVAL); /* now_ms missing */
    assert_non_null(strstr(fantasy_error_last(), "now_ms"));
    c.now_ms = fake_now;
    c.version = 0;
    assert_int_equal(fantasy_conf_set_clock(conf, &c), FANTASY_EINVAL);
    c.version = FANTASY_CLOCK_VERSION + 1;
    assert_int_equal(fantasy_conf_set_clock(conf, &c), FANTASY_EINVAL);
    c.version = FANTASY_CLOCK_VERSION;
    assert_int_equal(fantasy_conf_set_clock(conf, &c), FANTASY_OK);
    assert_int_equal(fantasy_conf_set_clock(conf, NULL), FANTASY_OK); /* back to default */

    fantasy_record_store rs;
    fantasy_record_store_init(&rs);
    assert_int_equal(fantasy_conf_set_record_store(conf, &rs), FANTASY_EINVAL);
    fantasy_stock_store ss;
    fantasy_stock_store_init(&ss);
    assert_int_equal(fantasy_conf_set_stock_store(conf, &ss), FANTASY_EINVAL);
    fantasy_queue_store qs;
    fantasy_queue_store_init(&qs);
    assert_int_equal(fantasy_conf_set_queue_store(conf, &qs), FANTASY_EINVAL);
    fantasy_bus bus;
    fantasy_bus_init(&bus);
    assert_int_equal(fantasy_conf_set_bus(conf, &bus), FANTASY_EINVAL);
    fantasy_payment_provider pp;
    fantasy_payment_provider_init(&pp);
    assert_int_equal(fantasy_conf_set_payment_provider(conf, &pp), FANTASY_EINVAL);
    fantasy_http_transport ht;
    fantasy_http_transport_init(&ht);
    assert_int_equal(fantasy_conf_set_http_transport(conf, &ht), FANTASY_EINVAL);
}

static void *my_alloc(void *self, size_t n) {
    (void)self;
    return test_malloc(n);
}

static void allocator_all_or_nothing(void **state) {
    (void)state;
    fantasy_allocator a = FANTASY_ALLOCATOR_INIT;
    assert_int_equal(fantasy_conf_set_allocator(conf, &a), FANTASY_OK); /* all NULL: libc */
    a.alloc = my_alloc;
    assert_int_equal(fantasy_conf_set_allocator(conf, &a), FANTASY_EINVAL);
    assert_int_equal(fantasy_conf_set_allocator(conf, NULL), FANTASY_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(defaults_are_api_md, setup, teardown),
        cmocka_unit_test_setup_teardown(good_values_are_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_values_are_refused_and_named, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_backend_is_einval_naming_it, setup, teardown),
        cmocka_unit_test_setup_teardown(misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(dup_is_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(vtable_setters_check_version_and_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(allocator_all_or_nothing, setup, teardown),
    };
    return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
