"""The result tables of an assessment: CSV for machines, one workbook for people.

The CSV files keep their stable code columns (`met`, `not_met`...). The workbook is the one
officers pass on, in the run's language: a first summary sheet (one row per commune and year:
status, criteria met, the unmet criteria by name), then communes, criteria and indicators
with names beside codes, statuses as words, headers frozen with filters, widths to fit,
colours by status, and every text cell stored as text.

A sheet holds at most XLSX_SHEET_MAX_ROWS rows: a larger table (the per-indicator table of a
province, say) is left out of the workbook, and its notes sheet says so and points to the CSV
file, which always holds every row. This keeps the workbook quick to write and to open, and
never runs into Excel's limit of 1,048,576 rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess.scoring import Assessment
from ..criteria.catalogue import CriteriaSet, units
from ..criteria.schema import EVIDENCE_LEVELS
from ..i18n import current_lang, pick, t
from ..tables import write_csv, write_xlsx

XLSX_SHEET_MAX_ROWS = 100_000

# The columns people read, in order, by table: (column, header message key).
PEOPLE_COLUMNS = {
    "communes": ["commune_id", "commune_name", "district", "year", "status_text",
                 "criteria_met", "criteria_total", "at_risk", "fragile"],
    "criteria": ["commune_id", "commune_name", "year", "criterion", "criterion_name",
                 "status_text", "indicators_met", "indicators_total"],
    "indicators": ["commune_id", "commune_name", "year", "criterion", "indicator",
                   "indicator_name", "value", "unit_text", "requirement", "status_text", "gap",
                   "fragile", "at_risk", "evidence_text", "source", "proof_document",
                   "proof_date", "input_ref"],
}
STATUS_COLUMN = "status_text"


def _status_words(series: pd.Series, lang: str) -> pd.Series:
    codes = series.astype(str)
    words = {c: fmt.status(c, lang) for c in codes.unique()}
    return codes.map(words)


def people_tables(a: Assessment, cset: CriteriaSet, register: pd.DataFrame,
                  lang: str) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as tables with names, words and the run's language."""
    from ..criteria.text import requirement_text

    reg = register.astype({"commune_id": str}).set_index("commune_id")
    names = reg["name"].astype(str)
    com = a.communes.assign(commune_id=a.communes["commune_id"].astype(str))
    com["commune_name"] = com["commune_id"].map(names)
    com["district"] = com["commune_id"].map(reg["district"])
    com["status_text"] = [fmt.commune_status(r, cset.status_label, lang)
                          for r in com.to_dict(orient="records")]
    crit = a.criteria.assign(commune_id=a.criteria["commune_id"].astype(str))
    crit["commune_name"] = crit["commune_id"].map(names)
    crit["criterion_name"] = crit["name_vi" if lang == "vi" else "name_en"].astype(str)
    crit["status_text"] = _status_words(crit["status"], lang)
    unmet = crit[crit["status"].isin(["not_met", "incomplete"])].groupby(
        ["commune_id", "year"], observed=True)["criterion_name"].agg("; ".join)
    summary = com.assign(unmet=[unmet.get((c, y), "") for c, y in
                                zip(com["commune_id"], com["year"])])
    summary = summary[["commune_id", "commune_name", "district", "year", "status_text",
                       "criteria_met", "criteria_total", "unmet"]]

    ind = a.indicators.assign(commune_id=a.indicators["commune_id"].astype(str))
    codes = ind["indicator"].astype(str)
    ind_names = {i.code: pick(i.name, lang) for i in cset.indicators}
    ind["commune_name"] = ind["commune_id"].map(names)
    ind["indicator_name"] = codes.map(ind_names)
    labels = {u: pick(spec["label"], lang) for u, spec in units().items()}
    ind["unit_text"] = ind["unit"].astype(str).map(labels)
    keys = pd.DataFrame({"rule": ind["rule"].astype(str), "threshold": ind["threshold"].fillna(-1e300),
                         "unit": ind["unit"].astype(str), "status": ind["status"].astype(str)})
    distinct = keys.drop_duplicates()
    distinct["requirement"] = [
        requirement_text(r, None if th == -1e300 else th, u, lang, st)
        for r, th, u, st in distinct[["rule", "threshold", "unit", "status"]].itertuples(index=False)]
    ind["requirement"] = keys.merge(distinct, on=["rule", "threshold", "unit", "status"],
                                    how="left")["requirement"].to_numpy()
    ind["status_text"] = _status_words(ind["status"], lang)
    ev_words = {k: t(f"evidence_{k}", lang) for k in EVIDENCE_LEVELS} | {"": ""}
    ind["evidence_text"] = ind["evidence"].astype(str).map(ev_words)
    tables = {"summary": summary, "communes": com, "criteria": crit, "indicators": ind}
    return {name: (frame[PEOPLE_COLUMNS[name]] if name in PEOPLE_COLUMNS else frame)
            for name, frame in tables.items()}


def workbook_sheets(tables: dict[str, pd.DataFrame], lang: str | None = None,
                    max_rows: int = XLSX_SHEET_MAX_ROWS) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook, with their names and headers in `lang`: each table that
    fits, and a notes sheet first for those that were left out."""
    lang = lang or current_lang()
    kept = {}
    left = []
    for name, frame in tables.items():
        sheet = t(f"xlsx_sheet_{name}", lang)
        if len(frame) > max_rows:
            left.append({t("xlsx_col_sheet", lang): sheet, t("xlsx_col_rows", lang): len(frame),
                         t("xlsx_col_note", lang): t("xlsx_sheet_left_out", lang, rows=len(frame),
                                                     limit=max_rows, csv=f"{name}.csv")})
            continue
        kept[sheet] = frame.rename(columns=lambda c: t(f"xlsx_col_{c}", lang))
    notes = {t("xlsx_sheet_notes", lang): pd.DataFrame(left)} if left else {}
    return notes | kept


def write_assessment(assessment: Assessment, folder: Path, cset: CriteriaSet | None = None,
                     register: pd.DataFrame | None = None, lang: str | None = None) -> list[Path]:
    """indicators.csv, criteria.csv, communes.csv and assessment.xlsx in `folder`."""
    lang = lang or current_lang()
    tables = {"indicators": assessment.indicators, "criteria": assessment.criteria,
              "communes": assessment.communes}
    written = []
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
        written.append(folder / f"{name}.csv")
    people = (people_tables(assessment, cset, register, lang)
              if cset is not None and register is not None else tables)
    status = t(f"xlsx_col_{STATUS_COLUMN}", lang)
    colours = {fmt.status("met", lang): "met", cset.status_label[lang]: "met"} if cset else {}
    colours |= {fmt.status(s, lang): s for s in ("not_met", "incomplete", "missing",
                                                  "no_threshold", "no_data")}
    write_xlsx(workbook_sheets(people, lang), folder / "assessment.xlsx",
               status_column=status, status_colours=colours)
    written.append(folder / "assessment.xlsx")
    return written
