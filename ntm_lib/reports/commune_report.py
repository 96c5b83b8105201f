"""The commune report's sections, called one by one by notebooks/commune_assessment.ipynb.

Each `*_html(ctx)` returns one section of a commune's page as self-contained HTML, from its
Context (reports.context); each `*_chart_html(ctx)` one chart.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pandas as pd

from .. import fmt
from ..assess import views
from ..assess.peers import PEERS_SHOWN, same_gap
from ..assess.progress import HORIZON, WINDOW, indicator_trends, per_year, regressions
from ..assess.proof import MAX_AGE_MONTHS, statuses, with_values
from ..assess.roadmap import outlook_text
from ..criteria.text import gap_text, requirement_text, value_text
from ..i18n import pick, t
from ..illustrative import inputs_illustrative
from ..intake.plans import SOURCES
from . import svg_charts
from .context import Context
from .html import (
    badge,
    esc,
    evidence_flag,
    evidence_note,
    file_ref,
    illustrative_note,
    print_header,
    section,
    set_summary,
    table,
)
from .html import provenance_html as render_provenance
from .svg import Drawing

# The columns a section reads of the commune's indicators (a selection of rows copies every
# column it is given: passing only these keeps each step cheap on a page's small tables).
GAP_COLUMNS = [
    "indicator",
    "name_vi",
    "name_en",
    "value",
    "unit",
    "unit_kind",
    "rule",
    "threshold",
    "status",
    "gap",
]
INDICATOR_COLUMNS = [*GAP_COLUMNS, "fragile", "source", "evidence", "input_ref"]
ACHIEVEMENT_COLUMNS = ["indicator", "value", "unit_kind", "rule", "threshold", "status"]


def predecessors_html(ctx: Context) -> str:
    if ctx.predecessors is None or ctx.predecessors.empty:
        return ""
    lang = ctx.lang
    rows = [
        [
            esc(r.old_code),
            esc(r.name),
            esc(r.year),
            badge(r.status, lang) + " " + esc(r.text),
            esc(r.set),
        ]
        for r in ctx.predecessors.itertuples()
    ]
    headers = [
        t(k, lang)
        for k in ("col_old_code", "index_col_commune", "col_year", "col_status", "report_set")
    ]
    body = f'<p class="note">{esc(t("report_predecessors_note", lang))}</p>' + table(
        headers, rows, "predecessors", roles=["key", "name", "", "verdict", "minor"]
    )
    return section(t("report_predecessors", lang), body, "predecessors")


def header_html(ctx: Context) -> str:
    """The page's head: the commune, its verdict, the facts, the notes every verdict carries
    (how provisional the thresholds are; illustrative data), and the printed pages' header."""
    lang, c = ctx.lang, ctx.commune
    row = views.commune_row(ctx.own, ctx.commune_id, ctx.year)
    status_text = fmt.commune_status(row, ctx.cset.status_label, lang)
    facts = [(t("report_commune", lang), esc(c["name"]) + f" ({esc(ctx.commune_id)})")]
    if views.has_district(c.get("district")):
        facts.append((t("report_district", lang), esc(c["district"])))
    facts += [
        (t("report_province", lang), esc(c["province"])),
        (t("report_year", lang), esc(ctx.year)),
        (t("report_set", lang), set_summary(ctx.cset, lang)),
    ]
    if ctx.cset.uses_groups and "group" in c.index and pd.notna(c["group"]):
        facts.insert(len(facts) - 1, (t("report_group", lang), esc(c["group"])))
    inputs = ctx.provenance.get("inputs", [])
    running = f"{c['name']} ({ctx.commune_id}) · {ctx.year}"
    if inputs_illustrative(inputs):
        running += " · " + t("illustrative_short", lang)
    facts_html = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    return (
        print_header(running, lang)
        + f'<header class="report-header"><h1>{esc(t("report_title", lang, name=c["name"]))}</h1>'
        f'<p class="overall st-{esc(row["status"])}" data-status="{esc(row["status"])}">'
        f'{esc(status_text)}</p>{illustrative_note(inputs, lang)}<dl class="facts">{facts_html}'
        f"</dl>{evidence_note(ctx.cset, lang)}</header>"
    )


