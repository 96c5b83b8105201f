"""The charts every run draws, written as SVG (`svg.Drawing`): on each commune's page its
criteria by group, each indicator against its threshold, its criteria met over the years; on
the index, the criteria each commune meets.

They look like the seaborn charts of `charts.py` (whitegrid, a phone's column, text at
`chart_style.FONT`, long labels above their bars, the legend above the plot) at a few
hundredths of their cost; every number is written in the report's language.
"""

from __future__ import annotations

import math

import pandas as pd

from .. import fmt
from ..criteria.catalogue import CriteriaSet
from ..i18n import pick, t
from .chart_style import COLOURS, DPI, STATUS_ORDER, WIDTH, wrap
from .svg import FONT_PX, GRID, LINE_PX, Drawing, draw_legend, text_width, ticks

WIDTH_PX = WIDTH * DPI
BAR = 15  # px: a bar's thickness where its label is written above it
TICK_ROOM = LINE_PX + 6  # px under the plot: the tick labels
CODE_CHARS = 16  # an indicator's code beside its bar, at most (a set may name codes at length)


class Plot:
    """The plot area of a drawing: `left`..`right`, `top`..`bottom` in pixels, and the range
    of values along x (`x0`, `x1`) and y (`y0`, `y1`, upwards)."""

    def __init__(self, left, top, right, bottom, x0, x1, y0=0.0, y1=1.0) -> None:
        self.left, self.top, self.right, self.bottom = left, top, right, bottom
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1

    def x(self, value: float) -> float:
        share = (value - self.x0) / ((self.x1 - self.x0) or 1)
        return self.left + min(max(share, 0.0), 1.0) * (self.right - self.left)

    def y(self, value: float) -> float:
        share = (value - self.y0) / ((self.y1 - self.y0) or 1)
        return self.bottom - min(max(share, 0.0), 1.0) * (self.bottom - self.top)

    def x_axis(self, d: Drawing, values: list[float], label) -> None:
        """Vertical grid lines at `values`, their labels under the plot."""
        for v in values:
            d.line([(self.x(v), self.top), (self.x(v), self.bottom)], GRID, 0.8)
            d.text(self.x(v), self.bottom + FONT_PX + 4, label(v), anchor="middle")

    def y_axis(self, d: Drawing, values: list[float], label, title: str) -> None:
        """Horizontal grid lines at `values`, their labels left of the plot, its title."""
        for v in values:
            d.line([(self.left, self.y(v)), (self.right, self.y(v))], GRID, 0.8)
            d.text(self.left - 4, self.y(v) + FONT_PX * 0.35, label(v), anchor="end")
        d.text(FONT_PX, (self.top + self.bottom) / 2, title, "middle", rotate=True)

    def frame(self, d: Drawing) -> None:
        d.rect(self.left, self.top, self.right - self.left, self.bottom - self.top, "none", GRID)


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _boxes(statuses: list[str], lang: str) -> list[tuple[str, str, str]]:
    return [("box", COLOURS[s], fmt.status(s, lang)) for s in statuses]


def _labelled_bars(d: Drawing, labels: list[str], top: float) -> tuple[list[float], float]:
    """Each label written above the place of its bar, from `top`; the bars' centres and where
    the last one ends."""
    centres, y = [], top + 4
    for label in labels:
        lines = wrap(label).split("\n")
        for line in lines:
            y += LINE_PX
            d.text(8, y - FONT_PX * 0.25, line)
        centres.append(y + 3 + BAR / 2)
        y += BAR + 13
    return centres, y


def criteria_by_group(counts: pd.DataFrame, cset: CriteriaSet, lang: str) -> Drawing:
    """Stacked horizontal bars: the criteria met / not met / incomplete in each group."""
    names = {g.id: pick(g.name.model_dump(), lang) for g in cset.groups}
    shown = [s for s in STATUS_ORDER if s in counts.columns and counts[s].sum()]
    d = Drawing(WIDTH_PX, 0)
    top = draw_legend(d, _boxes(shown, lang), 4) + 6
    body = Drawing(WIDTH_PX, 0)  # the labels first, to know the plot's height
    centres, bottom = _labelled_bars(body, [names[g] for g in counts.index], top)
    totals = counts[shown].sum(axis=1).to_numpy(dtype=float) if shown else [0.0]
    high = max(float(max(totals, default=0)), 1.0)
    plot = Plot(6, top, WIDTH_PX - 16, bottom, 0.0, high)
    plot.x_axis(d, ticks(0, high, integer=True), lambda v: fmt.number(v, lang, 0))
    d.parts += body.parts
    left = [0.0] * len(counts)
    for status in shown:
        for i, n in enumerate(counts[status].to_numpy(dtype=float)):
            if n:
                x0, x1 = plot.x(left[i]), plot.x(left[i] + n)
                d.rect(x0, centres[i] - BAR / 2, x1 - x0, BAR, COLOURS[status])
            left[i] += n
    plot.frame(d)
    return _finish(d, plot, t("chart_criteria_count", lang))


def _finish(d: Drawing, plot: Plot, x_title: str) -> Drawing:
    if x_title:
        d.text((plot.left + plot.right) / 2, plot.bottom + TICK_ROOM + FONT_PX, x_title, "middle")
    d.height = plot.bottom + TICK_ROOM + (LINE_PX + 8 if x_title else 4)
    return d


