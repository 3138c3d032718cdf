/* park-day --report: one self-contained HTML file with inline SVG charts (the limited event's
 * sales over the day, queue length per ride, the wait-time histogram). Written as XHTML-style
 * markup so an XML parser can read it; no script, no stylesheet or image from anywhere else. */
#include <inttypes.h>
#include <string.h>

#include "park_day.h"

#define W_SVG  760
#define H_SVG  280
#define LEFT   56
#define RIGHT  170 /* room for the legend */
#define TOP    14
#define BOTTOM 34
#define PLOT_W (W_SVG - LEFT - RIGHT)
#define PLOT_H (H_SVG - TOP - BOTTOM)

static const char *const colors[] = { "#e6194b", "#3cb44b", "#4363d8", "#f58231",
                                      "#911eb4", "#42d4f4", "#f032e6", "#9a6324",
                                      "#469990", "#808000", "#000075", "#a9a9a9",
                                      "#800000", "#ffe119", "#aaffc3", "#dcbeff" };

/* Text for element content and attributes: the names are ours, but stay safe. */
static void esc(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<':
            (void)fputs("&lt;", f);
            break;
        case '>':
            (void)fputs("&gt;", f);
            break;
        case '&':
            (void)fputs("&amp;", f);
            break;
        case '"':
            (void)fputs("&quot;", f);
            break;
        default:
            (void)fputc(*s, f);
        }
    }
}

typedef struct frame {
    int64_t t0, t1; /* x range, park ms */
    int64_t ymax;
} frame;

/* Four round steps (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k each) reaching at least v: the
 * top of a y axis. */
static int64_t nice_max(int64_t v) {
    static const int64_t tenths[] = { 10, 15, 20, 25, 30, 40, 50, 60, 80 };
    for (int64_t p = 1; p < INT64_MAX / 1000; p *= 10) {
        for (size_t i = 0; i < sizeof tenths / sizeof tenths[0]; i++) {
            int64_t step = tenths[i] * p;
            if (step % 10 == 0 && step / 10 * 4 >= v) {
                return step / 10 * 4;
            }
        }
    }
    return v;
}

static double x_of(const frame *fr, int64_t t) {
    return LEFT + (double)(t - fr->t0) * PLOT_W / (double)(fr->t1 - fr->t0);
}

static double y_of(const frame *fr, int64_t v) {
    return TOP + PLOT_H - (double)v * PLOT_H / (double)(fr->ymax > 0 ? fr->ymax : 1);
}

static void hour_label(const pd_world *w, int64_t t, char out[6]) {
    int64_t minutes = (t / 60000 + w->utc_offset_min) % 1440;
    if (minutes < 0) {
        minutes += 1440;
    }
    (void)snprintf(out, 6, "%02d:%02d", (int)(minutes / 60), (int)(minutes % 60));
}

/* Axes, a grid line per 2 hours and 4 steps of y. */
static void time_axes(FILE *f, const pd_world *w, const frame *fr, const char *ylabel) {
    (void)fprintf(f, "<g class=\"axes\">\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT,
                  TOP + PLOT_H, LEFT + PLOT_W, TOP + PLOT_H);
    (void)fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", LEFT, TOP, LEFT,
                  TOP + PLOT_H);
    for (int64_t t = fr->t0; t <= fr->t1; t += 2 * 3600000LL) {
        char label[6];
        hour_label(w, t, label);
        (void)fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                      x_of(fr, t), TOP + PLOT_H + 18, label);
    }
    for (int i = 0; i <= 4; i++) {
        int64_t v = fr->ymax * i / 4;
        (void)fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>\n",
                      LEFT - 6, y_of(fr, v) + 4, v);
    }
    (void)fprintf(f,
                  "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
                  "text-anchor=\"middle\">",
                  TOP + PLOT_H / 2, TOP + PLOT_H / 2);
    esc(f, ylabel);
    (void)fputs("</text>\n</g>\n", f);
}

