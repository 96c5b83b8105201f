"""What `ntm` prints for people: the sets, a set's indicators, a commune's verdict and a run's
summary, as text in the user's language that fits a terminal (names beside codes, units,
regions and evidence in words; long cells wrapped), with the notes every verdict carries.

Pure functions: tables in, text out; cli.py only prints what they return.
"""

from __future__ import annotations

import os
import textwrap

import pandas as pd

from .. import fmt
from ..assess.scoring import Assessment
from ..criteria.catalogue import CriteriaSet, common, list_sets, load_set, units, unverified
from ..criteria.text import gap_text, requirement_text, value_text
from ..i18n import pick, t
from . import marks

WIDTH = 100  # columns: a terminal's usual width
GAP = "  "


def width() -> int:
    """The terminal's width from $COLUMNS, at most WIDTH and at least 60."""
    try:
        columns = int(os.environ.get("COLUMNS", WIDTH))
    except ValueError:
        columns = WIDTH
    return max(60, min(columns, WIDTH))


def grid(
    headers: list[str],
    rows: list[list[str]],
    total: int = WIDTH,
    after: list[str] | None = None,
) -> str:
    """A plain-text table at most `total` columns wide. A column of codes or numbers (no cell
    with a space) keeps its width; the text columns share what is left, in proportion to
    their longest cell, and wrap between words. `after`: a line of text under each row
    (wrapped, indented), or "" for none."""
    cells = [[str(c) for c in row] for row in rows]
    heads = [max([len(w) for w in h.split()] + [1]) for h in headers]
    longest = [max([heads[j]] + [len(r[j]) for r in cells]) for j in range(len(headers))]
    natural = [max(longest[j], len(headers[j])) for j in range(len(headers))]
    fixed = [not any(" " in r[j] for r in cells) for j in range(len(headers))]
    floor = [
        longest[j] if fixed[j] else max([heads[j], 6] + [_longest_word(r[j]) for r in cells])
        for j in range(len(headers))
    ]
    room = total - len(GAP) * (len(headers) - 1)
    widths = list(natural)
    # The widest text column gives a character at a time: down to its longest word, then,
    # if the table is still too wide, to 8 (words cut); codes and numbers never.
    for least in (floor, [8] * len(widths)):
        while sum(widths) > room:
            shrinkable = [
                j for j in range(len(widths)) if widths[j] > (floor[j] if fixed[j] else least[j])
            ]
            if not shrinkable:
                break
            widths[max(shrinkable, key=lambda j: widths[j])] -= 1
    lines = _wrapped_row(headers, widths)
    lines.append(GAP.join("-" * w for w in widths))
    for n, row in enumerate(cells):
        lines += _wrapped_row(row, widths)
        if after and after[n]:
            lines += textwrap.wrap(after[n], total, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _wrapped_row(row: list[str], widths: list[int]) -> list[str]:
    parts = [textwrap.wrap(c, w) or [""] for c, w in zip(row, widths)]
    height = max(len(p) for p in parts)
    return [
        GAP.join((p[k] if k < len(p) else "").ljust(w) for p, w in zip(parts, widths)).rstrip()
        for k in range(height)
    ]


def region_short(region_id: str, lang: str | None = None) -> str:
    """A region's abbreviation as the language writes it: ĐBSH, TDMNPB; RRD in English."""
    names = {r["id"]: pick(r["name"], lang) for r in common()["regions"]}
    words = [w for w in names.get(region_id, region_id).split() if w not in ("và", "and")]
    return "".join(w[0].upper() for w in words) if region_id in names else region_id


def regions_legend(lang: str | None = None) -> str:
    return t(
        "terminal_regions",
        lang,
        regions="; ".join(
            f"{region_short(r['id'], lang)} = {pick(r['name'], lang)}" for r in common()["regions"]
        ),
    )


def sets_text(lang: str | None = None, total: int = WIDTH) -> str:
    """`ntm sets`: every criteria set with its level, decision, parent and how much of it is
    verified; its full title on the line under it."""
    rows, titles = [], []
    for set_id in list_sets():
        cset = load_set(set_id)
        rows.append(
            [
                set_id,
                t(f"level_{cset.level}", lang),
                cset.legal_basis.number,
                cset.lineage[1] if len(cset.lineage) > 1 else "",
                str(len(cset.criteria)),
                str(len(cset.indicators)),
                str(len(unverified(cset))),
            ]
        )
        titles.append(pick(cset.title, lang))
    headers = [
        t(f"terminal_sets_{k}", lang)
        for k in ("id", "level", "decision", "parent", "criteria", "indicators", "weak")
    ]
    note = textwrap.fill(t("terminal_sets_note", lang), total)
    return grid(headers, rows, total, titles) + "\n" + note


def case_text(ind, case, lang: str | None = None) -> str:
    """One threshold case in words: 'ĐBSH ≥ 80% (từ 2024; hướng dẫn của bộ)'."""
    where = region_short(case.region, lang) if case.region else t("terminal_all_regions", lang)
    if case.group:
        where += " " + t("terminal_group", lang, group=case.group)
    notes = [t("terminal_from_year", lang, year=case.from_year)] if case.from_year else []
    if case.not_applicable is not None:
        what = t("status_not_applicable", lang).lower()
        notes.append(case.not_applicable.document)
    elif case.value is None:
        what = t("terminal_unknown", lang)
    else:
        what = requirement_text(ind.rule.op, case.value, ind.unit, lang)
        notes.append(t(f"evidence_{ind.case_evidence(case)['kind']}", lang))
    return f"{where} {what}" + (f" ({'; '.join(notes)})" if notes else "")


def criteria_text(
    cset: CriteriaSet, only_unverified: bool = False, lang: str | None = None, total: int = WIDTH
) -> str:
    """`ntm criteria SET`: each indicator by name, its unit and requirement in words, the
    weakest evidence behind its thresholds, and under it its thresholds by region, commune
    group and year."""
    rows, after = [], []
    for ind in unverified(cset) if only_unverified else cset.indicators:
        rows.append(
            [
                ind.criterion,
                ind.code,
                pick(ind.name, lang),
                pick(units()[ind.unit]["label"], lang),
                ind.rule_text(lang),
                t(f"evidence_{ind.weakest}", lang),
            ]
        )
        cases = "; ".join(case_text(ind, c, lang) for c in ind.rule.thresholds or [])
        after.append(t("terminal_thresholds", lang, cases=cases) if cases else "")
    headers = [
        t(f"terminal_col_{k}", lang)
        for k in ("criterion", "code", "indicator", "unit", "rule", "evidence")
    ]
    head = f"{cset.id}: {pick(cset.title, lang)} — {cset.legal_text(lang)}"
    return "\n".join(
        [
            textwrap.fill(head, total),
            grid(headers, rows, total, after),
            textwrap.fill(regions_legend(lang), total),
        ]
    )


def notes_text(
    cset: CriteriaSet, inputs: list[dict] | None, lang: str | None = None, total: int = WIDTH
) -> str:
    """The notes a printed verdict carries (illustrative data, provisional thresholds)."""
    return "\n".join(textwrap.fill(line, total) for line in marks.notes(cset, inputs, lang))


def show_text(
    a: Assessment,
    cset: CriteriaSet,
    register: pd.DataFrame,
    commune_id: str,
    year: int,
    inputs: list[dict] | None = None,
    lang: str | None = None,
    total: int = WIDTH,
) -> str:
    """`ntm show`: one commune's verdict, its criteria, and the indicators not met or not
    decided, with the notes every verdict carries."""
    com = a.communes[(a.communes["commune_id"] == commune_id) & (a.communes["year"] == year)]
    row = com.iloc[0]
    name = register.set_index(register["commune_id"]).at[commune_id, "name"]
    head = (
        f"{name} ({commune_id}), {year}: "
        f"{fmt.commune_status(row, cset.status_label, lang)} — {pick(cset.title, lang)}"
    )
    parts = [
        textwrap.fill(head, total),
        notes_text(cset, inputs, lang, total),
        _criteria_grid(a, commune_id, year, lang, total),
    ]
    unmet = _unmet_grid(a, cset, commune_id, year, lang, total)
    return "\n".join(p for p in parts if p) + (f"\n\n{unmet}" if unmet else "")


def _criteria_grid(a: Assessment, commune_id: str, year: int, lang, total: int) -> str:
    crit = a.criteria[(a.criteria["commune_id"] == commune_id) & (a.criteria["year"] == year)]
    rows = [
        [
            str(r.criterion),
            str(r.name_vi if (lang or "vi") == "vi" else r.name_en),
            fmt.status(str(r.status), lang),
            f"{r.indicators_met}/{r.indicators_total}",
        ]
        for r in crit.itertuples()
    ]
    headers = [
        t(k, lang)
        for k in ("col_criterion_no", "col_criterion", "col_status", "show_col_indicators")
    ]
    return grid(headers, rows, total)


def _unmet_grid(
    a: Assessment, cset: CriteriaSet, commune_id: str, year: int, lang, total: int
) -> str:
    ind = a.indicators[
        (a.indicators["commune_id"] == commune_id)
        & (a.indicators["year"] == year)
        & a.indicators["status"].isin(["not_met", "missing", "no_threshold"])
    ]
    if not len(ind):
        return ""
    names = {i.code: pick(i.name, lang) for i in cset.indicators}
    rows = [
        [
            str(r.indicator),
            names[str(r.indicator)],
            value_text(r.value, r.unit, lang) or fmt.status(str(r.status), lang),
            requirement_text(r.rule, r.threshold, r.unit, lang, str(r.status)),
            gap_text(r.gap, r.unit, lang),
        ]
        for r in ind.itertuples()
    ]
    headers = [
        t(k, lang) for k in ("col_code", "col_indicator", "col_value", "col_requirement", "col_gap")
    ]
    return t("show_unmet", lang, count=len(ind)) + "\n" + grid(headers, rows, total)


def assess_text(
    a: Assessment,
    cset: CriteriaSet,
    inputs: list[dict] | None = None,
    lang: str | None = None,
    total: int = WIDTH,
) -> str:
    """`ntm assess`'s summary: how many commune-years meet the set, the criteria blocking the
    most communes in the latest year, and the notes every verdict carries."""
    communes = a.communes
    lines = [
        t(
            "cli_summary",
            lang,
            met=int((communes["status"] == "met").sum()),
            total=len(communes),
            set_id=cset.id,
        )
    ]
    if len(communes):
        latest = int(communes["year"].max())
        crit = a.criteria[a.criteria["year"] == latest]
        blocking = (
            crit[crit["status"].isin(["not_met", "incomplete"])]
            .groupby("criterion", observed=True)
            .size()
            .sort_values(ascending=False, kind="stable")
        )
        if len(blocking):
            names = {c.number: pick(c.name, lang) for c in cset.criteria}
            top = ", ".join(f"{c} {names[str(c)]} ({n})" for c, n in blocking.head(3).items())
            lines.append(t("cli_blocking", lang, year=latest, criteria=top))
    out = "\n".join(textwrap.fill(line, total) for line in lines)
    notes = notes_text(cset, inputs, lang, total)
    return out + (f"\n{notes}" if notes else "")


def plan_text(
    roadmap: pd.DataFrame,
    summary: pd.DataFrame,
    budget: pd.DataFrame,
    cset: CriteriaSet,
    register: pd.DataFrame,
    lang: str | None = None,
    total: int = WIDTH,
) -> str:
    """`ntm plan`'s outlook, a line per commune named by name and code, criteria by number
    and name; a criterion no year can fund names the funding sources it needs more of than a
    whole year's budget holds."""
    from ..assess.roadmap import outlook_text

    names = register.set_index(register["commune_id"])["name"]
    lines = []
    for row in summary.to_dict(orient="records"):
        cid = str(row["commune_id"])
        text = outlook_text(row, lang)
        if row["status_now"] != "met" and pd.isna(row["earliest_status_year"]):
            text = _blocked_text(
                row,
                roadmap[roadmap["commune_id"] == cid],
                budget[budget["commune_id"] == cid],
                cset,
                lang,
            )
        commune = f"{names.get(cid, cid)} ({cid})"
        lines.append(
            textwrap.fill(t("cli_plan_outlook", lang, commune=commune, outlook=text), total)
        )
    return "\n".join(lines)


def _blocked_text(row, roadmap, budget, cset, lang) -> str:
    named = {c.number: pick(c.name, lang) for c in cset.criteria}
    reasons = []
    for col, key in (
        ("no_plan", "outlook_no_plan"),
        ("unfunded", "outlook_unfunded"),
        ("partly_covered", "outlook_partly"),
        ("missing_data", "outlook_missing_data"),
    ):
        codes = str(row[col] or "").split()
        if not codes:
            continue
        parts = []
        for code in codes:
            part = f"{code} {named.get(code, '')}".strip()
            short = _short_sources(roadmap[roadmap["criterion"].astype(str) == code], budget, lang)
            parts.append(
                part
                + (
                    f" ({t('plan_short_of', lang, sources=short)})"
                    if short and col == "unfunded"
                    else ""
                )
            )
        reasons.append(t(key, lang, criteria=", ".join(parts)))
    return t("outlook_blocked", lang, reasons="; ".join(reasons))


def _short_sources(bundle: pd.DataFrame, budget: pd.DataFrame, lang) -> str:
    """The sources a bundle needs more of than any one year's budget of that source holds."""
    from ..intake.plans import SOURCES

    if bundle.empty or budget.empty:
        return ""
    most = budget.groupby("source")["budget"].max()
    short = [s for s in SOURCES if s in bundle and bundle[s].sum() > most.get(s, 0.0)]
    return ", ".join(t(f"source_{s}", lang).lower() for s in short)


def frame_text(frame: pd.DataFrame, total: int = WIDTH) -> str:
    """Any table of words (its columns already named for people) as `grid` text."""
    rows = frame.astype(object).where(frame.notna(), "").astype(str).to_numpy().tolist()
    return grid([str(c) for c in frame.columns], rows, total)
