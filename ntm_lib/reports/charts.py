"""Seaborn charts for the pages that are drawn once, not per commune: the roadmap and its
funding (a commune with a plan), a district's status map and key indicators. Each function
returns a matplotlib Figure (no pyplot state), labelled in the report's language with numbers
in its convention, at the width and text size of `chart_style`. Long labels (criterion names)
are written above their bars, wrapped, rather than squeezed beside them. The charts every page
carries are written as SVG directly (`svg_charts`): drawn through matplotlib they would cost
more than the rest of the page.
"""

from __future__ import annotations

import base64
import contextlib
import io

import matplotlib
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import fmt
from ..i18n import t
from .chart_style import COLOURS, DPI, FONT, LEGEND_ROW, LINE, STATUS_ORDER, WIDTH, wrap

_THEMED = False


def _theme() -> None:
    global _THEMED
    if not _THEMED:  # once per process: setting the theme costs more than drawing a chart
        sns.set_theme(style="whitegrid")
        _THEMED = True
    size = {
        k: FONT
        for k in (
            "font.size",
            "axes.labelsize",
            "axes.titlesize",
            "xtick.labelsize",
            "ytick.labelsize",
            "legend.fontsize",
            "legend.title_fontsize",
        )
    }
    # Labels are data (commune names...): '$\\hat$' must show as typed, never as mathtext.
    matplotlib.rcParams.update(size | {"text.parse_math": False, "text.usetex": False})


def _figure(height: float, short_labels: int | None = None, legend_rows: int = 0) -> Figure:
    """A figure WIDTH x `height` inches. Its layout is solved by constrained layout, except
    where every y tick label is short (`short_labels`: at most that many characters): fixed
    margins then fit, and drawing costs half as much. `legend_rows` reserves room at the top
    for a legend of that many rows (see `_legend`)."""
    _theme()
    height += legend_rows * LEGEND_ROW
    if short_labels is None:
        return Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    left = 0.2 + 0.095 * short_labels  # inches: the tick labels
    top = 0.12 + legend_rows * LEGEND_ROW
    fig.subplots_adjust(
        left=left / WIDTH, right=1 - 0.12 / WIDTH, top=1 - top / height, bottom=0.5 / height
    )
    return fig


def _legend(fig: Figure, handles: list, columns: int = 2) -> None:
    """The legend above the plot, across the chart's width: never over a bar."""
    if handles:
        fig.legend(
            handles=handles,
            loc="upper left",
            ncols=columns,
            frameon=False,
            bbox_to_anchor=(0.01, 1.0),
            handlelength=1.2,
            columnspacing=1.0,
            borderaxespad=0.2,
        )


def _rows(n: int, columns: int) -> int:
    return -(-n // columns) if n else 0


def _labelled_rows(ax, labels: list[str], bar: float = 0.16) -> np.ndarray:
    """Room for one bar per label, each label written above its bar (wrapped), in inches from
    the top; returns the bars' centres. The y axis runs downwards, without ticks."""
    wrapped = [wrap(x) for x in labels]
    centres, y = [], 0.06
    for text in wrapped:
        lines = text.count("\n") + 1
        ax.text(0, y, text, va="top", ha="left", fontsize=FONT, transform=ax.get_yaxis_transform())
        y += lines * LINE + bar / 2 + 0.02
        centres.append(y)
        y += bar / 2 + 0.1
    ax.set_ylim(y, 0)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    return np.array(centres)


def labelled_height(labels: list[str], bar: float = 0.16) -> float:
    """The inches `_labelled_rows` takes for `labels`."""
    lines = sum(wrap(x).count("\n") + 1 for x in labels)
    return 0.06 + lines * LINE + len(labels) * (bar + 0.12)


@contextlib.contextmanager
def seeded(seed: int):
    """numpy's global random state seeded for a block, and put back after it."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _number_axis(axis, lang: str, digits: int = 0) -> None:
    axis.set_major_formatter(FuncFormatter(lambda x, _: fmt.number(x, lang, digits)))


def _bars_figure(labels: list[str], legend_rows: int = 0, bottom: float = 0.5):
    """A figure and axes for horizontal bars labelled above (`_labelled_rows`), with fixed
    margins so that one unit of the y axis is one inch: labels never run into bars."""
    _theme()
    top = 0.1 + legend_rows * LEGEND_ROW
    body = labelled_height(labels)
    height = top + body + bottom
    fig = Figure(figsize=(WIDTH, height), dpi=DPI)
    fig.subplots_adjust(
        left=0.08 / WIDTH, right=1 - 0.2 / WIDTH, top=1 - top / height, bottom=bottom / height
    )
    ax = fig.add_subplot()
    return fig, ax, _labelled_rows(ax, labels)


# Vector images: labels stay sharp at any width, text stays text (a third the size of a PNG,
# drawn in the reader's own fonts), ids are seeded so the same chart gives the same bytes. As
# an <img>, an SVG never runs a script.
SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "ntm-assess", "svg.id": None}


def to_image(fig: Figure) -> tuple[str, int, int]:
    """The figure as an inline SVG image, with the CSS pixels it was drawn for."""
    buf = io.BytesIO()
    with matplotlib.rc_context({k: v for k, v in SVG_STYLE.items() if k in matplotlib.rcParams}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    width, height = (round(x * DPI) for x in fig.get_size_inches())
    return (
        "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii"),
        width,
        height,
    )


def to_data_uri(fig: Figure) -> str:
    """The figure as an inline SVG image (for pages that must load nothing from elsewhere)."""
    return to_image(fig)[0]


def gantt_chart(roadmap: pd.DataFrame, start_year: int, lang: str) -> Figure:
    """Each criterion's work in the year it is funded; diamonds mark the target year, hatched
    bars the work no year's budget can cover."""
    rows = roadmap.reset_index(drop=True)
    funded_years = rows.loc[rows["funded"], "year_scheduled"].astype(int)
    last = int(max([start_year, *funded_years, *rows["target_year"].dropna().astype(int)]))
    labels = [
        f"{r.criterion} — {r.name_vi if lang == 'vi' else r.name_en}" for r in rows.itertuples()
    ]
    fig, ax, y = _bars_figure(labels, legend_rows=2)
    for centre, r in zip(y, rows.itertuples()):
        if r.funded:
            ax.barh(
                centre,
                0.8,
                left=int(r.year_scheduled) - 0.4,
                height=0.16,
                color=COLOURS["incomplete"] if r.late else COLOURS["met"],
            )
        else:
            ax.barh(
                centre,
                last + 1 - start_year,
                left=start_year - 0.4,
                height=0.16,
                color="none",
                edgecolor=COLOURS["not_met"],
                hatch="//",
            )
        if pd.notna(r.target_year):
            ax.plot(int(r.target_year), centre, marker="D", color="#212121", markersize=5)
    ax.set_xticks(range(start_year, last + 1))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: str(int(x))))
    ax.set_xlim(start_year - 0.6, last + 0.6)
    handles = [
        Patch(color=COLOURS["met"], label=t("col_scheduled", lang)),
        Patch(color=COLOURS["incomplete"], label=t("roadmap_late", lang)),
        Patch(
            facecolor="none",
            edgecolor=COLOURS["not_met"],
            hatch="//",
            label=t("roadmap_unfunded", lang),
        ),
        Line2D([], [], marker="D", linestyle="", color="#212121", label=t("col_target_year", lang)),
    ]
    _legend(fig, handles)
    return fig


