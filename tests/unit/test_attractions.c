/* attractions.* and hashtags.list through fantasy_call: fields, versions, soft delete, hashtag
 * normalization, search semantics and pagination. */
#include "domain/attractions/attraction.h"
#include "unit/accounts_fixture.h"

#define KDF "pbkdf2-sha256:i=1000"

static fantasy_park *open_park(void) {
    return fx_open_with(KDF, NULL);
}

/* Create through the host; returns the parsed attraction (caller deletes). */
static cJSON *create(fantasy_park *park, const char *args) {
    cJSON *r = NULL;
    fantasy_status st = fx_sys(park, "attractions.create", args, &r);
    if (st != FANTASY_OK) {
        print_error("create %s: %s\n", args, fx_message(r));
    }
    assert_int_equal(st, FANTASY_OK);
    return r;
}

static void ride_with_tags(fantasy_park *park, const char *name, const char *tags, char *id) {
    char args[1024];
    (void)snprintf(args, sizeof args,
                   "{\"name\":\"%s\",\"type\":\"RIDE\",\"opens_at\":\"09:00\",\"closes_at\":"
                   "\"21:00\",\"capacity_per_cycle\":4,\"cycle_seconds\":60,\"hashtags\":%s}",
                   name, tags);
    cJSON *r = create(park, args);
    fx_str(r, "attraction_id", id, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static void area_with_tags(fantasy_park *park, const char *name, const char *tags, char *id) {
    char args[1024];
    (void)snprintf(args, sizeof args,
                   "{\"name\":\"%s\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":"
                   "\"21:00\",\"hashtags\":%s}",
                   name, tags);
    cJSON *r = create(park, args);
    fx_str(r, "attraction_id", id, FANTASY_ID_MAX);
    cJSON_Delete(r);
}

static fantasy_status sys_err(fantasy_park *park, const char *method, const char *args) {
    return fx_sys(park, method, args, NULL);
}

/* ------------------------------------------------------------------------------------------ */

static void create_fills_every_field(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    cJSON *r = create(park, "{\"name\":\"Coaster\",\"type\":\"RIDE\",\"opens_at\":\"09:00\","
                            "\"closes_at\":\"21:30\",\"capacity_per_cycle\":8,"
                            "\"cycle_seconds\":120,\"min_height_cm\":110,"
                            "\"hashtags\":[\"#Roller\",\" fast \",\"roller\"]}");
    char buf[64];
    assert_string_equal(fx_str(r, "status", buf, sizeof buf), "OPEN");
    assert_string_equal(fx_str(r, "type", buf, sizeof buf), "RIDE");
    assert_int_equal(fx_int(r, "version"), 1);
    assert_int_equal(fx_int(r, "created_at"), FX_START_MS);
    assert_int_equal(fx_int(r, "capacity_per_cycle"), 8);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "description")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "guardian_required")));
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "deleted"));
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(r, "hashtags");
    assert_int_equal(cJSON_GetArraySize(tags), 2);
    assert_string_equal(cJSON_GetArrayItem(tags, 0)->valuestring, "roller");
    assert_string_equal(cJSON_GetArrayItem(tags, 1)->valuestring, "fast");
    char id[FANTASY_ID_MAX];
    fx_str(r, "attraction_id", id, sizeof id);
    cJSON_Delete(r);

    char args[512];
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", id);
    assert_int_equal(fx_call(park, "attractions.get", args, NULL, &r), FANTASY_OK); /* public */
    assert_string_equal(fx_str(r, "name", buf, sizeof buf), "Coaster");
    assert_int_equal(fx_int(r, "min_height_cm"), 110);
    cJSON_Delete(r);

    r = create(park, "{\"name\":\"Plaza\",\"type\":\"AREA\",\"opens_at\":\"00:00\","
                     "\"closes_at\":\"00:00\"}");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "capacity_per_cycle")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "hashtags")), 0);
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void create_rejects_bad_arguments(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    const char *bad[] = {
        "{\"type\":\"RIDE\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"capacity_per_cycle\":1,\"cycle_seconds\":1}", /* no name */
        "{\"name\":\"x\",\"type\":\"BOAT\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\"}",
        "{\"name\":\"x\",\"type\":\"RIDE\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\"}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"capacity_per_cycle\":3}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"24:00\",\"closes_at\":\"10:00\"}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"9:00\",\"closes_at\":\"10:00\"}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"hashtags\":[\"two words\"]}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"hashtags\":[\"#\"]}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"hashtags\":[\"\xff\xfe\"]}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"hashtags\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}", /* 51 */
        "{\"name\":\"x\",\"type\":\"RIDE\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"capacity_per_cycle\":0,\"cycle_seconds\":1}",
        "{\"name\":\"x\",\"type\":\"RIDE\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"capacity_per_cycle\":1.5,\"cycle_seconds\":1}",
        "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\",\"closes_at\":\"10:00\","
        "\"colour\":\"red\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sys_err(park, "attractions.create", bad[i]), FANTASY_EINVAL);
    }
    /* 50 characters (multi-byte ones count once) are fine */
    cJSON *r = create(park, "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\","
                            "\"closes_at\":\"10:00\",\"hashtags\":[\"#\xC3\x84PFEL\"]}");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(r, "hashtags");
    assert_string_equal(cJSON_GetArrayItem(tags, 0)->valuestring, "\xC3\x84pfel");
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void writes_need_a_manager(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    fx_user user, mgr;
    fx_user_with_role(park, "visitor", "USER", &user);
    fx_user_with_role(park, "staffer", "MANAGER", &mgr);
    const char *args = "{\"name\":\"x\",\"type\":\"AREA\",\"opens_at\":\"09:00\","
                       "\"closes_at\":\"10:00\"}";
    assert_int_equal(fx_call(park, "attractions.create", args, NULL, NULL), FANTASY_EAUTH);
    assert_int_equal(fx_call(park, "attractions.create", args, user.access, NULL), FANTASY_EPERM);
    assert_int_equal(fx_call(park, "attractions.create", args, mgr.access, NULL), FANTASY_OK);
    assert_int_equal(fx_call(park, "attractions.list", "{}", NULL, NULL), FANTASY_OK);
    assert_int_equal(fx_call(park, "attractions.search", "{}", NULL, NULL), FANTASY_OK);
    assert_int_equal(fx_call(park, "hashtags.list", "{}", NULL, NULL), FANTASY_OK);
    fantasy_park_close(park);
}