def criteria_html(ctx: Context) -> str:
    lang = ctx.lang
    crit = ctx.criteria
    rows = [
        [
            esc(r.criterion),
            esc(r.name_vi if lang == "vi" else r.name_en),
            badge(r.status, lang),
            f"{r.indicators_met}/{r.indicators_total}",
        ]
        for r in crit.itertuples()
    ]
    headers = [
        t("col_criterion_no", lang),
        t("col_criterion", lang),
        t("col_status", lang),
        t("col_indicators_met", lang),
    ]
    # Four narrow columns: a table even on a phone (cards would make it three times as long).
    return section(
        t("report_criteria", lang),
        table(
            headers,
            rows,
            "criteria keep",
            [f"st-{r}" for r in crit["status"]],
            roles=["key", "name", "verdict", ""],
        ),
        "criteria",
    )


def indicators_html(ctx: Context) -> str:
    lang = ctx.lang
    ind = ctx.indicators[INDICATOR_COLUMNS]
    rows = []
    for r in ind.itertuples():
        rows.append(
            [
                esc(r.indicator),
                esc(r.name_vi if lang == "vi" else r.name_en),
                esc(value_text(r.value, r.unit, lang)),
                esc(
                    fmt.status(r.status, lang)
                    if r.status == "no_threshold"
                    else requirement_text(r.rule, r.threshold, r.unit, lang, r.status)
                ),
                esc(gap_text(r.gap, r.unit, lang)),
                badge(r.status, lang) + fragile_flag(r, lang),
                esc(r.source) + evidence_flag(str(r.evidence), lang),
                file_ref(r.input_ref),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "col_code",
            "col_indicator",
            "col_value",
            "col_requirement",
            "col_gap",
            "col_status",
            "col_source",
            "col_input",
        )
    ]
    body = table(
        headers,
        rows,
        "indicators",
        [f"st-{s}" for s in ind["status"]],
        roles=["key", "name", "", "", "", "verdict", "minor", "minor"],
    )
    return section(t("report_indicators", lang), body, "indicators", fold=True)


def documents_html(links: dict, lang: str) -> str:
    """Links to the drafts of the board's plan and annual report, when the batch wrote them."""
    if not links:
        return ""
    items = " · ".join(
        f'<a href="{esc(quote(path))}">{esc(t(f"document_{kind}", lang))}</a>'
        for kind, path in links.items()
    )
    return f'<p class="documents">{esc(t("report_documents", lang))}: {items}</p>'


def fragile_flag(row, lang: str) -> str:
    if not getattr(row, "fragile", False):
        return ""
    return (
        f' <span class="flag fragile" title="{esc(t("fragile_tip", lang))}">'
        f"{esc(t('fragile', lang))}</span>"
    )


def warning_html(ctx: Context) -> str:
    """Cảnh báo sớm: met indicators that next year's trend or threshold would take below, and
    verdicts within measurement error of their threshold."""
    lang = ctx.lang
    mine = ctx.indicators  # the commune's rows of its year
    risky = mine[mine["at_risk"]]
    if risky.empty:
        out = f"<p>{esc(t('report_no_risk', lang))}</p>"
    else:
        out = (
            f'<p class="warning">{esc(t("report_risk_count", lang, count=len(risky)))}</p>'
            + _risk_table(ctx, risky)
        )
    fragile = mine[mine["fragile"]]
    if len(fragile):
        items = ", ".join(
            f"{r.indicator} ({value_text(r.value, r.unit, lang)} / "
            f"{requirement_text(r.rule, r.threshold, r.unit, lang)})"
            for r in fragile.itertuples()
        )
        out += (
            f'<p class="note">{esc(t("report_fragile", lang, count=len(fragile), items=items))}</p>'
        )
    out += f'<p class="note">{esc(t("report_warning_note", lang))}</p>'
    return section(t("report_warning", lang), out, "warning-section", fold=len(risky) > 3)


