/* SPDX-License-Identifier: ISC */
/*
 * console_svg.c — the coverage heatmap and the day time lines of the console
 * (see include/console_svg.h). Markup comes only from literals (html_lit),
 * text and numbers only through html_text()/html_textf(), which escape.
 *
 * Sizes are in SVG user units; the stylesheet scales the picture to the
 * screen (width 100 %, the viewBox keeps the proportions), and colours come
 * from classes in console.css, never from style attributes.
 */
#include "console_svg.h"

#include <math.h>
#include <string.h>

#define HM_LEFT   92 /* room for the day labels */
#define HM_TOP    34 /* room for the hour axis and the zone */
#define HM_CELL_W 10
#define HM_CELL_H 18
#define HM_SLOTS  96

/*
 * "s1".."s4" agents short, "u1".."u4" over, "ok" when the plan meets the
 * requirement; the unfixable part of a shortage is a hatched path over the
 * cell (class "uf", filled with the pattern "hm-uf" by a presentation
 * attribute, not a style), which lets the pointer through to the cell's title.
 */
static const char *cell_class(const struct console_cell *c)
{
    double diff = c->scheduled - c->required;
    double d = fabs(diff);
    if (d < 0.05)
        return "ok";
    int level = d <= 1 ? 1 : d <= 3 ? 2 : d <= 6 ? 3 : 4;
    static const char *const shortc[] = {"", "s1", "s2", "s3", "s4"};
    static const char *const overc[] = {"", "u1", "u2", "u3", "u4"};
    return diff < 0 ? shortc[level] : overc[level];
}