static void update_checks_version(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char id[FANTASY_ID_MAX], args[512], buf[64];
    ride_with_tags(park, "Wheel", "[\"view\"]", id);
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args,
                   "{\"attraction_id\":\"%s\",\"version\":1,\"name\":\"Big Wheel\","
                   "\"hashtags\":[\"Night\"]}",
                   id);
    assert_int_equal(fx_sys(park, "attractions.update", args, &r), FANTASY_OK);
    assert_int_equal(fx_int(r, "version"), 2);
    assert_string_equal(fx_str(r, "name", buf, sizeof buf), "Big Wheel");
    assert_int_equal(fx_int(r, "capacity_per_cycle"), 4); /* untouched */
    cJSON_Delete(r);
    /* the same version again is stale */
    assert_int_equal(sys_err(park, "attractions.update", args), FANTASY_ECONFLICT);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"name\":\"x\"}", id);
    assert_int_equal(sys_err(park, "attractions.update", args), FANTASY_EINVAL);
    (void)snprintf(args, sizeof args,
                   "{\"attraction_id\":\"%s\",\"version\":2,\"type\":\"AREA\","
                   "\"cycle_seconds\":5}",
                   id);
    assert_int_equal(sys_err(park, "attractions.update", args), FANTASY_EINVAL);
    /* the tags moved: the old one no longer finds it */
    assert_int_equal(fx_sys(park, "attractions.search", "{\"tags\":[\"view\"]}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 0);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.search", "{\"tags\":[\"NIGHT\"]}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    assert_int_equal(
        sys_err(park, "attractions.update", "{\"attraction_id\":\"nope\",\"version\":1}"),
        FANTASY_ENOTFOUND);
    fantasy_park_close(park);
}

