"""The result tables of an assessment: CSV for machines, one workbook for people.

The CSV files keep their stable code columns (`met`, `not_met`...). The workbook is the one
officers pass on, in the run's language: a first summary sheet (one row per commune, its
latest year: status, criteria met, the unmet criteria by name), then communes, criteria and
indicators with names beside codes, statuses as words, headers frozen with filters, widths to fit,
colours by status, and every text cell stored as text.

A sheet holds at most XLSX_SHEET_MAX_ROWS (20,000) rows: a larger table (the per-indicator
table of a province over several years, say) is left out of the workbook, and its notes sheet
says so and points to the CSV file, which always holds every row. A sheet that long is filtered,
not read, and a CSV file does that better; the limit keeps the workbook quick to write (about
ten microseconds a cell) and to open, far from Excel's 1,048,576 rows. A table left out is not
even built.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess.scoring import Assessment
from ..criteria.catalogue import CriteriaSet, units
from ..criteria.schema import EVIDENCE_LEVELS
from ..i18n import catalogue as i18n_catalogue
from ..i18n import current_lang, pick, t
from ..tables import write_csv, write_xlsx

XLSX_SHEET_MAX_ROWS = 20_000

# The columns people read, in order, by table: (column, header message key).
PEOPLE_COLUMNS = {
    "summary": [
        "commune_id",
        "commune_name",
        "district",
        "year",
        "status_text",
        "criteria_met",
        "criteria_total",
        "unmet",
    ],
    "communes": [
        "commune_id",
        "commune_name",
        "district",
        "year",
        "status_text",
        "criteria_met",
        "criteria_total",
        "at_risk",
        "fragile",
    ],
    "criteria": [
        "commune_id",
        "commune_name",
        "year",
        "criterion",
        "criterion_name",
        "status_text",
        "indicators_met",
        "indicators_total",
    ],
    "indicators": [
        "commune_id",
        "commune_name",
        "year",
        "criterion",
        "indicator",
        "indicator_name",
        "value",
        "unit_text",
        "requirement",
        "status_text",
        "gap",
        "fragile",
        "at_risk",
        "evidence_text",
        "source",
        "proof_document",
        "proof_date",
        "input_ref",
    ],
}
STATUS_COLUMN = "status_text"


def _status_words(series: pd.Series, lang: str) -> pd.Series:
    codes = series.astype(str)
    words = {c: fmt.status(c, lang) for c in codes.unique()}
    return codes.map(words)


def _commune_words(com: pd.DataFrame, cset: CriteriaSet, lang: str) -> pd.Series:
    """'Đạt chuẩn …' or 'Chưa đạt: 17/19 tiêu chí', worded once per distinct outcome."""
    key = ["status", "criteria_met", "criteria_total"]
    distinct = com[key].drop_duplicates()
    distinct["status_text"] = [
        fmt.commune_status(r, cset.status_label, lang) for r in distinct.to_dict(orient="records")
    ]
    return com[key].merge(distinct, on=key, how="left")["status_text"].to_numpy()


def _summary(com: pd.DataFrame, crit: pd.DataFrame) -> pd.DataFrame:
    """One row per commune: its latest year, and the criteria it does not yet meet."""
    latest = com.drop_duplicates("commune_id", keep="last")  # rows are by commune, then year
    crit = crit.merge(latest[["commune_id", "year"]], on=["commune_id", "year"])
    unmet = (
        crit[crit["status"].isin(["not_met", "incomplete"])]
        .groupby("commune_id", observed=True)["criterion_name"]
        .agg("; ".join)
    )
    return latest.assign(unmet=latest["commune_id"].map(unmet).fillna("").to_numpy())


def people_tables(
    a: Assessment,
    cset: CriteriaSet,
    register: pd.DataFrame,
    lang: str,
    only: set[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as tables with names, words and the run's language (only the
    sheets named in `only`, when given: a sheet left out is not built)."""
    from ..criteria.text import requirement_text

    want = set(PEOPLE_COLUMNS) if only is None else set(only)
    reg = register.astype({"commune_id": str}).set_index("commune_id")
    names = reg["name"].astype(str)
    tables = {}
    com = a.communes.assign(commune_id=a.communes["commune_id"].astype(str))
    com["commune_name"] = com["commune_id"].map(names)
    com["district"] = com["commune_id"].map(reg["district"])
    com["status_text"] = _commune_words(com, cset, lang)
    if want & {"summary", "criteria"}:
        crit = a.criteria.assign(commune_id=a.criteria["commune_id"].astype(str))
        crit["commune_name"] = crit["commune_id"].map(names)
        crit["criterion_name"] = crit["name_vi" if lang == "vi" else "name_en"].astype(str)
        crit["status_text"] = _status_words(crit["status"], lang)
        tables["criteria"] = crit
        if "summary" in want:
            tables["summary"] = _summary(com, crit)
    tables["communes"] = com
    if "indicators" in want:
        tables["indicators"] = _indicator_table(a, cset, names, lang, requirement_text)
    return {name: tables[name][PEOPLE_COLUMNS[name]] for name in PEOPLE_COLUMNS if name in want}