def funding_chart(roadmap: pd.DataFrame, sources: list[str], lang: str) -> Figure:
    """Money committed each year, by funding source (million VND)."""
    funded = roadmap[roadmap["funded"]]
    by_year = funded.groupby(funded["year_scheduled"].astype(int))[sources].sum()
    used = [s for s in sources if by_year[s].sum()]
    fig = _figure(2.4, short_labels=6, legend_rows=_rows(len(used), 2))
    ax = fig.add_subplot()
    bottom = pd.Series(0.0, index=by_year.index)
    palette = dict(zip(sources, sns.color_palette("colorblind", len(sources))))
    handles = []
    for source in used:
        ax.bar(by_year.index, by_year[source], bottom=bottom, color=palette[source], width=0.6)
        handles.append(Patch(color=palette[source], label=t(f"source_{source}", lang)))
        bottom = bottom + by_year[source]
    ax.set_xticks(by_year.index.tolist())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: str(int(x))))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    _number_axis(ax.yaxis, lang)
    ax.set_ylabel(t("million_vnd", lang))
    _legend(fig, handles)
    return fig


def status_heatmap(matrix: pd.DataFrame, lang: str) -> Figure:
    """Commune × criterion, coloured by status: a row per commune, a column per criterion."""
    from matplotlib.colors import ListedColormap

    order = list(STATUS_ORDER)
    codes = matrix.apply(lambda col: col.map(lambda s: order.index(s) if s in order else 3))
    shown = [s for s in order if (matrix == s).any().any()]
    names = [wrap(n, 14, 1) for n in matrix.index.astype(str)]
    fig = _figure(
        0.22 * len(matrix) + 0.9,
        short_labels=max((len(n) for n in names), default=1),
        legend_rows=_rows(len(shown), 2),
    )
    ax = fig.add_subplot()
    sns.heatmap(
        codes.astype(float),
        ax=ax,
        cmap=ListedColormap([COLOURS[s] for s in order]),
        vmin=-0.5,
        vmax=len(order) - 0.5,
        cbar=False,
        linewidths=0.5,
        linecolor="white",
        yticklabels=names,
        xticklabels=[str(c) for c in matrix.columns],
    )
    ax.set_xlabel(t("col_criterion_no", lang))
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=90, labelsize=FONT)
    ax.tick_params(axis="y", rotation=0, labelsize=FONT)
    _legend(fig, [Patch(color=COLOURS[s], label=fmt.status(s, lang)) for s in shown])
    return fig


def key_distribution(values: pd.DataFrame, names: dict, lang: str) -> Figure:
    """One panel per key indicator: each commune's value, the threshold as a line."""
    keys = list(dict.fromkeys(values["indicator"]))
    fig = _figure(1.5 * max(len(keys), 1) + 0.3)
    axes = fig.subplots(len(keys), 1, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys):
        rows = values[values["indicator"] == key]
        with seeded(0):  # seaborn jitters with numpy's global generator: same data, same page
            sns.stripplot(
                data=rows,
                x="value",
                hue="status",
                palette={s: COLOURS[s] for s in rows["status"].unique()},
                ax=ax,
                size=6,
                jitter=0.15,
                legend=False,
            )
        for thr in rows["threshold"].dropna().unique():
            ax.axvline(thr, color="#212121", linestyle="--", linewidth=1)
        ax.set_title(wrap(f"{key} — {names[key]}"), fontsize=FONT, loc="left")
        ax.set_xlabel("")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        _number_axis(ax.xaxis, lang, 1)
    return fig
