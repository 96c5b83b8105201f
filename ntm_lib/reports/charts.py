"""Seaborn charts for the reports. Each function returns a matplotlib Figure (no pyplot state),
labelled in the report's language with numbers in its convention."""

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
from ..criteria.catalogue import CriteriaSet
from ..i18n import pick, t

COLOURS = {
    "met": "#2e7d32",
    "not_met": "#c62828",
    "incomplete": "#f9a825",
    "missing": "#9e9e9e",
    "not_applicable": "#e0e0e0",
    "no_threshold": "#b39ddb",
    "no_data": "#757575",
}
STATUS_ORDER = [
    "met",
    "not_met",
    "incomplete",
    "missing",
    "no_threshold",
    "not_applicable",
    "no_data",
]


_THEMED = False


def _figure(width: float, height: float, short_labels: int | None = None) -> Figure:
    """A figure of `width` x `height` inches. Its layout is solved by constrained layout,
    except where every tick label is short (`short_labels`: at most that many characters on
    the y axis): fixed margins then fit, and drawing costs half as much."""
    global _THEMED
    if not _THEMED:  # once per process: setting the theme costs more than drawing a chart
        sns.set_theme(style="whitegrid", font_scale=0.9)
        _THEMED = True
    # Labels are data (commune names...): '$\hat$' must show as typed, never as mathtext.
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["text.usetex"] = False
    if short_labels is None:
        return Figure(figsize=(width, height), dpi=96, layout="constrained")
    fig = Figure(figsize=(width, height), dpi=96)
    left = 0.45 + 0.085 * short_labels  # inches: tick labels, then the axis label
    fig.subplots_adjust(
        left=left / width, right=1 - 0.15 / width, top=1 - 0.15 / height, bottom=0.62 / height
    )
    return fig


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


def criteria_by_group(counts: pd.DataFrame, cset: CriteriaSet, lang: str) -> Figure:
    """Stacked horizontal bars: criteria met / not met / incomplete in each group."""
    names = {g.id: pick(g.name.model_dump(), lang) for g in cset.groups}
    fig = _figure(7.5, 0.45 * len(counts) + 1.2)
    ax = fig.add_subplot()
    left = pd.Series(0, index=counts.index)
    for status in STATUS_ORDER:
        if status in counts.columns and counts[status].sum():
            ax.barh(
                [names[g] for g in counts.index],
                counts[status],
                left=left,
                color=COLOURS[status],
                label=fmt.status(status, lang),
            )
            left = left + counts[status]
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("chart_criteria_count", lang))
    ax.legend(loc="lower right", frameon=True)
    return fig


def achievement_chart(ach: pd.DataFrame, lang: str) -> Figure:
    """Each measured indicator's achievement as a share of its threshold; the line marks 100%.
    Yes/no indicators are left out: they are either at 100% or at 0%."""
    ach = ach[ach["unit_kind"] != "yes_no"]
    fig = _figure(
        7.5,
        0.24 * len(ach) + 1.4,
        short_labels=int(ach["indicator"].astype(str).str.len().max() or 1),
    )
    ax = fig.add_subplot()
    data = ach.assign(
        pct=ach["share"] * 100, label=ach["indicator"].astype(str), st=ach["status"].astype(str)
    )
    # One bar per indicator: plain bars (seaborn's barplot would aggregate each one first).
    ax.barh(data["label"], data["pct"], color=[COLOURS.get(s, "#9e9e9e") for s in data["st"]])
    ax.invert_yaxis()
    ax.legend(
        handles=[
            Patch(color=COLOURS[s], label=fmt.status(s, lang))
            for s in ("met", "not_met")
            if (data["st"] == s).any()
        ],
        title="",
        loc="lower right",
    )
    ax.axvline(100, color="#333333", linewidth=1)
    low, high = data["pct"].min(), data["pct"].max()
    ax.set_xlim(max(0, min(low, 100) - 10) // 10 * 10, max(high, 100) + 5)
    _number_axis(ax.xaxis, lang)
    ax.set_xlabel(t("chart_share_of_threshold", lang))
    ax.set_ylabel("")
    return fig


def trend_chart(trend: pd.DataFrame, lang: str) -> Figure:
    """Criteria met per year; years where the count fell are marked in red."""
    fig = _figure(7.5, 3.2, short_labels=2)
    ax = fig.add_subplot()
    years = trend["year"].astype(int)
    ax.plot(
        years,
        trend["criteria_total"],
        linestyle="--",
        color="#757575",
        label=t("chart_criteria_total", lang),
    )
    ax.plot(
        years,
        trend["criteria_met"],
        marker="o",
        color=COLOURS["met"],
        label=t("chart_criteria_met", lang),
    )
    fell = trend["criteria_met"].diff() < 0
    ax.scatter(
        years[fell],
        trend.loc[fell, "criteria_met"],
        s=90,
        color=COLOURS["not_met"],
        zorder=3,
        label=t("chart_regression", lang),
    )
    ax.set_xticks(years.tolist())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: str(int(x))))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(trend["criteria_total"].max(), 1) + 1)
    ax.set_ylabel(t("chart_criteria_count", lang))
    ax.legend(loc="lower right")
    return fig


