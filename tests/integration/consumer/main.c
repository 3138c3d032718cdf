/* A program built against an installed libfantasy (tests/integration/install_check.sh): open a
 * park, print park.stats, clean up. Exit 0 only if every step worked. */
#include <fantasy/fantasy.h>
#include <stdio.h>

int main(void) {
    fantasy_conf *conf = fantasy_conf_new();
    if (!conf) {
        (void)fprintf(stderr, "consumer: fantasy_conf_new failed\n");
        return 1;
    }
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(conf, &park);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "consumer: fantasy_park_open: %s: %s\n", fantasy_status_code(st),
                      fantasy_error_last());
        fantasy_conf_free(conf);
        return 1;
    }
    char *stats = NULL;
    st = fantasy_call_system(park, "park.stats", "{}", &stats);
    int rc = 0;
    if (st != FANTASY_OK || !stats) {
        (void)fprintf(stderr, "consumer: park.stats: %s: %s\n", fantasy_status_code(st),
                      stats ? stats : fantasy_error_last());
        rc = 1;
    } else {
        rc = printf("%s\n", stats) < 0;
    }
    (void)fprintf(stderr, "consumer: libfantasy %s (header %s)\n", fantasy_version(),
                  FANTASY_VERSION_STRING);
    fantasy_free(stats);
    fantasy_park_close(park);
    fantasy_conf_free(conf);
    return rc;
}