def _risk_table(ctx: Context, risky: pd.DataFrame) -> str:
    lang = ctx.lang
    rows = []
    for r in risky.itertuples():
        ind = ctx.cset.indicator(str(r.indicator))
        rate = (
            "" if pd.isna(r.trend) else (("+" if r.trend > 0 else "") + fmt.number(r.trend, lang))
        )
        rows.append(
            [
                esc(r.indicator),
                esc(pick(ind.name, lang)),
                esc(value_text(r.value, r.unit, lang)),
                esc(requirement_text(r.rule, r.threshold, r.unit, lang)),
                esc(
                    value_text(r.margin, r.unit, lang)
                    if ind.unit_kind != "percent"
                    else fmt.number(r.margin, lang) + " " + t("points", lang)
                ),
                esc(rate),
                esc(requirement_text(r.rule, r.next_threshold, r.unit, lang)),
                esc(t(f"risk_{r.risk}", lang)),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "col_code",
            "col_indicator",
            "col_value",
            "col_requirement",
            "col_margin",
            "col_rate",
            "col_next_requirement",
            "col_risk",
        )
    ]
    return table(headers, rows, "warning", roles=["key", "name", "", "", "", "", "", "verdict"])


PROOF_COLUMNS = [
    "indicator",
    "name_vi",
    "name_en",
    "value",
    "unit",
    "status",
    "proof_document",
    "proof_number",
    "proof_date",
    "proof_kept_at",
]


def proof_html(ctx: Context) -> str:
    """Minh chứng: the document behind each value, and the values without one (or too old).
    The commune's rows of its year (ctx.indicators, the rows of its dossier: assess.proof) as
    lists: a page's few dozen rows."""
    lang = ctx.lang
    ind = ctx.indicators
    rows = [dict(zip(PROOF_COLUMNS, r)) for r in zip(*(ind[c].tolist() for c in PROOF_COLUMNS))]
    found = statuses(
        [r["proof_document"] for r in rows],
        [r["proof_number"] for r in rows],
        [r["proof_date"] for r in rows],
        ctx.year,
        MAX_AGE_MONTHS,
    )
    found = with_values(found, [r["status"] for r in rows])
    counts = Counter(found)
    summary = t(
        "report_proof_summary",
        lang,
        ok=counts["ok"],
        missing=counts["missing"],
        stale=counts["stale"],
        undated=counts["undated"],
        months=MAX_AGE_MONTHS,
    )
    lacking = [r | {"proof_status": p} for r, p in zip(rows, found) if p in LACKING]
    documents = sorted(
        {
            " ".join(x for x in (r["proof_document"], r["proof_number"]) if x)
            for r, p in zip(rows, found)
            if p == "ok"
        }
    )
    listed = (
        '<p class="note">'
        + esc(t("report_proof_documents", lang, documents="; ".join(documents)))
        + "</p>"
        if documents
        else ""
    )
    cls = "warning" if lacking else "note"
    return section(
        t("report_proof", lang),
        f'<p class="{cls}">{esc(summary)}</p>'
        + listed
        + (_proof_table(lacking, lang) if lacking else ""),
        "proof-section",
        fold=True,
    )


LACKING = ("missing", "stale", "undated")


def _proof_table(lacking: list[dict], lang: str) -> str:
    body = [
        [
            esc(r["indicator"]),
            esc(r["name_vi"] if lang == "vi" else r["name_en"]),
            esc(value_text(r["value"], r["unit"], lang)),
            badge(r["status"], lang),
            esc(" ".join(x for x in (r["proof_document"], r["proof_number"]) if x)),
            esc(fmt.date(r["proof_date"], lang)),
            esc(r["proof_kept_at"]),
            f'<span class="proof-{esc(r["proof_status"])}">'
            f"{esc(t('proof_' + r['proof_status'], lang))}</span>",
        ]
        for r in lacking
    ]
    headers = [
        t(k, lang)
        for k in (
            "col_code",
            "col_indicator",
            "col_value",
            "col_status",
            "col_proof",
            "col_proof_date",
            "col_proof_kept",
            "col_proof_status",
        )
    ]
    return table(headers, body, "proof", roles=["key", "name", "", "verdict", "", "", "", ""])


