/* The `fantasy` command-line tool (API.md "The CLI"):
 *   fantasy [-c key=value]... [--system | --token TOKEN] call METHOD [ARGS_JSON]
 *   fantasy [-c key=value]... park-day [OPTIONS]   (cmd_park_day.c)
 *   fantasy version
 * Exit status: 0 success, 1 the library refused (error JSON on stdout), 2 usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fantasy/fantasy.h"

#include "cli.h"
#include "park_day.h"

static void usage(FILE *f) {
    (void)fputs(
        "usage: fantasy [-c key=value]... [--system | --token TOKEN] call METHOD [ARGS_JSON]\n"
        "       fantasy [-c key=value]... park-day [--visitors N] [--threads T] [--seed S]\n"
        "                [--report FILE.html] [--keep] [--quiet]   (park-day --help)\n"
        "       fantasy version | --help\n"
        "ARGS_JSON defaults to {}; '-' reads it from standard input.\n"
        "Exit status: 0 ok, 1 the library refused (error JSON on stdout), 2 usage error.\n",
        f);
}

/* Read all of standard input into a NUL-terminated string (caller frees). */
static char *read_stdin(void) {
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len - 1, stdin);
        len += n;
        if (n == 0) {
            break;
        }
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf) {
        buf[len] = '\0';
    }
    return buf;
}

/* The error JSON of a refusal that happened before any call (a -c pair, opening the park), in
 * the shape fantasy_call gives, with the library's message; built with cJSON so a key or path
 * holding quotes still prints valid JSON. */
static void print_error(fantasy_status st, const char *message) {
    cJSON *root = cJSON_CreateObject();
    cJSON *err = cJSON_AddObjectToObject(root, "error");
    char *text = NULL;
    if (err && cJSON_AddStringToObject(err, "code", fantasy_status_code(st)) &&
        cJSON_AddNumberToObject(err, "status", (double)st) &&
        cJSON_AddStringToObject(err, "message", message)) {
        text = cJSON_PrintUnformatted(root);
    }
    if (text) {
        (void)printf("%s\n", text);
    } else {
        (void)printf("{\"error\":{\"code\":\"%s\",\"status\":%d,\"message\":\"\"}}\n",
                     fantasy_status_code(st), (int)st);
    }
    cJSON_free(text);
    cJSON_Delete(root);
}

/* Apply one -c pair; the library's refusal is exit 1 (API.md), a malformed pair is usage. */
static int apply_pair(fantasy_conf *conf, const char *pair) {
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair) {
        (void)fprintf(stderr, "fantasy: -c needs key=value, got '%s'\n", pair);
        return 2;
    }
    char key[256];
    size_t klen = (size_t)(eq - pair);
    if (klen >= sizeof key) {
        (void)fprintf(stderr, "fantasy: config key too long\n");
        return 2;
    }
    memcpy(key, pair, klen);
    key[klen] = '\0';
    fantasy_status st = fantasy_conf_set(conf, key, eq + 1);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy: %s\n", fantasy_error_last());
        print_error(st, fantasy_error_last());
        return 1;
    }
    return 0;
}

static int run_call(const fantasy_cli *cli, int argc, char **argv) {
    if (argc < 1 || argc > 2) {
        usage(stderr);
        return 2;
    }
    const char *method = argv[0];
    char *stdin_args = NULL;
    const char *args = argc == 2 ? argv[1] : "{}";
    if (strcmp(args, "-") == 0) {
        stdin_args = read_stdin();
        if (!stdin_args) {
            (void)fprintf(stderr, "fantasy: cannot read standard input\n");
            return 1;
        }
        args = stdin_args;
    }
    fantasy_park *park = NULL;
    fantasy_status st = fantasy_park_open(cli->conf, &park);
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy: cannot open park: %s\n", fantasy_error_last());
        print_error(st, fantasy_error_last());
        free(stdin_args);
        return 1;
    }
    char *out = NULL;
    st = cli->system ? fantasy_call_system(park, method, args, &out)
                     : fantasy_call(park, method, args, cli->token, &out);
    if (out) {
        (void)printf("%s\n", out);
    }
    if (st != FANTASY_OK) {
        (void)fprintf(stderr, "fantasy: %s: %s\n", fantasy_status_code(st), fantasy_error_last());
    }
    fantasy_free(out);
    fantasy_park_close(park);
    free(stdin_args);
    return st == FANTASY_OK ? 0 : 1;
}

/* Options before the command: -c, --system, --token. Returns the index of the command or
 * -2 for a usage error, -1 for a refused config pair (exit 1), -3 after --help (exit 0). */
static int parse_options(fantasy_cli *cli, int argc, char **argv) {
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "-c") == 0 && i + 1 < argc) {
            rc = apply_pair(cli->conf, argv[++i]);
        } else if (strncmp(a, "-c", 2) == 0 && a[2] != '\0') {
            rc = apply_pair(cli->conf, a + 2);
        } else if (strcmp(a, "--system") == 0) {
            cli->system = 1;
        } else if (strcmp(a, "--token") == 0 && i + 1 < argc) {
            cli->token = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -3;
        } else {
            (void)fprintf(stderr, "fantasy: unknown option '%s'\n", a);
            rc = 2;
        }
        if (rc != 0) {
            return rc == 1 ? -1 : -2;
        }
    }
    if (cli->system && cli->token) {
        (void)fprintf(stderr, "fantasy: --system and --token exclude each other\n");
        return -2;
    }
    return i;
}

int main(int argc, char **argv) {
    fantasy_cli cli = { .conf = fantasy_conf_new() };
    if (!cli.conf) {
        (void)fprintf(stderr, "fantasy: out of memory\n");
        return 1;
    }
    int rc = 2;
    int cmd = parse_options(&cli, argc, argv);
    if (cmd == -3) {
        rc = 0; /* --help */
    } else if (cmd == -1) {
        rc = 1;
    } else if (cmd < 0 || cmd >= argc) {
        usage(stderr);
    } else if (strcmp(argv[cmd], "call") == 0) {
        rc = run_call(&cli, argc - cmd - 1, argv + cmd + 1);
    } else if (strcmp(argv[cmd], "park-day") == 0) {
        rc = fantasy__park_day_main(&cli, argc, argv, cmd);
    } else if (strcmp(argv[cmd], "version") == 0) {
        (void)printf("fantasy %s\n", fantasy_version());
        rc = 0;
    } else {
        (void)fprintf(stderr, "fantasy: unknown command '%s'\n", argv[cmd]);
        usage(stderr);
    }
    fantasy_conf_free(cli.conf);
    return rc;
}