void console_svg_heatmap(struct html *out, const struct console_cell *cells, int n,
                         const char *queue, const char *tz)
{
    int rows = 0;
    double short_h = 0, over_h = 0, unfixable_h = 0;
    long short_cells = 0, future_cells = 0;
    bool split = false;
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(cells[i].day, cells[i - 1].day) != 0)
            rows++;
        if (cells[i].future) {
            future_cells++;
            short_cells += cells[i].shortage > 0.05;
            short_h += cells[i].shortage * 0.25;
            over_h += fmax(cells[i].scheduled - cells[i].required, 0) * 0.25;
            if (cells[i].unfixable >= 0) {
                split = true;
                unfixable_h += cells[i].unfixable * 0.25;
            }
        }
    }
    int width = HM_LEFT + HM_SLOTS * HM_CELL_W + 12, height = HM_TOP + rows * HM_CELL_H + 4;
    html_lit(out, "<svg class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    html_textf(out, "%d %d", width, height);
    html_lit(out, "\" role=\"img\" aria-labelledby=\"hm-title hm-desc\"><title id=\"hm-title\">");
    html_textf(out, "Coverage of %s, required against scheduled per 15 minutes, times in %s", queue,
               tz);
    html_lit(out, "</title><desc id=\"hm-desc\">");
    if (split)
        html_textf(out,
                   "%ld of %ld future intervals short; %.1f agent-hours short (%.1f of them need "
                   "hiring: fewer skilled agents available than required, hatched; %.1f fixable "
                   "by rostering) and %.1f over in all. The tables below give every figure.",
                   short_cells, future_cells, short_h, unfixable_h, fmax(0, short_h - unfixable_h),
                   over_h);
    else
        html_textf(
            out,
            "%ld of %ld future intervals short; %.1f agent-hours short and %.1f over in all. "
            "The tables below give every figure.",
            short_cells, future_cells, short_h, over_h);
    html_lit(out, "</desc>");
    /* The hatching of unfixable shortage: dark and light stripes, seen on any hue. */
    html_lit(out, "<defs><pattern id=\"hm-uf\" width=\"4\" height=\"4\" "
                  "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                  "<line class=\"hd\" x1=\"1\" y1=\"0\" x2=\"1\" y2=\"4\"/>"
                  "<line class=\"hl\" x1=\"2.5\" y1=\"0\" x2=\"2.5\" y2=\"4\"/>"
                  "</pattern></defs>");
    /* The axis: every two hours, in the queue's zone, which the corner names. */
    html_lit(out, "<text class=\"tz\" x=\"2\" y=\"14\">");
    html_text(out, tz);
    html_lit(out, "</text>");
    for (int h = 0; h <= 24; h += 2) {
        html_lit(out, "<text class=\"ax\" x=\"");
        html_textf(out, "%d", HM_LEFT + h * 4 * HM_CELL_W);
        html_lit(out, "\" y=\"");
        html_textf(out, "%d", HM_TOP - 6);
        html_lit(out, "\">");
        html_textf(out, "%02d", h);
        html_lit(out, "</text>");
    }
    int row = -1;
    for (int i = 0; i < n; i++) {
        const struct console_cell *c = &cells[i];
        if (i == 0 || strcmp(c->day, cells[i - 1].day) != 0) {
            if (row >= 0)
                html_lit(out, "</g>");
            row++;
            html_lit(out, "<g><text class=\"dl\" x=\"2\" y=\"");
            html_textf(out, "%d", HM_TOP + row * HM_CELL_H + 13);
            html_lit(out, "\">");
            html_text(out, c->label);
            html_lit(out, "</text>");
        }
        /* Nothing asked, nobody there: the background says it. */
        if (c->required <= 0 && c->scheduled <= 0)
            continue;
        int slot = c->minute / 15;
        if (slot < 0 || slot >= HM_SLOTS)
            continue;
        html_lit(out, "<rect x=\"");
        html_textf(out, "%d", HM_LEFT + slot * HM_CELL_W);
        html_lit(out, "\" y=\"");
        html_textf(out, "%d", HM_TOP + row * HM_CELL_H);
        html_lit(out, "\" width=\""
                      "10"
                      "\" height=\""
                      "17"
                      "\" class=\"");
        html_text(out, cell_class(c));
        if (!c->future)
            html_lit(out, " past");
        html_lit(out, "\"><title>");
        double diff = c->scheduled - c->required;
        html_textf(out, "%s %02d:%02d%s: required %.1f, scheduled %.0f, %s %.1f", c->label,
                   c->minute / 60, c->minute % 60, c->future ? "" : " (past)", c->required,
                   c->scheduled, diff < 0 ? "short" : "over", fabs(diff));
        /* History has no split: nobody can be hired or rostered for it any more. */
        if (c->future && c->shortage > 0.05 && c->unfixable >= 0)
            html_textf(out,
                       " (%.1f needs hiring: %d skilled agents available; %.1f fixable by "
                       "rostering)",
                       c->unfixable, c->available, fmax(0, c->shortage - c->unfixable));
        html_textf(out, ", service level %.0f %%", 100 * c->service_level);
        html_lit(out, "</title></rect>");
        /* The unfixable share of the shortage, hatched from the cell's bottom up. */
        if (c->future && c->shortage > 0.05 && c->unfixable > 0.05) {
            int h = (int)lround(17 * fmin(1, c->unfixable / c->shortage));
            if (h < 3)
                h = 3; /* still visible */
            html_lit(out, "<path fill=\"url(#hm-uf)\" class=\"uf\" d=\"M");
            html_textf(out, "%d %dh10v%dh-10z", HM_LEFT + slot * HM_CELL_W,
                       HM_TOP + row * HM_CELL_H + 17 - h, h);
            html_lit(out, "\"/>");
        }
    }
    if (row >= 0)
        html_lit(out, "</g>");
    html_lit(out, "</svg>");
}

void console_svg_day(struct html *out, const struct console_bar *bars, int n)
{
    html_lit(out, "<svg class=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 96 "
                  "10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
                  "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"96\" height=\"10\"/>");
    for (int i = 0; i < n; i++) {
        const struct console_bar *b = &bars[i];
        int end = b->start + b->length;
        if (end > 1440)
            end = 1440; /* the rest shows on the next day's line only in its text */
        html_lit(out, "<rect class=\"sh\" y=\"1\" height=\"8\" x=\"");
        html_textf(out, "%.2f", b->start / 15.0);
        html_lit(out, "\" width=\"");
        html_textf(out, "%.2f", (end - b->start) / 15.0);
        html_lit(out, "\"/>");
        for (int k = 0; k < b->n_breaks; k++) {
            int bs = b->breaks[k][0], be = b->breaks[k][1] < 1440 ? b->breaks[k][1] : 1440;
            if (bs >= be)
                continue;
            html_lit(out, "<rect class=\"br\" y=\"1\" height=\"8\" x=\"");
            html_textf(out, "%.2f", bs / 15.0);
            html_lit(out, "\" width=\"");
            html_textf(out, "%.2f", (be - bs) / 15.0);
            html_lit(out, "\"/>");
        }
    }
    html_lit(out, "</svg>");
}