def peers_html(ctx: Context) -> str:
    """Who closed the same gap: neighbours below an indicator's threshold once, and met later."""
    lang = ctx.lang
    found = ctx.peers
    if found is None:
        found = same_gap(
            ctx.assessment, ctx.register, ctx.commune_id, ctx.year, ctx.plan_rows, ctx.closings
        )
        found = found.groupby("indicator", sort=False).head(PEERS_SHOWN)  # the quickest
    title = t("report_peers", lang)
    if found.empty:
        kind = views.comparison_area(ctx.register, ctx.commune_id)[0]
        return section(title, f"<p>{esc(t(f'report_no_peers_{kind}', lang))}</p>", "peers")
    rows = []
    for r in found.itertuples():
        ind = ctx.cset.indicator(str(r.indicator))
        cost = "" if pd.isna(r.cost) else fmt.number(r.cost, lang) + " " + t("million_vnd", lang)
        rows.append(
            [
                esc(r.indicator),
                esc(pick(ind.name, lang)),
                esc(f"{r.peer_name} ({r.peer})"),
                esc(t(f"area_{r.area}", lang)),
                esc(f"{r.below_from} → {r.met_in}"),
                esc(r.years),
                esc(cost),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "col_code",
            "col_indicator",
            "col_peer",
            "col_area",
            "col_closed",
            "col_years",
            "col_cost",
        )
    ]
    return section(
        title,
        f'<p class="note">{esc(t("report_peers_note", lang))}</p>'
        + table(headers, rows, "peers", roles=["key", "name", "", "", "", "", ""]),
        "peers",
        fold=True,
    )


def gaps_html(ctx: Context) -> str:
    lang = ctx.lang
    ranked = views.gap_ranking(ctx.indicators[GAP_COLUMNS])
    title = t("report_gaps", lang)
    if ranked.empty:
        return section(title, f"<p>{esc(t('report_no_gaps', lang))}</p>", "gaps-section")
    rows = [
        [
            str(n + 1),
            esc(r.indicator),
            esc(r.name_vi if lang == "vi" else r.name_en),
            esc(value_text(r.value, r.unit, lang)),
            esc(requirement_text(r.rule, r.threshold, r.unit, lang, r.status)),
            esc(gap_text(r.gap, r.unit, lang)),
            esc(fmt.percent(r.relative_gap, lang)),
            badge(r.status, lang),
        ]
        for n, r in enumerate(ranked.itertuples())
    ]
    headers = [
        t(k, lang)
        for k in (
            "col_rank",
            "col_code",
            "col_indicator",
            "col_value",
            "col_requirement",
            "col_gap",
            "col_relative_gap",
            "col_status",
        )
    ]
    return section(
        title,
        f'<p class="note">{esc(t("report_gaps_note", lang))}</p>'
        + table(
            headers,
            rows,
            "gaps",
            ["st-not_met"] * len(rows),
            roles=["", "key", "name", "", "", "", "", "verdict"],
        ),
        "gaps-section",
    )


def regressions_html(ctx: Context) -> str:
    lang = ctx.lang
    lost = regressions(ctx.own.criteria, "criterion", ctx.commune_id, ctx.year)
    title = t("report_trend", lang)
    if lost.empty:
        return section(title, f"<p>{esc(t('report_no_regressions', lang))}</p>", "trend")
    items = "".join(
        '<li class="st-not_met">'
        + esc(
            t(
                "report_regression_item",
                lang,
                criterion=r.criterion,
                name=r.name_vi if lang == "vi" else r.name_en,
                last=r.last_met,
                status=fmt.status(r.status, lang).lower(),
            )
        )
        + "</li>"
        for r in lost.itertuples()
    )
    return section(
        title,
        f'<p class="warning">{esc(t("report_regressions", lang, count=len(lost)))}</p>'
        + f"<ul>{items}</ul>",
        "trend",
    )