def _indicator_table(
    a: Assessment, cset: CriteriaSet, names: pd.Series, lang: str, requirement_text
) -> pd.DataFrame:
    ind = a.indicators.assign(commune_id=a.indicators["commune_id"].astype(str))
    codes = ind["indicator"].astype(str)
    ind_names = {i.code: pick(i.name, lang) for i in cset.indicators}
    ind["commune_name"] = ind["commune_id"].map(names)
    ind["indicator_name"] = codes.map(ind_names)
    labels = {u: pick(spec["label"], lang) for u, spec in units().items()}
    ind["unit_text"] = ind["unit"].astype(str).map(labels)
    keys = pd.DataFrame(
        {
            "rule": ind["rule"].astype(str),
            "threshold": ind["threshold"].fillna(-1e300),
            "unit": ind["unit"].astype(str),
            "status": ind["status"].astype(str),
        }
    )
    distinct = keys.drop_duplicates()
    distinct["requirement"] = [
        requirement_text(r, None if th == -1e300 else th, u, lang, st)
        for r, th, u, st in distinct[["rule", "threshold", "unit", "status"]].itertuples(
            index=False
        )
    ]
    ind["requirement"] = keys.merge(
        distinct, on=["rule", "threshold", "unit", "status"], how="left"
    )["requirement"].to_numpy()
    ind["status_text"] = _status_words(ind["status"], lang)
    ev_words = {k: t(f"evidence_{k}", lang) for k in EVIDENCE_LEVELS} | {"": ""}
    ind["evidence_text"] = ind["evidence"].astype(str).map(ev_words)
    return ind


def sheet_rows(a: Assessment) -> dict[str, int]:
    """How many rows each sheet of the workbook would hold."""
    return {
        "summary": int(a.communes["commune_id"].nunique()),
        "communes": len(a.communes),
        "criteria": len(a.criteria),
        "indicators": len(a.indicators),
    }