static void set_status_moves_between_states(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char id[FANTASY_ID_MAX], args[512], buf[32];
    ride_with_tags(park, "Drop", "[]", id);
    cJSON *r = NULL;
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"PAUSED\"}", id);
    assert_int_equal(fx_sys(park, "attractions.set_status", args, &r), FANTASY_OK);
    assert_string_equal(fx_str(r, "status", buf, sizeof buf), "PAUSED");
    assert_int_equal(fx_int(r, "version"), 2);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\",\"status\":\"BROKEN\"}", id);
    assert_int_equal(sys_err(park, "attractions.set_status", args), FANTASY_EINVAL);
    fantasy_park_close(park);
}

static int64_t tag_count(fantasy_park *park, const char *tag) {
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "hashtags.list", "{\"limit\":100}", &r), FANTASY_OK);
    int64_t n = 0;
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "items")) {
        char buf[64];
        if (strcmp(fx_str(it, "tag", buf, sizeof buf), tag) == 0) {
            n = fx_int(it, "count");
        }
    }
    cJSON_Delete(r);
    return n;
}

static void delete_is_soft_and_hides_everywhere(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX], args[512];
    ride_with_tags(park, "One", "[\"splash\"]", a);
    ride_with_tags(park, "Two", "[\"splash\"]", b);
    assert_int_equal(tag_count(park, "splash"), 2);
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", a);
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "attractions.delete", args, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(r), 0);
    cJSON_Delete(r);
    assert_int_equal(sys_err(park, "attractions.get", args), FANTASY_ENOTFOUND);
    assert_int_equal(sys_err(park, "attractions.delete", args), FANTASY_ENOTFOUND);
    assert_int_equal(tag_count(park, "splash"), 1);
    assert_int_equal(fx_sys(park, "attractions.list", "{}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 1);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.search", "{\"tags\":[\"splash\"]}", &r), FANTASY_OK);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    char buf[FANTASY_ID_MAX];
    assert_string_equal(fx_str(cJSON_GetArrayItem(items, 0), "attraction_id", buf, sizeof buf), b);
    cJSON_Delete(r);
    /* its last tag gone, the tag disappears from hashtags.list */
    (void)snprintf(args, sizeof args, "{\"attraction_id\":\"%s\"}", b);
    assert_int_equal(sys_err(park, "attractions.delete", args), FANTASY_OK);
    assert_int_equal(fx_sys(park, "hashtags.list", "{}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 0);
    cJSON_Delete(r);
    fantasy_park_close(park);
}

static void normalization_is_one_rule(void **state) {
    (void)state;
    char out[FANTASY__TAG_MAX_BYTES];
    const char *same[] = { "#Roller", "roller", " ROLLER ", "\t#rOLLER\n" };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(fantasy__tag_normalize(same[i], "t", out), FANTASY_OK);
        assert_string_equal(out, "roller");
    }
    const char *bad[] = { "", "   ", "#", "a b", "##x\xC2\xA0y", "\xC0\xAF", "\xE2\x82", "ab\x01" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(fantasy__tag_normalize(bad[i], "t", out), FANTASY_EINVAL);
    }
    assert_int_equal(fantasy__tag_normalize("##x", "t", out), FANTASY_OK);
    assert_string_equal(out, "#x"); /* only one leading '#' is dropped */
}

/* Ids of a search result's items, concatenated with ',' */
static void ids_of(const cJSON *r, char *out, size_t cap) {
    out[0] = '\0';
    const cJSON *it = NULL;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "items")) {
        char id[FANTASY_ID_MAX];
        fx_str(it, "attraction_id", id, sizeof id);
        size_t len = strlen(out);
        (void)snprintf(out + len, cap - len, "%s%s,", "", id);
    }
}