def progress_html(ctx: Context) -> str:
    """Tiến độ: criteria and indicators met each year, and where each unmet indicator heads."""
    lang = ctx.lang
    years = per_year(ctx.own, ctx.commune_id)
    years = years[years["year"] <= ctx.year]
    rows = [
        [
            esc(r.year),
            esc(f"{r.criteria_met}/{r.criteria_total}"),
            esc(f"{int(r.indicators_met)}/{int(r.indicators_total)}"),
            badge(r.status, lang),
        ]
        for r in years.itertuples()
    ]
    out = table(
        [
            t(k, lang)
            for k in ("col_year", "chart_criteria_met", "col_indicators_met_year", "col_status")
        ],
        rows,
        "progress keep",
        roles=["key", "", "", "verdict"],
    )
    trends = indicator_trends(
        ctx.own, ctx.cset, ctx.register, until=ctx.year, commune_id=ctx.commune_id
    )
    unmet = trends[trends["status"].isin(["not_met", "missing"])]
    if unmet.empty:
        out += f"<p>{esc(t('report_no_unmet_trends', lang))}</p>"
    else:
        out += _trends_table(ctx, unmet) + (
            f'<p class="note">{esc(t("report_progress_note", lang, window=WINDOW))}</p>'
        )
    return section(t("report_progress", lang), out, "progress-section", fold=True)


def _trends_table(ctx: Context, unmet: pd.DataFrame) -> str:
    lang = ctx.lang
    body = []
    for r in unmet.itertuples():
        ind = ctx.cset.indicator(r.indicator)
        note = (
            str(r.projected_year)
            if r.projection_note == "projected"
            else t("projection_" + r.projection_note, lang, horizon=HORIZON)
        )
        rate = (
            ""
            if pd.isna(r.slope_per_year) or ind.unit_kind == "yes_no"
            else (("+" if r.slope_per_year > 0 else "") + fmt.number(r.slope_per_year, lang))
        )
        body.append(
            [
                esc(r.indicator),
                esc(pick(ind.name, lang)),
                badge(r.status, lang),
                esc(value_text(r.value, ind.unit, lang)),
                esc(requirement_text(ind.rule.op, r.threshold, ind.unit, lang)),
                esc(rate),
                esc(note),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "col_code",
            "col_indicator",
            "col_status",
            "col_value",
            "col_requirement",
            "col_rate",
            "col_projection",
        )
    ]
    classes = [f"st-{s}" for s in unmet["status"]]
    return table(headers, body, "trends", classes, roles=["key", "name", "verdict"])


def roadmap_html(ctx: Context) -> str:
    """Lộ trình: the plan's criteria in priority order, when each is funded, and from what."""
    if ctx.roadmap is None:
        return ""
    lang, road = ctx.lang, ctx.roadmap
    title = t("report_roadmap", lang)
    if road.roadmap.empty:
        return section(title, f"<p>{esc(t('report_no_plan', lang))}</p>", "roadmap-section")
    outlook = outlook_text(road.summary.iloc[0], lang)
    outlook = f"{ctx.commune['name']}: {outlook}"
    from . import charts  # seaborn: only for a page with a plan

    gantt = figure_html(
        charts.gantt_chart(road.roadmap, ctx.year + 1, lang), t("report_chart_gantt", lang)
    )
    funding = ""
    if road.roadmap["funded"].any():
        funding = figure_html(
            charts.funding_chart(road.roadmap, SOURCES, lang), t("report_chart_funding", lang)
        )
    return section(
        title,
        f'<p class="overall">{esc(outlook)}</p>'
        + _roadmap_table(ctx)
        + f'<p class="note">{esc(t("report_roadmap_note", lang))}</p>'
        + gantt
        + funding,
        "roadmap-section",
        fold=True,
    )