def achievement_chart(ach: pd.DataFrame, lang: str) -> Drawing:
    """Each measured indicator's achievement as a share of its threshold; the line marks 100%.
    Yes/no indicators are left out: they are either at 100% or at 0%."""
    ach = ach[ach["unit_kind"] != "yes_no"]
    labels = [_short(x, CODE_CHARS) for x in ach["indicator"].astype(str)]
    pct = (ach["share"] * 100).tolist()
    statuses = ach["status"].astype(str).tolist()
    known = [p for p in pct if not math.isnan(p)]
    low = max(0.0, min([*known, 100.0]) - 10) // 10 * 10
    high = max([*known, 100.0]) + 5
    d = Drawing(WIDTH_PX, 0)
    top = draw_legend(d, _boxes([s for s in ("met", "not_met") if s in statuses], lang), 4) + 6
    row = 0.21 * DPI
    left = 10 + max(text_width(x) for x in labels) if labels else 10
    plot = Plot(left, top, WIDTH_PX - 14, top + row * len(labels), low, high)
    values = ticks(low, high)
    plot.x_axis(d, values, lambda v: fmt.number(v, lang, 0))
    for i, (label, p, s) in enumerate(zip(labels, pct, statuses)):
        centre = top + row * (i + 0.5)
        d.text(left - 4, centre + FONT_PX * 0.35, label, anchor="end")
        if not math.isnan(p):
            d.rect(
                plot.left,
                centre - row * 0.4,
                plot.x(p) - plot.left,
                row * 0.8,
                COLOURS.get(s, "#9e9e9e"),
            )
    d.line([(plot.x(100), plot.top), (plot.x(100), plot.bottom)], "#333333", 1)
    plot.frame(d)
    return _finish(d, plot, t("chart_share_of_threshold", lang))


def trend_chart(trend: pd.DataFrame, lang: str) -> Drawing:
    """Criteria met per year; years where the count fell are marked in red."""
    years = trend["year"].astype(int).tolist()
    met = trend["criteria_met"].astype(float).tolist()
    total = trend["criteria_total"].astype(float).tolist()
    fell = [i for i in range(1, len(met)) if met[i] < met[i - 1]]
    entries = [
        ("dashed", "#757575", t("chart_criteria_total", lang)),
        ("line", COLOURS["met"], t("chart_criteria_met", lang)),
    ]
    if fell:
        entries.append(("dot", COLOURS["not_met"], t("chart_regression", lang)))
    d = Drawing(WIDTH_PX, 0)
    top = draw_legend(d, entries, 4) + 8
    high = max([*total, 1.0]) + 1
    left = FONT_PX * 2 + 4 + text_width(fmt.number(high, lang, 0))
    plot = Plot(
        left, top, WIDTH_PX - 12, top + 1.8 * DPI, min(years) - 0.4, max(years) + 0.4, 0.0, high
    )
    plot.y_axis(
        d,
        ticks(0, high, integer=True),
        lambda v: fmt.number(v, lang, 0),
        t("chart_criteria_count", lang),
    )
    plot.x_axis(d, [float(y) for y in years], lambda v: str(int(v)))
    d.line([(plot.x(y), plot.y(n)) for y, n in zip(years, total)], "#757575", 1.5, dash=True)
    d.line([(plot.x(y), plot.y(n)) for y, n in zip(years, met)], COLOURS["met"], 1.5)
    for y, n in zip(years, met):
        d.dot(plot.x(y), plot.y(n), 3.5, COLOURS["met"])
    for i in fell:
        d.dot(plot.x(years[i]), plot.y(met[i]), 5.5, COLOURS["not_met"])
    plot.frame(d)
    return _finish(d, plot, "")


def district_chart(communes: pd.DataFrame, lang: str) -> Drawing:
    """Criteria met by each commune (rows need name, criteria_met, criteria_total, status), on
    a grey bar of the criteria it is judged on: a commune meeting none still shows its scale."""
    data = communes.sort_values(["criteria_met", "name"], ascending=[False, True])
    met = data["criteria_met"].astype(float).tolist()
    total = data["criteria_total"].astype(float).tolist()
    d = Drawing(WIDTH_PX, 0)
    body = Drawing(WIDTH_PX, 0)
    centres, bottom = _labelled_bars(body, [str(n) for n in data["name"]], 4)
    high = max([*total, 1.0]) * 1.12
    plot = Plot(6, 4, WIDTH_PX - 16, bottom, 0.0, high)
    plot.x_axis(d, ticks(0, high, integer=True), lambda v: fmt.number(v, lang, 0))
    d.parts += body.parts
    for centre, m, n, s in zip(centres, met, total, data["status"].astype(str)):
        d.rect(plot.left, centre - BAR / 2, plot.x(n) - plot.left, BAR, "#eeeeee")
        d.rect(plot.left, centre - BAR / 2, plot.x(m) - plot.left, BAR, COLOURS.get(s, "#9e9e9e"))
        d.text(plot.x(m) + 3, centre + FONT_PX * 0.35, f"{int(m)}/{int(n)}")
    plot.frame(d)
    return _finish(d, plot, t("chart_criteria_met", lang))