static void search_all_any_prefix_type(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char a[FANTASY_ID_MAX], b[FANTASY_ID_MAX], c[FANTASY_ID_MAX], d[FANTASY_ID_MAX];
    ride_with_tags(park, "A", "[\"water\",\"kids\"]", a);
    ride_with_tags(park, "B", "[\"water\",\"thrill\"]", b);
    area_with_tags(park, "C", "[\"kids\",\"food\"]", c);
    ride_with_tags(park, "D", "[\"thriller\"]", d);
    char got[512], want[512];
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "attractions.search", "{\"tags\":[\"#WATER\",\"kids\"]}", &r),
                     FANTASY_OK);
    ids_of(r, got, sizeof got);
    (void)snprintf(want, sizeof want, "%s,", a);
    assert_string_equal(got, want);
    cJSON_Delete(r);
    assert_int_equal(
        fx_sys(park, "attractions.search", "{\"tags\":[\"water\",\"kids\"],\"mode\":\"any\"}", &r),
        FANTASY_OK);
    ids_of(r, got, sizeof got);
    (void)snprintf(want, sizeof want, "%s,%s,%s,", a, b, c);
    assert_string_equal(got, want);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.search",
                            "{\"tags\":[\"water\",\"kids\"],\"mode\":\"any\",\"type\":\"AREA\"}",
                            &r),
                     FANTASY_OK);
    ids_of(r, got, sizeof got);
    (void)snprintf(want, sizeof want, "%s,", c);
    assert_string_equal(got, want);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.search", "{\"prefix\":\"#Thr\"}", &r), FANTASY_OK);
    ids_of(r, got, sizeof got);
    (void)snprintf(want, sizeof want, "%s,%s,", b, d);
    assert_string_equal(got, want);
    cJSON_Delete(r);
    assert_int_equal(
        fx_sys(park, "attractions.search", "{\"tags\":[\"water\"],\"prefix\":\"thr\"}", &r),
        FANTASY_OK);
    ids_of(r, got, sizeof got);
    (void)snprintf(want, sizeof want, "%s,", b);
    assert_string_equal(got, want);
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.search", "{\"prefix\":\"zzz\"}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    assert_int_equal(sys_err(park, "attractions.search", "{\"mode\":\"some\"}"), FANTASY_EINVAL);
    assert_int_equal(sys_err(park, "attractions.search",
                             "{\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\","
                             "\"j\",\"k\"]}"),
                     FANTASY_EINVAL);
    assert_int_equal(sys_err(park, "attractions.search", "{\"tags\":[\"a b\"]}"), FANTASY_EINVAL);
    assert_int_equal(sys_err(park, "attractions.search", "{\"limit\":0}"), FANTASY_EINVAL);
    fantasy_park_close(park);
}

/* Walk every page of a search, adding an attraction between pages; each original match must
 * come back exactly once, in ascending id order. */
static size_t walk_pages(fantasy_park *park, const char *filter, int add_between) {
    char cursor[FANTASY_ID_MAX] = "", last[FANTASY_ID_MAX] = "", args[512];
    size_t seen = 0;
    for (int page = 0; page < 1000; page++) {
        (void)snprintf(args, sizeof args, "{%s,\"limit\":7%s%s%s}", filter,
                       cursor[0] ? ",\"cursor\":\"" : "", cursor, cursor[0] ? "\"" : "");
        cJSON *r = NULL;
        assert_int_equal(fx_sys(park, "attractions.search", args, &r), FANTASY_OK);
        const cJSON *it = NULL;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "items")) {
            char id[FANTASY_ID_MAX];
            fx_str(it, "attraction_id", id, sizeof id);
            assert_true(strcmp(id, last) > 0);
            (void)snprintf(last, sizeof last, "%s", id);
            seen++;
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(r, "next_cursor");
        int end = cJSON_IsNull(next);
        if (!end) {
            (void)snprintf(cursor, sizeof cursor, "%s", next->valuestring);
        }
        cJSON_Delete(r);
        if (end) {
            break;
        }
        if (add_between) {
            char id[FANTASY_ID_MAX];
            area_with_tags(park, "late", "[\"nomatch\"]", id);
        }
    }
    return seen;
}

