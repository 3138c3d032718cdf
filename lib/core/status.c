/* The status table and the thread's last error message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fantasy/errors.h"

#include "core/error.h"

#define ERROR_TEXT_MAX 512

typedef struct status_desc {
    fantasy_status status;
    const char *code;
    const char *text;
} status_desc;

static const status_desc status_table[] = {
#define X(name, num, code, text) { FANTASY_##name, (code), (text) },
    FANTASY_STATUS_MAP(X)
#undef X
};

/* The only writable per-thread state of the library (STYLE.md). */
static _Thread_local char error_text[ERROR_TEXT_MAX];

static const status_desc *find_status(fantasy_status status) {
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++) {
        if (status_table[i].status == status) {
            return &status_table[i];
        }
    }
    return NULL;
}

FANTASY_API const char *fantasy_strerror(fantasy_status status) {
    const status_desc *d = find_status(status);
    return d ? d->text : "unknown status";
}

FANTASY_API const char *fantasy_status_code(fantasy_status status) {
    const status_desc *d = find_status(status);
    return d ? d->code : "UNKNOWN";
}

FANTASY_API const char *fantasy_error_last(void) {
    return error_text;
}

FANTASY_API fantasy_status fantasy_error_set(fantasy_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is right above */
    (void)vsnprintf(error_text, sizeof error_text, fmt, ap);
    va_end(ap);
    return status;
}

fantasy_status fantasy__oom(void) {
    static const char msg[] = "out of memory";
    memcpy(error_text, msg, sizeof msg);
    return FANTASY_ENOMEM;
}

void fantasy__error_clear(void) {
    error_text[0] = '\0';
}

fantasy_status fantasy__error_wrap(fantasy_status st, const char *prefix) {
    char copy[ERROR_TEXT_MAX];
    memcpy(copy, error_text, sizeof copy);
    copy[sizeof copy - 1] = '\0';
    if (copy[0] == '\0') {
        return fantasy_error_set(st, "%s: %s", prefix, fantasy_strerror(st));
    }
    return fantasy_error_set(st, "%s: %s", prefix, copy);
}