static void legend(FILE *f, int i, const char *name, const char *color) {
    int y = TOP + 10 + i * 18;
    (void)fprintf(f,
                  "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/><text x=\"%d\" "
                  "y=\"%d\">",
                  LEFT + PLOT_W + 12, y - 4, color, LEFT + PLOT_W + 30, y + 1);
    esc(f, name);
    (void)fputs("</text>\n", f);
}

static size_t day_samples(const pd_world *w) {
    size_t n = 0;
    while (n < w->nsamples && w->samples[n].at <= w->start_ms + PD_DAY_TICKS * PD_TICK_MS) {
        n++;
    }
    return n;
}

static void polyline(FILE *f, const frame *fr, const pd_world *w, size_t n, int ride,
                     const char *color, const char *name) {
    (void)fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" data-series=\"",
                  color);
    esc(f, name);
    (void)fputs("\" points=\"", f);
    for (size_t i = 0; i < n; i++) {
        const pd_sample *s = &w->samples[i];
        int64_t v = ride >= 0 ? s->waiting[ride] : ride == -1 ? s->gala_sold : s->gala_held;
        (void)fprintf(f, "%s%.1f,%.1f", i ? " " : "", x_of(fr, s->at), y_of(fr, v));
    }
    (void)fputs("\"/>\n", f);
}

static void svg_open(FILE *f, const char *id, const char *label) {
    (void)fprintf(f,
                  "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"",
                  id, W_SVG, H_SVG, W_SVG, H_SVG);
    esc(f, label);
    (void)fputs("\">\n", f);
}

static void gala_chart(FILE *f, const pd_world *w) {
    size_t n = day_samples(w);
    const pd_product *gala = &w->products[PD_GALA];
    frame fr = { w->start_ms, w->start_ms + PD_DAY_TICKS * PD_TICK_MS, nice_max(gala->stock) };
    (void)fputs("<h2>Sales of the limited event over the day</h2>\n<p>", f);
    esc(f, gala->name);
    (void)fprintf(f, ": %" PRId64 " seats; sold, and held by orders not yet paid.", gala->stock);
    if (w->total.gala_sold_out_tick > 0) {
        char at[6];
        fantasy__pd_clock_text(w, w->total.gala_sold_out_tick - 1, at);
        (void)fprintf(f, " The first buyer turned away (SOLD_OUT) came at %s.", at);
    }
    (void)fputs("</p>\n", f);
    svg_open(f, "chart-gala-sales", "sales of the limited event over the day");
    time_axes(f, w, &fr, "seats");
    (void)fprintf(f,
                  "<line class=\"stock\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                  "stroke-dasharray=\"4 3\"/>\n",
                  LEFT, y_of(&fr, gala->stock), LEFT + PLOT_W, y_of(&fr, gala->stock));
    polyline(f, &fr, w, n, -1, colors[2], "sold");
    polyline(f, &fr, w, n, -2, colors[3], "held");
    legend(f, 0, "sold", colors[2]);
    legend(f, 1, "held", colors[3]);
    legend(f, 2, "stock (dashed)", "#555555");
    (void)fputs("</svg>\n", f);
}

static void queue_chart(FILE *f, const pd_world *w) {
    size_t n = day_samples(w);
    frame fr = { w->start_ms, w->start_ms + PD_DAY_TICKS * PD_TICK_MS, 4 };
    for (size_t i = 0; i < n; i++) {
        for (int r = 0; r < w->nrides; r++) {
            if (w->samples[i].waiting[r] > fr.ymax) {
                fr.ymax = w->samples[i].waiting[r];
            }
        }
    }
    fr.ymax = nice_max(fr.ymax);
    (void)fputs("<h2>Queue length over the day</h2>\n<p>Parties waiting in each ride's virtual "
                "queue, sampled every 5 minutes of park time.</p>\n",
                f);
    svg_open(f, "chart-queue-length", "queue length over the day per ride");
    time_axes(f, w, &fr, "parties waiting");
    for (int r = 0; r < w->nrides; r++) {
        polyline(f, &fr, w, n, r, colors[r], w->rides[r].name);
        legend(f, r, w->rides[r].name, colors[r]);
    }
    (void)fputs("</svg>\n", f);
}

