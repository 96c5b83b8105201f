"""The result tables of an assessment: CSV for machines, one workbook for people.

The CSV files keep their stable code columns (`met`, `not_met`...). The workbook is the one
officers pass on, in the run's language: a first summary sheet (one row per commune, its
latest year: status, criteria met, the unmet criteria by name), then communes, criteria and
indicators with names beside codes, statuses as words, headers frozen with filters, widths to fit,
colours by status, and every text cell stored as text.

A sheet holds at most XLSX_SHEET_MAX_ROWS (20,000) rows: a larger table (the per-indicator
table of a province over several years, say) is left out of the workbook, and its notes sheet
says so and points to the CSV file, which always holds every row. A sheet that long is filtered,
not read, and a CSV file does that better; the limit keeps the workbook quick to write and to
open, far from Excel's 1,048,576 rows. A table left out is not even built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess.scoring import Assessment
from ..atomic import read_verified
from ..criteria.catalogue import CriteriaSet, units
from ..criteria.schema import EVIDENCE_LEVELS, OP_SYMBOL
from ..i18n import catalogue as i18n_catalogue
from ..i18n import current_lang, pick, t
from ..tables import write_csv, write_csv_reusing, write_xlsx
from . import marks

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
    # object first: with no criterion unmet anywhere the mapped column is float (all NaN)
    unmet_names = latest["commune_id"].map(unmet).astype(object)
    return latest.assign(unmet=unmet_names.where(unmet_names.notna(), "").to_numpy())


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
    reg = register.set_index("commune_id")
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
    return _in_words(ind, lang)


def _in_words(ind: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A yes/no indicator's value as «Đạt» / «Chưa đạt» (numbers stay numbers), the flags as
    «Có» / «Không», and dates as the language writes them."""
    yes_no = ind["unit"].astype(str).map(lambda u: units()[u]["kind"] == "yes_no")
    words = ind["value"].map({1.0: fmt.status("met", lang), 0.0: fmt.status("not_met", lang)})
    value = ind["value"].astype(object).where(~yes_no.to_numpy(), words)
    flags = {True: t("xlsx_yes", lang), False: t("xlsx_no", lang)}
    return ind.assign(
        value=value.where(value.notna(), None),
        fragile=ind["fragile"].map(flags),
        at_risk=ind["at_risk"].map(flags),
        proof_date=ind["proof_date"].astype(str).map(lambda d: fmt.date(d, lang)),
    )


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
    notes: list[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The sheets of the workbook, with their names and headers in `lang`: each table that
    fits, and a notes sheet first holding `notes` (illustrative data, provisional thresholds:
    marks.notes) and the tables that were left out (`rows`: every table's size)."""
    lang = lang or current_lang()
    kept = {}
    left = [{t("xlsx_col_note", lang): line} for line in notes or []]
    for name, size in rows.items():
        sheet = t(f"xlsx_sheet_{name}", lang)
        if size > max_rows or name not in tables:
            csv = "communes.csv" if name == "summary" else f"{name}.csv"
            left.append(
                {
                    t("xlsx_col_note", lang): t(
                        "xlsx_sheet_left_out", lang, rows=size, limit=max_rows, csv=csv
                    ),
                    t("xlsx_col_sheet", lang): sheet,
                    t("xlsx_col_rows", lang): size,
                }
            )
            continue
        kept[sheet] = tables[name].rename(columns=lambda c: t(f"xlsx_col_{c}", lang))
    front = {t("xlsx_sheet_notes", lang): pd.DataFrame(left)} if left else {}
    return front | kept


# The plan's outlook table keeps its file name, summary.csv.
CSV_NAMES = {"plan_summary": "summary"}
STATUS_COLUMNS = {"status", "status_now", "status_before", "verdict"}
# Cells that are codes with words of their own: (sheet, column) -> message key of each code.
VALUE_WORDS = {"budget": {"source": "xlsx_col_{}"}, "roadmap": {"kind": "task_kind_{}"}}
DATE_COLUMNS = {"proof_date"}  # ISO dates, written as the language writes them


# A header that reads differently on one sheet: (sheet, column) -> message key. Every other
# header is `xlsx_col_<column>`, the same on every sheet.
SHEET_HEADERS = {("budget", "source"): "xlsx_col_budget_source"}


def localized_sheets(
    tables: dict[str, pd.DataFrame],
    lang: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Tables as people read them, in `lang`: sheet names and headers in words (a code
    without words stays as it is), statuses and yes/no as words, names in the language only
    (an indicator's where the table is by indicator, else a criterion's). The CSV files keep
    the codes."""
    lang = lang or current_lang()
    catalogue = i18n_catalogue()

    def word(key: str, default: str) -> str:
        return catalogue[key][lang] if key in catalogue else default

    out = {}
    for name, frame in tables.items():
        frame = _one_language(frame.copy(), lang)
        for col in frame.columns:
            frame[col] = _cells_in_words(name, col, frame[col], lang, word)
        frame.columns = [
            word(SHEET_HEADERS.get((name, c), f"xlsx_col_{c}"), str(c)) for c in frame.columns
        ]
        out[word(f"xlsx_sheet_{name}", name)] = frame
    return out


def _one_language(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    other = "name_en" if lang == "vi" else "name_vi"
    if other in frame and ("name_vi" if lang == "vi" else "name_en") in frame:
        names = "indicator_name" if "indicator" in frame else "criterion_name"
        frame = frame.drop(columns=other).rename(columns={f"name_{lang}": names})
    return frame


def _cells_in_words(name: str, col, values: pd.Series, lang: str, word) -> pd.Series:
    """A column's cells as words: statuses, yes/no, and codes that name a header."""
    catalogue = i18n_catalogue()
    if col in STATUS_COLUMNS or (name == "communes_x_criteria" and col != "commune"):
        codes = values.astype(str)
        return codes.map(
            {c: fmt.status(c, lang) if f"status_{c}" in catalogue else c for c in codes.unique()}
        )
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: word("xlsx_yes", "yes"), False: word("xlsx_no", "no")})
    if col in DATE_COLUMNS:
        return values.map(lambda d: fmt.date(d, lang))
    if col in VALUE_WORDS.get(name, {}):
        codes = values.astype(str)
        return codes.map({c: word(VALUE_WORDS[name][col].format(c), c) for c in codes.unique()})
    if col == "field":  # a plan's field of work, by its name in the plan's outline
        from ..intake.plans import work_fields

        fields = work_fields()["fields"]
        return values.map(lambda k: fields[k][lang] if k in fields else k)
    return values


def rule_signs(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its `rule` column as signs (≥, >, ≤, <, =), as a person writes a rule: the
    code '==' would read as a broken formula in LibreOffice (Err:520)."""
    if "rule" not in frame.columns:
        return frame
    return frame.assign(rule=frame["rule"].map(lambda r: OP_SYMBOL.get(r, r)))


@dataclass(frozen=True)
class Earlier:
    """The result tables of an earlier run by the same code, set and options: its results
    folder (read as untrusted: a table is used only when it is a regular file whose hash is
    the one its manifest lists) and the communes whose rows are unchanged since."""

    folder: Path
    hashes: dict[str, str]  # file name -> SHA-256
    same: frozenset[str]

    def table(self, name: str) -> bytes | None:
        return read_verified(self.folder / name, self.hashes.get(name))


def write_assessment(
    assessment: Assessment,
    folder: Path,
    cset: CriteriaSet,
    register: pd.DataFrame,
    lang: str | None = None,
    max_rows: int = XLSX_SHEET_MAX_ROWS,
    inputs: list[dict] | None = None,
    earlier: Earlier | None = None,
) -> list[Path]:
    """indicators.csv, criteria.csv, communes.csv and assessment.xlsx in `folder`. `inputs`
    (the run's input files, provenance entries) say whether the data are the bundled
    illustrative sample: every table then says so (marks.csv_columns), and the workbook's
    first sheet too, beside the note on provisional thresholds. `earlier`: the unchanged
    communes' rows of each CSV table are taken from there (tables.write_csv_reusing), the same
    bytes as formatted again."""
    lang = lang or current_lang()
    tables = {
        "indicators": assessment.indicators,
        "criteria": assessment.criteria,
        "communes": assessment.communes,
    }
    extra = marks.csv_columns(assessment, inputs)
    written = []
    for name, frame in tables.items():
        table, path = rule_signs(frame).assign(**extra[name]), folder / f"{name}.csv"
        old = earlier.table(path.name) if earlier and earlier.same else None
        if old is None or not write_csv_reusing(table, path, old, earlier.same):
            write_csv(table, path)
        written.append(path)
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
        workbook_sheets(people, rows, lang, max_rows, marks.notes(cset, inputs, lang)),
        folder / "assessment.xlsx",
        status_column=status,
        status_colours=colours,
        title=_title(cset, inputs, lang),
        lang=lang,
    )
    written.append(folder / "assessment.xlsx")
    return written


def _title(cset: CriteriaSet, inputs: list[dict] | None, lang: str) -> str:
    """What every printed page of a result workbook says at its top."""
    title = f"{t('xlsx_title_assessment', lang)} — {pick(cset.title, lang)}"
    if marks.inputs_illustrative(inputs or []):
        title += f" — {t('illustrative_short', lang)}"
    return title


def write_plan_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    cset: CriteriaSet,
    inputs: list[dict] | None = None,
    lang: str | None = None,
) -> None:
    """roadmap.xlsx: the plan's tables in words, after a first sheet with the notes every
    verdict carries (illustrative data, provisional thresholds)."""
    write_noted_workbook(tables, path, cset, inputs, "xlsx_sheet_roadmap", lang)


def write_noted_workbook(
    tables: dict[str, pd.DataFrame],
    path: Path,
    cset: CriteriaSet,
    inputs: list[dict] | None,
    title_key: str,
    lang: str | None = None,
) -> None:
    """Tables in words (`localized_sheets`) after a first sheet with the notes every verdict
    carries, printed with `title_key`'s words and the set's title atop each page."""
    lang = lang or current_lang()
    sheets = marks.notes_sheet(marks.notes(cset, inputs, lang), lang) | localized_sheets(
        tables, lang
    )
    title = f"{t(title_key, lang)} — {pick(cset.title, lang)}"
    if marks.inputs_illustrative(inputs or []):
        title += f" — {t('illustrative_short', lang)}"
    write_xlsx(sheets, path, title=title, lang=lang)
