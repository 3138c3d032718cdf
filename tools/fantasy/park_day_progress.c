/* park-day progress on standard error: a bar redrawn in place on a terminal, a plain line every
 * tenth of the day otherwise (logs, CI). Called by the coordinator between ticks only, when no
 * visitor is being moved. */
#include <unistd.h>

#include "park_day.h"

#define PD_BAR 30

void fantasy__pd_clock_text(const pd_world *w, int64_t tick, char out[6]) {
    int64_t minutes = (w->start_ms / 60000 + w->utc_offset_min + tick) % 1440;
    if (minutes < 0) {
        minutes += 1440;
    }
    (void)snprintf(out, 6, "%02d:%02d", (int)(minutes / 60), (int)(minutes % 60));
}

static int in_park(const pd_world *w) {
    int n = 0;
    for (int i = 0; i < w->opt.visitors; i++) {
        pd_phase p = w->visitors[i].phase;
        n += p != PD_V_AWAY && p != PD_V_GONE;
    }
    return n;
}

void fantasy__pd_progress(pd_world *w, int64_t tick, int64_t total, int done) {
    int pct = (int)(tick * 100 / total);
    int tty = isatty(STDERR_FILENO);
    if (!done && pct == w->progress_pct) {
        return;
    }
    if (!done && !tty && pct / 10 == w->progress_pct / 10) {
        w->progress_pct = pct;
        return;
    }
    w->progress_pct = pct;
    char now[6];
    fantasy__pd_clock_text(w, tick, now);
    if (done) {
        if (tty) {
            (void)fputs("\r\033[K", stderr);
        }
        (void)fprintf(stderr, "fantasy park-day: day over, settling the last orders and calls\n");
        return;
    }
    if (tty) {
        char bar[PD_BAR + 1];
        for (int i = 0; i < PD_BAR; i++) {
            bar[i] = i < pct * PD_BAR / 100 ? '#' : '.';
        }
        bar[PD_BAR] = '\0';
        (void)fprintf(stderr, "\r[%s] %3d%%  %s  %5d visitors in the park", bar, pct, now,
                      in_park(w));
    } else {
        (void)fprintf(stderr, "fantasy park-day: %3d%% of the day, %s, %d visitors in the park\n",
                      pct, now, in_park(w));
    }
    (void)fflush(stderr);
}
