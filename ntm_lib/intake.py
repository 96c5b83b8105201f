"""Reading what officers type: commune registers and long-form indicator data, CSV or Excel.

Everything is read as text first and parsed column-wise with pandas, so that every problem can
be reported with its file, sheet, row and column, and all problems are reported at once.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .catalogue import CriteriaSet, common
from .errors import InputError, Problem

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
# Beyond this many rows with the same problem in one file, one summary line stands for the rest.
MAX_SAME_PROBLEM = 20


@lru_cache(maxsize=1)
def column_spec() -> dict:
    text = resources.files("ntm_lib").joinpath("locale/columns.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: 'Mã  Xã' -> 'ma xa'. NFC and NFD fold alike."""
    decomposed = unicodedata.normalize("NFD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d").replace("Đ", "D").replace("_", " ")
    return " ".join(bare.casefold().split())


def fold_series(s: pd.Series) -> pd.Series:
    out = s.astype(str).str.normalize("NFD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    out = out.str.replace("đ", "d").str.replace("Đ", "D").str.replace("_", " ")
    return out.str.casefold().str.split().str.join(" ")


@dataclass
class Table:
    """One sheet (or CSV file) as text cells, columns renamed to their canonical names."""

    file: str
    sheet: str | None
    frame: pd.DataFrame
    is_date: pd.DataFrame | None = None  # Excel only: which cells hold dates

    def problem(self, key: str, row: int | None = None, column: str | None = None,
                **params) -> Problem:
        return Problem(self.file, key, row, column, self.sheet, params)


@dataclass
class Inputs:
    register: pd.DataFrame
    data: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Files to tables


def _cell_text(x) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _decode_csv(raw: bytes) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _sniff_sep(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=first.count)


def _raw_tables(path: Path) -> tuple[list[tuple[str | None, pd.DataFrame]], list[Problem]]:
    """The file's sheets as header-less frames of cell objects (CSV: one sheet, all text)."""
    name = str(path)
    if not path.is_file():
        return [], [Problem(name, "file_missing")]
    if path.suffix.lower() in EXCEL_SUFFIXES:
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object,
                                   engine="openpyxl")
        except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
            return [], [Problem(name, "file_not_excel", params={"error": str(exc)[:200]})]
        return list(sheets.items()), []
    try:
        text = _decode_csv(path.read_bytes())
    except UnicodeDecodeError:
        return [], [Problem(name, "file_not_utf8")]
    frame = pd.read_csv(io.StringIO(text), sep=_sniff_sep(text), header=None, dtype=str,
                        keep_default_na=False, skip_blank_lines=True)
    return [(None, frame)], []


def read_tables(path: Path, kind: str) -> tuple[list[Table], list[Problem]]:
    """Sheets of `path` that carry the columns required for `kind` ('register' or 'data')."""
    raw, problems = _raw_tables(path)
    if problems:
        return [], problems
    spec = column_spec()
    aliases = {fold(a): canon for canon, names in spec[kind].items() for a in names}
    required = spec["required"][kind]
    tables, misses = [], []
    for sheet, frame in raw:
        frame = frame.dropna(how="all")
        if frame.empty:
            misses.append((sheet, [], "empty"))
            continue
        header = [_cell_text(h).strip() for h in frame.iloc[0].tolist()]
        mapping = {i: aliases[fold(h)] for i, h in enumerate(header) if fold(h) in aliases}
        missing = [c for c in required if c not in mapping.values()]
        if missing:
            misses.append((sheet, header, missing))
            continue
        body = frame.iloc[1:, list(mapping)]
        body.columns = [mapping[i] for i in mapping]
        body = body.loc[:, ~body.columns.duplicated()]
        # Spreadsheet row numbers, as a person sees them (header is row 1 when it is first).
        rows = pd.Index(np.asarray(body.index) + 1, name="row")
        is_date = None
        if sheet is not None:
            is_date = body.map(lambda x: isinstance(x, (dt.date, dt.datetime, dt.time)))
            is_date.index = rows
            body = body.map(_cell_text)
        body = body.astype(str)
        body.index = rows
        tables.append(Table(str(path), sheet, body, is_date))
    if not tables:
        for sheet, header, missing in misses:
            if missing == "empty":
                problems.append(Problem(str(path), "table_empty", sheet=sheet))
            else:
                problems.append(Problem(str(path), "columns_missing", row=1, sheet=sheet, params={
                    "missing": ", ".join(missing), "found": ", ".join(h for h in header if h)}))
    return tables, problems


# ---------------------------------------------------------------------------------------------
# Values


def parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers as officers type them: '95', '95%', '95,5', '1.234,5', '1,234.5'. NaN if not."""
    s = text.astype(str).str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    s = s.str.removesuffix("%")
    n_comma, n_dot = s.str.count(","), s.str.count(r"\.")
    # With both separators the last one is the decimal mark; a lone comma is a decimal comma.
    dec_comma = ((n_comma == 1) & (n_dot == 0)) | (
        (n_comma > 0) & (n_dot > 0) & (s.str.rfind(",") > s.str.rfind(".")))
    out = s.mask(dec_comma, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    out = out.mask(~dec_comma & (n_comma > 0), s.str.replace(",", "", regex=False))
    out = out.mask((n_dot > 1) & (n_comma == 0), s.str.replace(".", "", regex=False))
    nums = pd.to_numeric(out.where(out.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)")), errors="coerce")
    return nums.astype(float)


def parse_yes_no(text: pd.Series) -> pd.Series:
    """1.0 for yes words, 0.0 for no words (Đạt/Chưa đạt, có/không, yes/no, 1/0), else NaN."""
    spec = column_spec()
    words = {fold(w): 1.0 for w in spec["yes_words"]} | {fold(w): 0.0 for w in spec["no_words"]}
    folded = fold_series(text)
    out = folded.map(words).astype(float)
    nums = parse_numbers(text)
    return out.fillna(nums.where(nums.isin([0.0, 1.0])))


# ---------------------------------------------------------------------------------------------
# Register


def _problems_for(table: Table, mask: pd.Series, key: str, column: str, **params) -> list[Problem]:
    rows = mask[mask].index
    out = [table.problem(key, int(r), column, value=table.frame.at[r, column]
                         if column in table.frame else "", **params)
           for r in rows[:MAX_SAME_PROBLEM]]
    if len(rows) > MAX_SAME_PROBLEM:
        out.append(table.problem("more_rows_same_problem", None, column,
                                 count=len(rows) - MAX_SAME_PROBLEM))
    return out


def region_lookup() -> dict[str, str]:
    out = {}
    for r in common()["regions"]:
        for label in (r["id"], r["name"]["vi"], r["name"]["en"]):
            out[fold(label)] = r["id"]
    return out


def read_register(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    tables, problems = read_tables(Path(path), "register")
    frames = []
    lookup = region_lookup()
    for table in tables:
        f = table.frame
        for col in f.columns:
            f[col] = f[col].str.strip().str.normalize("NFC")
        problems += _problems_for(table, f["commune_id"] == "", "commune_id_empty", "commune_id")
        region = fold_series(f["region"]).map(lookup)
        problems += _problems_for(table, region.isna(), "region_unknown", "region",
                                  known=", ".join(sorted({r["name"]["vi"] for r in common()["regions"]})))
        out = f.assign(region=region, input_ref=_refs(table))
        frames.append(out[out["commune_id"] != ""])
    cols = ["commune_id", "name", "district", "province", "region", "input_ref"]
    register = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    dup = register["commune_id"].duplicated(keep="first")
    for ref, cid in zip(register.loc[dup, "input_ref"], register.loc[dup, "commune_id"]):
        problems.append(Problem(str(path), "commune_duplicate", column="commune_id",
                                params={"value": cid, "ref": ref}))
    return register.loc[~dup, cols].reset_index(drop=True), problems


def _refs(table: Table) -> pd.Series:
    where = Path(table.file).name + (f"[{table.sheet}]" if table.sheet is not None else "")
    return where + ":" + pd.Series(table.frame.index.astype(str), index=table.frame.index)


# ---------------------------------------------------------------------------------------------
# Indicator data


def _read_data_table(table: Table, cset: CriteriaSet, known_communes: set[str]) -> tuple[pd.DataFrame, list[Problem]]:
    f = table.frame
    problems: list[Problem] = []
    for col in f.columns:
        f[col] = f[col].str.strip().str.normalize("NFC")
    blank = (f["commune_id"] == "") & (f["indicator"] == "") & (f["value"] == "")
    f = f[~blank]
    indicators = {i.code: i for i in cset.indicators}
    derived = {i.code: i.value_from for i in cset.indicators if i.value_from}
    # Excel turns "17.4" into the number 17.4; the text form is the same, so codes survive.
    code = f["indicator"]
    unknown = ~code.isin(indicators.keys())
    problems += _problems_for(table, unknown & (code != ""), "indicator_unknown", "indicator",
                              set_id=cset.id)
    problems += _problems_for(table, code == "", "indicator_empty", "indicator")
    problems += _problems_for(table, code.isin(derived.keys()), "indicator_derived", "indicator",
                              source=", ".join(sorted(set(derived.values()))))

    year = pd.to_numeric(f["year"].where(f["year"].str.fullmatch(r"\d{4}")), errors="coerce")
    problems += _problems_for(table, year.isna(), "year_invalid", "year")
    period = cset.period
    outside = year.notna() & ((year < period.start) | (year > period.end))
    problems += _problems_for(table, outside, "year_outside_period", "year", set_id=cset.id,
                              start=period.start, end=period.end)

    problems += _problems_for(table, f["commune_id"] == "", "commune_id_empty", "commune_id")
    unknown_commune = (f["commune_id"] != "") & ~f["commune_id"].isin(known_communes)
    first = unknown_commune & ~f["commune_id"].duplicated()
    problems += _problems_for(table, first, "commune_not_in_register", "commune_id")

    kind = code.map({c: i.unit_kind for c, i in indicators.items()})
    text = f["value"]
    value = pd.Series(np.nan, index=f.index)
    is_yes_no = kind == "yes_no"
    value[is_yes_no] = parse_yes_no(text[is_yes_no])
    value[~is_yes_no] = parse_numbers(text[~is_yes_no])
    empty = text == ""
    dated = table.is_date["value"].reindex(f.index, fill_value=False) if table.is_date is not None \
        else pd.Series(False, index=f.index)
    problems += _problems_for(table, dated & kind.notna(), "value_is_date", "value")
    bad = value.isna() & ~empty & kind.notna() & ~dated
    problems += _problems_for(table, bad & is_yes_no, "value_not_yes_no", "value")
    problems += _problems_for(table, bad & ~is_yes_no, "value_not_number", "value")
    problems += _problems_for(table, ~np.isfinite(value.fillna(0)), "value_not_number", "value")
    problems += _problems_for(table, (kind == "percent") & ((value < 0) | (value > 100)),
                              "value_percent_range", "value")
    problems += _problems_for(table, (kind == "number") & (value < 0), "value_negative", "value")
    problems += _problems_for(table, empty & kind.notna(), "value_empty", "value")
    problems = [p if p.key != "value_empty" else Problem(p.file, p.key, p.row, p.column, p.sheet,
                                                          p.params, "warning") for p in problems]

    out = pd.DataFrame({
        "commune_id": f["commune_id"],
        "year": year.astype("Int64"),
        "indicator": code,
        "value": value.where(~dated),
        "value_text": text,
        "note": f["note"] if "note" in f else "",
        "source": f["source"] if "source" in f else "",
        "input_ref": _refs(table).loc[f.index],
    })
    return out, problems


def read_data(paths: list[str | Path], cset: CriteriaSet,
              register: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    known = set(register["commune_id"])
    frames, problems = [], []
    for path in paths:
        tables, found = read_tables(Path(path), "data")
        problems += found
        for table in tables:
            frame, found = _read_data_table(table, cset, known)
            frames.append(frame)
            problems += found
    cols = ["commune_id", "year", "indicator", "value", "value_text", "note", "source", "input_ref"]
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    problems += _duplicate_problems(data)
    return data, problems


def _duplicate_problems(data: pd.DataFrame) -> list[Problem]:
    key = ["commune_id", "year", "indicator"]
    dup = data[data.duplicated(key, keep=False)]
    if dup.empty:
        return []
    problems = []
    for (cid, year, code), group in dup.groupby(key, sort=True):
        values = group["value"]
        refs = ", ".join(group["input_ref"])
        conflict = values.nunique(dropna=False) > 1
        file = group["input_ref"].iloc[0].rsplit(":", 1)[0]
        problems.append(Problem(file, "duplicate_conflict" if conflict else "duplicate_same",
                                params={"commune": cid, "year": year, "indicator": code,
                                        "refs": refs},
                                severity="error" if conflict else "warning"))
    return problems


def load_inputs(data_paths: list[str | Path], communes_path: str | Path,
                cset: CriteriaSet) -> Inputs:
    """Register and data, validated against `cset`; raises InputError listing every problem."""
    register, problems = read_register(communes_path)
    data, found = read_data(data_paths, cset, register)
    problems += found
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(problems)
    key = ["commune_id", "year", "indicator"]
    data = data.drop_duplicates(key, keep="first").reset_index(drop=True)
    data["year"] = data["year"].astype(int)
    # Few distinct communes and codes over many rows: categoricals are smaller and faster.
    data["commune_id"] = data["commune_id"].astype("category")
    data["indicator"] = data["indicator"].astype("category")
    return Inputs(register, data, [p for p in problems if p.severity == "warning"])