def _roadmap_table(ctx: Context) -> str:
    lang, road = ctx.lang, ctx.roadmap
    rows = []
    for r in road.roadmap.itertuples():
        when = str(r.year_scheduled) if r.funded else t("roadmap_unfunded", lang)
        if r.funded and r.late:
            when += f" ({t('roadmap_late', lang)})"
        rows.append(
            [
                esc(r.priority),
                esc(f"{r.criterion} — {r.name_vi if lang == 'vi' else r.name_en}"),
                badge(r.status_now, lang),
                esc(r.solution),
                esc(r.responsible),
                esc(r.target_year),
                esc(when),
                esc(fmt.number(r.cost, lang)),
                esc(fmt.number(r.score, lang)),
            ]
        )
    headers = [
        t(k, lang)
        for k in (
            "col_priority",
            "col_criterion",
            "col_status",
            "col_solution",
            "col_responsible",
            "col_target_year",
            "col_scheduled",
            "col_cost",
            "col_score",
        )
    ]
    classes = [
        "st-met" if r.funded and not r.late else "st-not_met" if not r.funded else "st-incomplete"
        for r in road.roadmap.itertuples()
    ]
    roles = ["key", "name", "verdict", "", "", "", "", "", ""]
    return table(headers, rows, "roadmap", classes, roles=roles)


def district_html(ctx: Context) -> str:
    """How the commune compares with the others of its district, or of its province when it
    has no district (two tiers since July 2025); no rank among a single commune."""
    lang = ctx.lang
    kind, area, _ = views.comparison_area(ctx.register, ctx.commune_id)
    comp = ctx.compared
    if comp is None:
        comp = views.district_comparison(
            ctx.assessment, ctx.register, ctx.cset, ctx.commune_id, ctx.year
        )
    title = t(f"report_compared_{kind}", lang, area=area)
    if comp.empty or (comp["n"] < 2).all():
        return section(title, f"<p>{esc(t(f'report_compared_alone_{kind}', lang, area=area))}</p>")
    rows = []
    for r in comp.itertuples():
        if r.key == "criteria_met":
            name, value, median = (
                t("chart_criteria_met", lang),
                fmt.number(r.value, lang),
                fmt.number(r.median, lang, 1),
            )
        else:
            ind = ctx.cset.indicator(r.key)
            name = f"{r.key} {pick(ind.name, lang)}"
            value, median = (
                value_text(r.value, ind.unit, lang),
                value_text(r.median, ind.unit, lang),
            )
        rank = "—" if pd.isna(r.rank) else f"{r.rank}/{r.n}"
        rows.append([esc(name), esc(value), esc(median), esc(rank)])
    headers = [t(k, lang) for k in ("col_indicator", "col_value")] + [
        t(f"col_median_{kind}", lang),
        t(f"col_rank_in_{kind}", lang),
    ]
    body = table(headers, rows, "district", roles=["name", "", "", ""])
    return section(title, body, "district-section", fold=True)


def provenance_html(ctx: Context) -> str:
    return render_provenance(ctx.provenance, ctx.lang)


def figure_html(fig, caption: str) -> str:
    """A chart as an inline image with its caption: the page needs nothing from elsewhere. The
    image keeps the size it was drawn at (every chart is drawn for a phone), never larger."""
    if fig is None:
        return ""
    if isinstance(fig, Drawing):
        uri, width, height = fig.image()
    else:
        from .charts import to_image  # a matplotlib Figure: seaborn is already imported

        uri, width, height = to_image(fig)
    return (
        f'<figure><img src="{uri}" width="{width}" height="{height}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def groups_chart_html(ctx: Context) -> str:
    crit = ctx.criteria[["criterion", "status"]]  # what group_counts reads
    fig = svg_charts.criteria_by_group(views.group_counts(crit, ctx.cset), ctx.cset, ctx.lang)
    return figure_html(fig, t("report_chart_groups", ctx.lang))


def achievement_chart_html(ctx: Context) -> str:
    achieved = views.achievement(ctx.indicators[ACHIEVEMENT_COLUMNS])
    if not (achieved["unit_kind"] != "yes_no").any():
        return ""  # nothing measured against a known threshold
    fig = svg_charts.achievement_chart(achieved, ctx.lang)
    return figure_html(fig, t("report_chart_achievement", ctx.lang))


def trend_chart_html(ctx: Context) -> str:
    tr = views.trend(ctx.own, ctx.commune_id, until=ctx.year)
    if len(tr) < 2:
        return ""
    return figure_html(svg_charts.trend_chart(tr, ctx.lang), t("report_trend", ctx.lang))