static void search_pages_over_hundreds(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    size_t red = 0, blue = 0, both = 0, either = 0;
    for (int i = 0; i < 300; i++) {
        char id[FANTASY_ID_MAX], tags[128];
        int r = i % 3 == 0, b = i % 5 == 0;
        (void)snprintf(tags, sizeof tags, "[%s%s%s\"n%d\"]", r ? "\"red\"," : "",
                       b ? "\"blue\"," : "", "", i);
        area_with_tags(park, "x", tags, id);
        red += (size_t)r, blue += (size_t)b, both += (size_t)(r && b), either += (size_t)(r || b);
    }
    assert_int_equal(walk_pages(park, "\"tags\":[\"red\"]", 1), red);
    assert_int_equal(walk_pages(park, "\"tags\":[\"red\",\"blue\"]", 0), both);
    assert_int_equal(walk_pages(park, "\"tags\":[\"red\",\"blue\"],\"mode\":\"any\"", 1), either);
    assert_int_equal(walk_pages(park, "\"type\":\"AREA\",\"tags\":[\"blue\"]", 0), blue);
    /* prefix "n1" matches n1, n10..n19, n100..n199: 111 tags, more than the union bound */
    assert_int_equal(walk_pages(park, "\"prefix\":\"n1\"", 0), 111);
    assert_int_equal(walk_pages(park, "\"prefix\":\"n29\"", 0), 11);
    fantasy_park_close(park);
}

static void hashtags_list_orders_by_use(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char id[FANTASY_ID_MAX];
    area_with_tags(park, "a", "[\"beta\",\"alpha\",\"gamma\"]", id);
    area_with_tags(park, "b", "[\"beta\",\"alpha\"]", id);
    area_with_tags(park, "c", "[\"beta\",\"bravo\"]", id);
    cJSON *r = NULL;
    assert_int_equal(fx_call(park, "hashtags.list", "{}", NULL, &r), FANTASY_OK);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
    const char *order[] = { "beta", "alpha", "bravo", "gamma" };
    const int64_t counts[] = { 3, 2, 1, 1 };
    assert_int_equal(cJSON_GetArraySize(items), 4);
    for (int i = 0; i < 4; i++) {
        char buf[64];
        assert_string_equal(fx_str(cJSON_GetArrayItem(items, i), "tag", buf, sizeof buf), order[i]);
        assert_int_equal(fx_int(cJSON_GetArrayItem(items, i), "count"), counts[i]);
    }
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "next_cursor"));
    cJSON_Delete(r);
    assert_int_equal(fx_call(park, "hashtags.list", "{\"prefix\":\"#B\",\"limit\":1}", NULL, &r),
                     FANTASY_OK);
    items = cJSON_GetObjectItemCaseSensitive(r, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    char buf[64];
    assert_string_equal(fx_str(cJSON_GetArrayItem(items, 0), "tag", buf, sizeof buf), "beta");
    cJSON_Delete(r);
    assert_int_equal(sys_err(park, "hashtags.list", "{\"limit\":101}"), FANTASY_EINVAL);
    assert_int_equal(sys_err(park, "hashtags.list", "{\"prefix\":\"a b\"}"), FANTASY_EINVAL);
    fantasy_park_close(park);
}