def district_chart(communes: pd.DataFrame, lang: str) -> Figure:
    """Criteria met by each commune (rows need name, criteria_met, criteria_total, status)."""
    data = communes.sort_values(["criteria_met", "name"], ascending=[False, True])
    fig = _figure(7.5, 0.3 * len(data) + 1.2)
    ax = fig.add_subplot()
    ax.barh(
        data["name"],
        data["criteria_met"],
        color=[COLOURS.get(s, "#9e9e9e") for s in data["status"]],
    )
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("chart_criteria_met", lang))
    return fig


# Vector images: labels stay sharp at any width (a phone's 390 px), text stays text (a third
# the size of a PNG, drawn in the reader's own fonts), ids are seeded so the same chart gives
# the same bytes. As an <img>, an SVG never runs a script.
SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "ntm-assess", "svg.id": None}


def to_data_uri(fig: Figure) -> str:
    """The figure as an inline SVG image (for pages that must load nothing from elsewhere)."""
    buf = io.BytesIO()
    with matplotlib.rc_context({k: v for k, v in SVG_STYLE.items() if k in matplotlib.rcParams}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def gantt_chart(roadmap: pd.DataFrame, start_year: int, lang: str) -> Figure:
    """Each criterion's work in the year it is funded; diamonds mark the target year, hatched
    bars the work no year's budget can cover."""
    rows = roadmap.reset_index(drop=True)
    funded_years = rows.loc[rows["funded"], "year_scheduled"].astype(int)
    last = int(max([start_year, *funded_years, *rows["target_year"].dropna().astype(int)]))
    fig = _figure(7.5, 0.45 * len(rows) + 1.4)
    ax = fig.add_subplot()
    labels = [
        f"{r.criterion} — {r.name_vi if lang == 'vi' else r.name_en}" for r in rows.itertuples()
    ]
    for n, r in enumerate(rows.itertuples()):
        if r.funded:
            ax.barh(
                n,
                0.8,
                left=int(r.year_scheduled) - 0.4,
                color=COLOURS["incomplete"] if r.late else COLOURS["met"],
            )
        else:
            ax.barh(
                n,
                last + 1 - start_year,
                left=start_year - 0.4,
                color="none",
                edgecolor=COLOURS["not_met"],
                hatch="//",
            )
        if pd.notna(r.target_year):
            ax.plot(int(r.target_year), n, marker="D", color="#212121", markersize=6)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
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
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return fig


def funding_chart(roadmap: pd.DataFrame, sources: list[str], lang: str) -> Figure:
    """Money committed each year, by funding source (million VND)."""
    funded = roadmap[roadmap["funded"]]
    by_year = funded.groupby(funded["year_scheduled"].astype(int))[sources].sum()
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    bottom = pd.Series(0.0, index=by_year.index)
    palette = sns.color_palette("colorblind", len(sources))
    for colour, source in zip(palette, sources):
        ax.bar(
            by_year.index,
            by_year[source],
            bottom=bottom,
            color=colour,
            label=t(f"source_{source}", lang),
        )
        bottom = bottom + by_year[source]
    ax.set_xticks(by_year.index.tolist())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: str(int(x))))
    _number_axis(ax.yaxis, lang)
    ax.set_ylabel(t("col_cost", lang))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def status_heatmap(matrix: pd.DataFrame, lang: str) -> Figure:
    """Commune × criterion, coloured by status."""
    order = [s for s in STATUS_ORDER]
    codes = matrix.apply(lambda col: col.map(lambda s: order.index(s) if s in order else 3))
    fig = _figure(min(2.2 + 0.42 * matrix.shape[1], 11), 0.36 * len(matrix) + 1.6)
    ax = fig.add_subplot()
    from matplotlib.colors import ListedColormap

    sns.heatmap(
        codes.astype(float),
        ax=ax,
        cmap=ListedColormap([COLOURS[s] for s in order]),
        vmin=-0.5,
        vmax=len(order) - 0.5,
        cbar=False,
        linewidths=0.5,
        linecolor="white",
    )
    ax.set_xlabel(t("col_criterion_no", lang))
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=0)
    handles = [
        Patch(color=COLOURS[s], label=fmt.status(s, lang))
        for s in order
        if (matrix == s).any().any()
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return fig


def key_distribution(values: pd.DataFrame, names: dict, lang: str) -> Figure:
    """One panel per key indicator: each commune's value, the threshold as a line."""
    keys = list(dict.fromkeys(values["indicator"]))
    fig = _figure(7.5, 1.35 * max(len(keys), 1) + 0.6)
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
                size=7,
                jitter=0.15,
                legend=False,
            )
        for thr in rows["threshold"].dropna().unique():
            ax.axvline(thr, color="#212121", linestyle="--", linewidth=1)
        ax.set_title(f"{key} — {names[key]}", fontsize=9, loc="left")
        ax.set_xlabel("")
        _number_axis(ax.xaxis, lang, 1)
    return fig