static void histogram(FILE *f, const pd_world *w) {
    int64_t bins[PD_WAIT_BINS] = { 0 };
    int64_t top = 1;
    for (int r = 0; r < w->nrides; r++) {
        const pd_waits *wt = &w->total.waits[r];
        for (size_t i = 0; i < wt->n; i++) {
            int64_t b = wt->ms[i] / (10 * 60000LL);
            bins[b < PD_WAIT_BINS - 1 ? (b < 0 ? 0 : b) : PD_WAIT_BINS - 1]++;
        }
    }
    for (int b = 0; b < PD_WAIT_BINS; b++) {
        top = bins[b] > top ? bins[b] : top;
    }
    frame fr = { 0, 1, nice_max(top) };
    (void)fputs("<h2>Wait-time histogram</h2>\n<p>Time from joining a queue to being called, all "
                "rides, 10-minute bins.</p>\n",
                f);
    svg_open(f, "chart-wait-histogram", "wait time histogram");
    double bw = (double)PLOT_W / PD_WAIT_BINS;
    for (int b = 0; b < PD_WAIT_BINS; b++) {
        double y = y_of(&fr, bins[b]);
        (void)fprintf(f,
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                      "data-count=\"%" PRId64 "\"/>\n",
                      LEFT + b * bw + 1, y, bw - 2, TOP + PLOT_H - y, colors[2], bins[b]);
        (void)fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s%d</text>\n",
                      LEFT + b * bw + bw / 2, TOP + PLOT_H + 18,
                      b == PD_WAIT_BINS - 1 ? "&#8805;" : "", b * 10);
    }
    (void)fprintf(f, "<text x=\"%d\" y=\"%d\">minutes</text>\n", LEFT + PLOT_W + 12,
                  TOP + PLOT_H + 18);
    for (int i = 0; i <= 4; i++) {
        int64_t v = fr.ymax * i / 4;
        (void)fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>\n",
                      LEFT - 6, y_of(&fr, v) + 4, v);
    }
    (void)fputs("</svg>\n", f);
}

static void head(FILE *f, const pd_world *w) {
    (void)fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                "<title>fantasy park-day report</title>\n<style>\n"
                "body{font-family:sans-serif;margin:2em;max-width:62em;color:#222}\n"
                "svg{border:1px solid #ddd;background:#fff;font-size:11px}\n"
                ".axes line,line.stock{stroke:#555}\ntable{border-collapse:collapse}\n"
                "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}\n"
                "</style>\n</head>\n<body>\n<h1>A day at the park</h1>\n",
                f);
    (void)fprintf(f, "<p>%d visitors on %d threads, seed %" PRIu64 ", store ", w->opt.visitors,
                  w->opt.threads, w->opt.seed);
    esc(f, w->opt.store_desc);
    (void)fprintf(
        f, "; %" PRId64 " calls in %.1f s. Park hours %s&#8211;%s on the manual clock.</p>\n",
        w->day_calls, w->wall_s, w->open_hhmm, w->close_hhmm);
}

static void wait_table(FILE *f, const pd_world *w) {
    (void)fputs("<h2>Waits per ride</h2>\n<table>\n<tr><th>ride</th><th>riders</th>"
                "<th>calls</th></tr>\n",
                f);
    for (int r = 0; r < w->nrides; r++) {
        (void)fputs("<tr><td>", f);
        esc(f, w->rides[r].name);
        (void)fprintf(f, "</td><td>%" PRId64 "</td><td>%zu</td></tr>\n", w->total.riders[r],
                      w->total.waits[r].n);
    }
    (void)fputs("</table>\n", f);
}

fantasy_status fantasy__pd_report(const pd_world *w, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) {
        return fantasy_error_set(FANTASY_EINVAL, "park-day: cannot write the report to %s", path);
    }
    head(f, w);
    gala_chart(f, w);
    queue_chart(f, w);
    histogram(f, w);
    wait_table(f, w);
    (void)fputs("</body>\n</html>\n", f);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        return fantasy_error_set(FANTASY_EBACKEND, "park-day: writing %s failed", path);
    }
    return FANTASY_OK;
}