def workbook_sheets(
    tables: dict[str, pd.DataFrame],
    rows: dict[str, int],
    lang: str | None = None,
    max_rows: int = XLSX_SHEET_MAX_ROWS,
) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook, with their names and headers in `lang`: each table that
    fits, and a notes sheet first for those that were left out (`rows`: every table's size)."""
    lang = lang or current_lang()
    kept = {}
    left = []
    for name, size in rows.items():
        sheet = t(f"xlsx_sheet_{name}", lang)
        if size > max_rows or name not in tables:
            csv = "communes.csv" if name == "summary" else f"{name}.csv"
            left.append(
                {
                    t("xlsx_col_sheet", lang): sheet,
                    t("xlsx_col_rows", lang): size,
                    t("xlsx_col_note", lang): t(
                        "xlsx_sheet_left_out", lang, rows=size, limit=max_rows, csv=csv
                    ),
                }
            )
            continue
        kept[sheet] = tables[name].rename(columns=lambda c: t(f"xlsx_col_{c}", lang))
    notes = {t("xlsx_sheet_notes", lang): pd.DataFrame(left)} if left else {}
    return notes | kept


# The plan's outlook table keeps its file name, summary.csv.
CSV_NAMES = {"plan_summary": "summary"}
STATUS_COLUMNS = {"status", "status_now", "status_before", "verdict"}
VALUE_WORDS = {"budget": {"source": "xlsx_col_{}"}}  # cells that are codes of headers


def localized_sheets(
    tables: dict[str, pd.DataFrame],
    lang: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Tables as people read them, in `lang`: sheet names and headers in words (a header
    known for that sheet first, then for every sheet; a code without words stays as it is),
    statuses and yes/no as words, criterion names in the language only. The CSV files keep
    the codes."""
    lang = lang or current_lang()
    catalogue = i18n_catalogue()

    def word(key: str, default: str) -> str:
        return catalogue[key][lang] if key in catalogue else default

    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        other = "name_en" if lang == "vi" else "name_vi"
        if other in frame and ("name_vi" if lang == "vi" else "name_en") in frame:
            frame = frame.drop(columns=other).rename(columns={f"name_{lang}": "criterion_name"})
        for col in frame.columns:
            values = frame[col]
            if col in STATUS_COLUMNS or (name == "communes_x_criteria" and col != "commune"):
                codes = values.astype(str)
                frame[col] = codes.map(
                    {
                        c: fmt.status(c, lang) if f"status_{c}" in catalogue else c
                        for c in codes.unique()
                    }
                )
            elif pd.api.types.is_bool_dtype(values.dtype):
                frame[col] = values.map(
                    {True: word("xlsx_yes", "yes"), False: word("xlsx_no", "no")}
                )
            elif col in VALUE_WORDS.get(name, {}):
                codes = values.astype(str)
                frame[col] = codes.map(
                    {c: word(VALUE_WORDS[name][col].format(c), c) for c in codes.unique()}
                )
        frame.columns = [
            word(f"xlsx_col_{name}_{c}", word(f"xlsx_col_{c}", str(c))) for c in frame.columns
        ]
        out[word(f"xlsx_sheet_{name}", name)] = frame
    return out


def write_assessment(
    assessment: Assessment,
    folder: Path,
    cset: CriteriaSet,
    register: pd.DataFrame,
    lang: str | None = None,
    max_rows: int = XLSX_SHEET_MAX_ROWS,
) -> list[Path]:
    """indicators.csv, criteria.csv, communes.csv and assessment.xlsx in `folder`."""
    lang = lang or current_lang()
    tables = {
        "indicators": assessment.indicators,
        "criteria": assessment.criteria,
        "communes": assessment.communes,
    }
    written = []
    for name, frame in tables.items():
        write_csv(frame, folder / f"{name}.csv")
        written.append(folder / f"{name}.csv")
    rows = sheet_rows(assessment)
    people = people_tables(
        assessment,
        cset,
        register,
        lang,
        only={name for name, size in rows.items() if size <= max_rows},
    )
    status = t(f"xlsx_col_{STATUS_COLUMN}", lang)
    colours = {fmt.status("met", lang): "met", cset.status_label[lang]: "met"}
    colours |= {
        fmt.status(s, lang): s
        for s in ("not_met", "incomplete", "missing", "no_threshold", "no_data")
    }
    write_xlsx(
        workbook_sheets(people, rows, lang, max_rows),
        folder / "assessment.xlsx",
        status_column=status,
        status_colours=colours,
    )
    written.append(folder / "assessment.xlsx")
    return written