static void list_pages_by_type(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    char id[FANTASY_ID_MAX];
    for (int i = 0; i < 5; i++) {
        ride_with_tags(park, "r", "[]", id);
        area_with_tags(park, "a", "[]", id);
    }
    cJSON *r = NULL;
    assert_int_equal(fx_sys(park, "attractions.list", "{\"type\":\"RIDE\",\"limit\":3}", &r),
                     FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 3);
    char cur[FANTASY_ID_MAX], args[512];
    fx_str(r, "next_cursor", cur, sizeof cur);
    cJSON_Delete(r);
    (void)snprintf(args, sizeof args, "{\"type\":\"RIDE\",\"limit\":3,\"cursor\":\"%s\"}", cur);
    assert_int_equal(fx_sys(park, "attractions.list", args, &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 2);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    assert_int_equal(fx_sys(park, "attractions.list", "{\"limit\":10}", &r), FANTASY_OK);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "items")), 10);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "next_cursor")));
    cJSON_Delete(r);
    assert_int_equal(sys_err(park, "attractions.list", "{\"type\":\"SHIP\"}"), FANTASY_EINVAL);
    fantasy_park_close(park);
}

static void typed_api_mirrors_the_methods(void **state) {
    (void)state;
    fantasy_park *park = open_park();
    const char *tags[] = { "#Loop", "fast" };
    fantasy_attraction_new in = { .name = "Loop",
                                  .type = "RIDE",
                                  .opens_at = "09:00",
                                  .closes_at = "18:00",
                                  .capacity_per_cycle = 6,
                                  .cycle_seconds = 90,
                                  .hashtags = tags,
                                  .n_hashtags = 2 };
    fantasy_attraction *a = NULL;
    assert_int_equal(fantasy_attractions_create(park, NULL, &in, &a), FANTASY_EAUTH);
    assert_null(a);
    fantasy_actor user = { .role = FANTASY_ROLE_USER, .user_id = "u" };
    assert_int_equal(fantasy_attractions_create(park, &user, &in, &a), FANTASY_EPERM);
    assert_int_equal(fantasy_attractions_create(park, fantasy_actor_system(), &in, &a), FANTASY_OK);
    assert_string_equal(a->status, "OPEN");
    assert_int_equal(a->n_hashtags, 2);
    assert_string_equal(a->hashtags[0], "loop");
    assert_int_equal(a->min_height_cm, -1);
    assert_int_equal(a->capacity_per_cycle, 6);
    char id[FANTASY_ID_MAX];
    (void)snprintf(id, sizeof id, "%s", a->attraction_id);
    fantasy_attraction_free(a);
    assert_int_equal(fantasy_attractions_set_status(park, fantasy_actor_system(), id, "CLOSED", &a),
                     FANTASY_OK);
    assert_string_equal(a->status, "CLOSED");
    assert_int_equal(a->version, 2);
    fantasy_attraction_free(a);
    assert_int_equal(fantasy_attractions_get(park, NULL, id, &a), FANTASY_OK);
    assert_string_equal(a->name, "Loop");
    fantasy_attraction_free(a);
    assert_int_equal(fantasy_attractions_delete(park, fantasy_actor_system(), id), FANTASY_OK);
    assert_int_equal(fantasy_attractions_get(park, NULL, id, &a), FANTASY_ENOTFOUND);
    assert_null(a);
    assert_int_equal(fantasy_attractions_get(NULL, NULL, id, &a), FANTASY_EMISUSE);
    assert_int_equal(fantasy_attractions_get(park, NULL, NULL, &a), FANTASY_EMISUSE);
    fantasy_attraction_free(NULL);
    fantasy_park_close(park);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_fills_every_field),
        cmocka_unit_test(create_rejects_bad_arguments),
        cmocka_unit_test(writes_need_a_manager),
        cmocka_unit_test(update_checks_version),
        cmocka_unit_test(set_status_moves_between_states),
        cmocka_unit_test(delete_is_soft_and_hides_everywhere),
        cmocka_unit_test(normalization_is_one_rule),
        cmocka_unit_test(search_all_any_prefix_type),
        cmocka_unit_test(search_pages_over_hundreds),
        cmocka_unit_test(hashtags_list_orders_by_use),
        cmocka_unit_test(list_pages_by_type),
        cmocka_unit_test(typed_api_mirrors_the_methods),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
