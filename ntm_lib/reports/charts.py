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

COLOURS = {"met": "#2e7d32", "not_met": "#c62828", "incomplete": "#f9a825",
           "missing": "#9e9e9e", "not_applicable": "#e0e0e0", "no_threshold": "#b39ddb",
           "no_data": "#757575"}
STATUS_ORDER = ["met", "not_met", "incomplete", "missing", "no_threshold", "not_applicable",
                "no_data"]


def _figure(width: float, height: float) -> Figure:
    sns.set_theme(style="whitegrid", font_scale=0.9)
    # Labels are data (commune names...): '$\hat$' must show as typed, never as mathtext.
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["text.usetex"] = False
    return Figure(figsize=(width, height), dpi=96, layout="constrained")


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
            ax.barh([names[g] for g in counts.index], counts[status], left=left,
                    color=COLOURS[status], label=fmt.status(status, lang))
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
    fig = _figure(7.5, 0.24 * len(ach) + 1.4)
    ax = fig.add_subplot()
    data = ach.assign(pct=ach["share"] * 100, label=ach["indicator"].astype(str),
                      st=ach["status"].astype(str).map(lambda s: fmt.status(s, lang)))
    palette = {fmt.status(s, lang): COLOURS[s] for s in ("met", "not_met")}
    sns.barplot(data=data, y="label", x="pct", hue="st", palette=palette, dodge=False, ax=ax,
                orient="h")
    ax.axvline(100, color="#333333", linewidth=1)
    low, high = data["pct"].min(), data["pct"].max()
    ax.set_xlim(max(0, min(low, 100) - 10) // 10 * 10, max(high, 100) + 5)
    _number_axis(ax.xaxis, lang)
    ax.set_xlabel(t("chart_share_of_threshold", lang))
    ax.set_ylabel("")
    ax.legend(title="", loc="lower right")
    return fig


def trend_chart(trend: pd.DataFrame, lang: str) -> Figure:
    """Criteria met per year; years where the count fell are marked in red."""
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    years = trend["year"].astype(int)
    ax.plot(years, trend["criteria_total"], linestyle="--", color="#757575",
            label=t("chart_criteria_total", lang))
    ax.plot(years, trend["criteria_met"], marker="o", color=COLOURS["met"],
            label=t("chart_criteria_met", lang))
    fell = trend["criteria_met"].diff() < 0
    ax.scatter(years[fell], trend.loc[fell, "criteria_met"], s=90, color=COLOURS["not_met"],
               zorder=3, label=t("chart_regression", lang))
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
    ax.barh(data["name"], data["criteria_met"],
            color=[COLOURS.get(s, "#9e9e9e") for s in data["status"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("chart_criteria_met", lang))
    return fig


def to_data_uri(fig: Figure) -> str:
    """The figure as an inline PNG (for pages that must load nothing from elsewhere)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def gantt_chart(roadmap: pd.DataFrame, start_year: int, lang: str) -> Figure:
    """Each criterion's work in the year it is funded; diamonds mark the target year, hatched
    bars the work no year's budget can cover."""
    rows = roadmap.reset_index(drop=True)
    funded_years = rows.loc[rows["funded"], "year_scheduled"].astype(int)
    last = int(max([start_year, *funded_years, *rows["target_year"].dropna().astype(int)]))
    fig = _figure(7.5, 0.45 * len(rows) + 1.4)
    ax = fig.add_subplot()
    labels = [f"{r.criterion} — {r.name_vi if lang == 'vi' else r.name_en}" for r in rows.itertuples()]
    for n, r in enumerate(rows.itertuples()):
        if r.funded:
            ax.barh(n, 0.8, left=int(r.year_scheduled) - 0.4,
                    color=COLOURS["incomplete"] if r.late else COLOURS["met"])
        else:
            ax.barh(n, last + 1 - start_year, left=start_year - 0.4, color="none",
                    edgecolor=COLOURS["not_met"], hatch="//")
        if pd.notna(r.target_year):
            ax.plot(int(r.target_year), n, marker="D", color="#212121", markersize=6)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    ax.set_xticks(range(start_year, last + 1))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: str(int(x))))
    ax.set_xlim(start_year - 0.6, last + 0.6)
    handles = [Patch(color=COLOURS["met"], label=t("col_scheduled", lang)),
               Patch(color=COLOURS["incomplete"], label=t("roadmap_late", lang)),
               Patch(facecolor="none", edgecolor=COLOURS["not_met"], hatch="//",
                     label=t("roadmap_unfunded", lang)),
               Line2D([], [], marker="D", linestyle="", color="#212121",
                      label=t("col_target_year", lang))]
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
        ax.bar(by_year.index, by_year[source], bottom=bottom, color=colour,
               label=t(f"source_{source}", lang))
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
    sns.heatmap(codes.astype(float), ax=ax, cmap=ListedColormap([COLOURS[s] for s in order]),
                vmin=-0.5, vmax=len(order) - 0.5, cbar=False, linewidths=0.5, linecolor="white")
    ax.set_xlabel(t("col_criterion_no", lang))
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=0)
    handles = [Patch(color=COLOURS[s], label=fmt.status(s, lang)) for s in order
               if (matrix == s).any().any()]
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
            sns.stripplot(data=rows, x="value", hue="status", palette={
                s: COLOURS[s] for s in rows["status"].unique()}, ax=ax, size=7, jitter=0.15,
                legend=False)
        for thr in rows["threshold"].dropna().unique():
            ax.axvline(thr, color="#212121", linestyle="--", linewidth=1)
        ax.set_title(f"{key} — {names[key]}", fontsize=9, loc="left")
        ax.set_xlabel("")
        _number_axis(ax.xaxis, lang, 1)
    return fig
