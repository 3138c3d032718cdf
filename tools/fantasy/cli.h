/* Shared state of the `fantasy` tool's commands. */
#ifndef FANTASY_TOOLS_CLI_H
#define FANTASY_TOOLS_CLI_H

#include "fantasy/fantasy.h"

typedef struct fantasy_cli {
    fantasy_conf *conf; /* -c pairs applied */
    int system;         /* --system */
    const char *token;  /* --token */
} fantasy_cli;

#endif
