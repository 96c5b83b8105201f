"""The district summary's sections, called by notebooks/district_summary.ipynb."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess import district
from ..assess.loaded import load_run
from ..assess.scoring import Assessment
from ..atomic import atomic_file
from ..criteria.catalogue import CriteriaSet
from ..i18n import pick, t
from ..illustrative import inputs_illustrative
from ..provenance import run_time
from ..tables import write_xlsx
from . import charts, marks
from .commune_report import figure_html
from .html import (
    badge,
    esc,
    evidence_note,
    illustrative_note,
    print_header,
    section,
    set_summary,
    table,
)
from .html import provenance_html as render_provenance
from .slices import read_slice
from .workbooks import localized_sheets


@dataclass
class Summary:
    cset: CriteriaSet
    register: pd.DataFrame
    assessment: Assessment
    communes: list[str]
    year: int
    lang: str
    area: str
    provenance: dict


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def prepare(
    data,
    communes_path: str,
    set_id: str,
    year: int | None = None,
    district_name: str | None = None,
    province: str | None = None,
    lang: str = "vi",
    cache: str | None = None,
) -> Summary:
    """The summary notebook's context, from its parameters: the loaded run `ntm summary`
    wrote (`cache`), or the data files themselves when someone runs the notebook by hand."""
    if cache:
        run = read_slice(cache)["run"]
    else:
        run = load_run([data] if isinstance(data, str) else data, communes_path, set_id)
    year = run.checked_year(int(year) if year else None)
    communes = district.communes_in(run.register, district_name, province)
    area = district_name or province or ", ".join(sorted(run.register["province"].unique()))
    provenance = run.provenance | {"run_time": run_time()}
    return Summary(run.cset, run.register, run.assessment, communes, year, lang, area, provenance)


def header_html(s: Summary) -> str:
    o = district.overview(s.assessment, s.communes, s.year)
    title = t("summary_title", s.lang, area=s.area, year=s.year)
    label = _lower_first(pick(s.cset.status_label, s.lang))
    met = t("summary_met", s.lang, met=o["met"], total=o["communes"], label=label)
    mean = fmt.number(o["mean_criteria_met"], s.lang, 1)
    mean_text = t("summary_mean", s.lang, mean=mean, total=len(s.cset.criteria))
    inputs = s.provenance.get("inputs", [])
    running = title + (
        " · " + t("illustrative_short", s.lang) if inputs_illustrative(inputs) else ""
    )
    return (
        print_header(running, s.lang) + f'<header class="report-header"><h1>{esc(title)}</h1>'
        f'<p class="overall">{esc(met)}</p>{illustrative_note(inputs, s.lang)}'
        f"<p>{set_summary(s.cset, s.lang)}</p>"
        f"<p>{esc(mean_text)}</p>"
        f"{evidence_note(s.cset, s.lang)}</header>"
    )


def warning_html(s: Summary) -> str:
    """Recognitions to keep: communes that meet the set but may lose an indicator next year,
    and those whose recognition rests on a borderline verdict."""
    o = district.overview(s.assessment, s.communes, s.year)
    rows = district.at_risk(s.assessment, s.register, s.communes, s.year)
    kept = t(
        "summary_at_risk", s.lang, at_risk=o["met_at_risk"], fragile=o["met_fragile"], met=o["met"]
    )
    every = t("summary_at_risk_all", s.lang, communes=o["at_risk"], verdicts=o["fragile_verdicts"])
    head = (
        f"<h2>{esc(t('report_warning', s.lang))}</h2>"
        f'<p class="{"warning" if o["met_at_risk"] or o["met_fragile"] else "note"}">'
        f"{esc(kept)} {esc(every)}</p>"
    )
    if rows.empty:
        return head
    body = [
        [esc(f"{r.name} ({r.commune_id})"), esc(r.at_risk), esc(r.indicators), esc(r.fragile)]
        for r in rows.itertuples()
    ]
    headers = [
        t(k, s.lang)
        for k in ("index_col_commune", "col_at_risk", "col_indicators_at_risk", "col_fragile")
    ]
    return head + table(headers, body, "at-risk", roles=["name", "", "", ""])


def criteria_html(s: Summary) -> str:
    lang = s.lang
    crit = district.criteria_summary(s.assessment, s.cset, s.communes, s.year)
    rows = [
        [
            esc(r.criterion),
            esc(r.name_vi if lang == "vi" else r.name_en),
            esc(r.met),
            esc(r.not_met),
            esc(r.incomplete),
        ]
        for r in crit.itertuples()
    ]
    headers = [
        t(k, lang)
        for k in (
            "col_criterion_no",
            "col_criterion",
            "summary_col_met",
            "summary_col_not_met",
            "summary_col_incomplete",
        )
    ]
    matrix = district.status_matrix(s.assessment, s.cset, s.register, s.communes, s.year)
    return (
        f"<h2>{esc(t('summary_hard_criteria', lang))}</h2>"
        f'<p class="note">{esc(t("summary_hard_note", lang))}</p>'
        + table(headers, rows, "criteria-summary keep", roles=["key", "name", "", "", ""])
        + figure_html(charts.status_heatmap(matrix, lang), t("summary_heatmap", lang))
    )


def gaps_html(s: Summary) -> str:
    lang = s.lang
    gaps = district.indicator_gaps(s.assessment, s.cset, s.communes, s.year)
    title = f"<h2>{esc(t('summary_gaps', lang, area=s.area))}</h2>"
    if gaps.empty:
        return title + f"<p>{esc(t('report_no_gaps', lang))}</p>"
    rows = [
        [
            esc(r.indicator),
            esc(r.name_vi if lang == "vi" else r.name_en),
            esc(r.communes_not_met),
            esc(fmt.number(r.total_relative_gap, lang)),
        ]
        for r in gaps.itertuples()
    ]
    headers = [
        t(k, lang)
        for k in ("col_code", "col_indicator", "summary_col_not_met", "summary_col_total_gap")
    ]
    body = table(headers, rows, "gaps", roles=["key", "name", "", ""])
    return section(t("summary_gaps", lang, area=s.area), body, "gaps-section", fold=True)


def distribution_html(s: Summary) -> str:
    values = district.key_values(s.assessment, s.cset, s.register, s.communes, s.year)
    if values.empty:
        return ""
    names = {i.code: pick(i.name, s.lang) for i in s.cset.indicators}
    return f"<h2>{esc(t('summary_distribution', s.lang))}</h2>" + figure_html(
        charts.key_distribution(values, names, s.lang), t("summary_distribution", s.lang)
    )


def change_html(s: Summary) -> str:
    lang = s.lang
    change = district.change_since(s.assessment, s.register, s.communes, s.year)
    title = f"<h2>{esc(t('summary_change', lang, before=s.year - 1, year=s.year))}</h2>"
    if change["criteria_met_before"].isna().all():
        return title + f"<p>{esc(t('summary_no_previous', lang))}</p>"
    rows = []
    for r in change.itertuples():
        before = "" if pd.isna(r.criteria_met_before) else str(int(r.criteria_met_before))
        delta = "" if pd.isna(r.change) else f"{int(r.change):+d}"
        rows.append(
            [esc(r.commune), esc(before), esc(r.criteria_met), esc(delta), badge(r.status, lang)]
        )
    headers = [
        t("index_col_commune", lang),
        t("summary_col_before", lang, year=s.year - 1),
        t("summary_col_now", lang, year=s.year),
        t("summary_col_change", lang),
        t("col_status", lang),
    ]
    return title + table(headers, rows, "change keep", roles=["name", "", "", "", "verdict"])


def provenance_html(s: Summary) -> str:
    return render_provenance(s.provenance, s.lang)


def export_tables(s: Summary, folder: str | Path) -> Path:
    """The summary's tables as one Excel workbook in `folder`."""
    a, c, y = s.assessment, s.communes, s.year
    sheets = {
        "criteria": district.criteria_summary(a, s.cset, c, y),
        "communes_x_criteria": district.status_matrix(a, s.cset, s.register, c, y).reset_index(
            names="commune"
        ),
        "indicator_gaps": district.indicator_gaps(a, s.cset, c, y),
        "key_indicators": district.key_values(a, s.cset, s.register, c, y),
        "change": district.change_since(a, s.register, c, y),
    }
    target = Path(folder) / "summary.xlsx"
    inputs = s.provenance.get("inputs", [])
    book = marks.notes_sheet(marks.notes(s.cset, inputs, s.lang), s.lang)
    book |= localized_sheets(sheets, s.lang)
    title = t("summary_title", s.lang, area=s.area, year=s.year)
    if inputs_illustrative(inputs):
        title += " — " + t("illustrative_short", s.lang)
    return atomic_file(target, lambda tmp: write_xlsx(book, Path(tmp), title=title, lang=s.lang))
