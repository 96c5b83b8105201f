"""Reading what officers type: commune registers and long-form indicator data, CSV or Excel.

Everything is read as text first and parsed column-wise with pandas, so that every problem can
be reported with its file, sheet, row and column, and all problems are reported at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt
from ..criteria.catalogue import CriteriaSet, common, special_categories, units
from ..errors import InputError, Problem, cap_problems
from ..i18n import current_lang, pick, t
from .plausibility import range_text, slips
from .sheets import read_grids
from .values import (
    ambiguous_numbers,
    column_spec,
    fold,
    fold_series,
    has_percent_sign,
    is_blank,
    looks_like_date,
    map_text,
    parse_cell_numbers,
    parse_numbers,
    parse_year,
    parse_yes_no,
    per_distinct,
)

# Beyond this many rows with the same problem in one file, one summary line stands for the rest.
MAX_SAME_PROBLEM = 20


@dataclass
class Table:
    """One sheet (or CSV file) as text cells, columns renamed to their canonical names."""

    file: str
    sheet: str | None
    frame: pd.DataFrame
    flags: pd.DataFrame | None = None  # Excel only: "", "date", "formula", "error", per cell
    unreadable: dict = field(default_factory=dict)  # column -> rows refused as cells
    headers: dict = field(default_factory=dict)  # column -> its header as typed in the file

    def problem(
        self, key: str, row: int | None = None, column: str | None = None, **params
    ) -> Problem:
        context = {}
        if row is not None and row in self.frame.index:
            for col in ("commune_id", "indicator"):
                if col in self.frame and col != column and str(self.frame.at[row, col]).strip():
                    context[col] = str(self.frame.at[row, col]).strip()
        return Problem(
            self.file,
            key,
            row,
            column,
            self.sheet,
            params,
            context=context,
            header=self.headers.get(column),
        )


@dataclass
class Inputs:
    register: pd.DataFrame
    data: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Files to tables


HEADER_SEARCH_ROWS = 10
# C0/C1 controls (a tab, line feed or carriage return inside a cell is only white space) and
# the characters that reorder text on screen.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
INVISIBLE_SPACE = re.compile(r"[\u00a0\u2007\u202f]")


def _find_header(frame: pd.DataFrame, aliases: dict, required: list[str]) -> tuple[int, dict]:
    """The first of the top rows that names every required column (else the best one)."""
    best = (0, {})
    for i in range(min(HEADER_SEARCH_ROWS, len(frame))):
        header = [h.strip() for h in frame.iloc[i].tolist()]
        mapping = {j: aliases[fold(h)] for j, h in enumerate(header) if fold(h) in aliases}
        if all(c in mapping.values() for c in required):
            return i, mapping
        if len(set(mapping.values())) > len(set(best[1].values())):
            best = (i, mapping)
    return best


def read_tables(path: Path, kind: str) -> tuple[list[Table], list[Problem]]:
    """Sheets of `path` that carry the columns required for `kind` ('register' or 'data')."""
    # Data tables are large: their cells are kept as categoricals and worked per distinct text.
    grids, problems = read_grids(path, categorical=kind == "data")
    if not grids:
        return [], problems
    spec = column_spec()
    aliases = {fold(a): canon for canon, names in spec[kind].items() for a in names}
    required = spec["required"][kind]
    tables, misses = [], []
    for grid in grids:
        frame = grid.text
        filled = pd.Series(np.zeros(len(frame), dtype=bool), index=frame.index)
        for _, col in frame.items():
            filled |= ~is_blank(col).astype(bool)
        if not filled.any():
            misses.append((grid.sheet, None, []))
            continue
        row, mapping = _find_header(frame, aliases, required)
        missing = [c for c in required if c not in mapping.values()]
        if missing:
            header = [h for h in frame.iloc[row].tolist() if h.strip()]
            misses.append((grid.sheet, (row, header), missing))
            continue
        if filled.iloc[:row].any():
            problems.append(
                Problem(
                    str(path),
                    "header_not_first_row",
                    row=row + 1,
                    sheet=grid.sheet,
                    severity="warning",
                )
            )
        problems += _ambiguous_columns(path, grid, row, mapping)
        keep = list({canon: j for j, canon in reversed(mapping.items())}.values())
        keep.sort()
        body = frame.iloc[row + 1 :, keep].copy()
        body.columns = [mapping[j] for j in keep]
        # Spreadsheet row numbers, as a person sees them.
        body.index = pd.Index(np.asarray(body.index) + 1, name="row")
        flags = None
        if grid.flags is not None:
            flags = grid.flags.iloc[row + 1 :, keep].copy()
            flags.columns = body.columns
            flags.index = body.index
        typed = {mapping[j]: str(frame.iat[row, j]).strip() for j in keep}
        table = Table(str(path), grid.sheet, body, flags, headers=typed)
        problems += _hidden(table, grid, filled, row)
        problems += _extra_fields(table, grid, frame, row)
        problems += _clean_cells(table)
        tables.append(table)
    if not tables:
        for sheet, where, missing in misses:
            if where is None:
                problems.append(Problem(str(path), "table_empty", sheet=sheet))
            else:
                row, header = where
                problems.append(
                    Problem(
                        str(path),
                        "columns_missing",
                        row=row + 1,
                        sheet=sheet,
                        params={"missing": ", ".join(missing), "found": ", ".join(header)},
                    )
                )
    return tables, problems


def _ambiguous_columns(path: Path, grid, row: int, mapping: dict) -> list[Problem]:
    """Two columns that both mean the same thing ('value' and 'Giá trị'): which one holds the
    data cannot be guessed."""
    by_canon: dict[str, list[str]] = {}
    for j, canon in mapping.items():
        by_canon.setdefault(canon, []).append(str(grid.text.iat[row, j]).strip())
    return [
        Problem(
            str(path),
            "columns_ambiguous",
            row=row + 1,
            sheet=grid.sheet,
            params={"columns": ", ".join(f"«{h}»" for h in headers)},
        )
        for canon, headers in by_canon.items()
        if len(headers) > 1
    ]


def _hidden(table: Table, grid, filled: pd.Series, header_row: int) -> list[Problem]:
    """Rows nobody sees in Excel are never assessed silently: a hidden sheet or hidden
    (filtered) rows with content are refused, for the officer to unhide or delete them."""
    if grid.hidden:
        return [table.problem("sheet_hidden")]
    rows = sorted(
        r for r in grid.hidden_rows if r > header_row and r < len(filled) and filled.iat[r]
    )
    return [table.problem("row_hidden", r + 1) for r in rows]


def _extra_fields(table: Table, grid, frame: pd.DataFrame, header_row: int) -> list[Problem]:
    """CSV rows with more fields than the header: an unquoted decimal comma ('55,5' in a
    comma-separated file) shifts the value into a column without a name."""
    if grid.fields is None:
        return []
    width = int(grid.fields[header_row])
    out = []
    for r in range(header_row + 1, len(frame)):
        if grid.fields[r] > width and (frame.iloc[r, width:].str.strip() != "").any():
            out.append(
                table.problem("row_more_fields", r + 1, fields=int(grid.fields[r]), header=width)
            )
    return out


def _clean_cells(table: Table) -> list[Problem]:
    """Control and text-direction characters are refused with the cell; invisible spaces
    (no-break, zero-width) are replaced by a space or removed. Work is per distinct value."""
    problems = []
    f = table.frame
    for col in f.columns:
        distinct = pd.unique(f[col])
        bad = [v for v in distinct if CONTROL.search(v)]
        if bad:
            cells = f[col][f[col].isin(bad)]
            table.unreadable[col] = set(cells.index)
            problems += [
                table.problem("cell_control_char", int(r), col, value=v) for r, v in cells.items()
            ]
        odd = {
            v: INVISIBLE_SPACE.sub(" ", INVISIBLE.sub("", v))
            for v in distinct
            if INVISIBLE.search(v) or INVISIBLE_SPACE.search(v)
        }
        if odd:
            f[col] = (
                map_text(f[col], lambda s: s.map(lambda v: odd.get(v, v)))
                if isinstance(f[col].dtype, pd.CategoricalDtype)
                else f[col].replace(odd)
            )
    return problems


def _percent_fractions(
    table: Table, code: pd.Series, value: pd.Series, indicators: dict
) -> list[Problem]:
    """Shares typed as fractions (0.95 for 95%): every coverage-type percentage of the table
    at or below 1 cannot be real, so the table is refused rather than misread."""
    coverage = {
        c
        for c, i in indicators.items()
        if i.unit_kind == "percent" and i.rule.op in (">=", ">") and (i.rule.threshold or 0) > 1
    }
    mine = value[code.isin(coverage)].dropna()
    if len(mine) >= 3 and (mine <= 1).all():
        return [
            table.problem(
                "percent_as_fraction", None, "value", example=fmt.number(mine.iloc[0], None, 6)
            )
        ]
    return []


# --- branch outputs (issue 26): hints by unit, tick marks said
def _not_numbers(table: Table, mask: pd.Series, code: pd.Series, indicators: dict) -> list:
    """'not a number', with examples of the indicator's unit (a count's are whole)."""
    from .values import number_examples_key

    keys = {k: number_examples_key(units()[i.unit]) for k, i in indicators.items()}
    key = map_text(code, lambda c: c.map(keys).fillna("number_examples"))
    out = []
    for examples in ("number_examples_percent", "number_examples_count", "number_examples"):
        out += _problems_for(
            table,
            mask & (key == examples),
            "value_not_number",
            "value",
            examples=t(examples),  # in the language messages are printed in
        )
    return out


def _tick_marks(table: Table, mask: pd.Series, text: pd.Series) -> list:
    """'x' read as Đạt, with a warning: a mark on a form may mean something else."""
    from .values import is_tick_mark

    found = _problems_for(table, mask & is_tick_mark(text), "value_tick_mark", "value")
    return [replace(p, severity="warning") for p in found]


def _slip_problems(
    table: Table,
    code: pd.Series,
    value: pd.Series,
    text: pd.Series,
    flag: pd.Series,
    indicators: dict,
    usable: pd.Series,
) -> list[Problem]:
    """Values that look like typing slips for their unit (see intake.plausibility)."""
    unit_of = {c: i.unit for c, i in indicators.items()}
    found = slips(code, value.where(usable), has_percent_sign(text) & usable, flag, unit_of)
    problems = []
    for key, (mask, hints) in found.items():
        for unit in sorted(set(code[mask].map(unit_of))):
            label = pick(units()[unit]["label"])
            problems += _problems_for(
                table,
                mask & (code.map(unit_of) == unit),
                key,
                "value",
                hints,
                unit=label,
                range=range_text(unit),
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Register


def _problems_for(
    table: Table, mask: pd.Series, key: str, column: str, hints: pd.Series | None = None, **params
) -> list[Problem]:
    rows = mask[mask].index
    out = [
        table.problem(
            key,
            int(r),
            column,
            value=table.frame.at[r, column] if column in table.frame else "",
            **params,
            **({"hint": fmt.number(hints[r], None, 6)} if hints is not None else {}),
        )
        for r in rows[:MAX_SAME_PROBLEM]
    ]
    if len(rows) > MAX_SAME_PROBLEM:
        out.append(
            table.problem(
                "more_rows_same_problem", None, column, count=len(rows) - MAX_SAME_PROBLEM
            )
        )
    return out


def region_lookup() -> dict[str, str]:
    out = {}
    for r in common()["regions"]:
        for label in (r["id"], r["name"]["vi"], r["name"]["en"]):
            out[fold(label)] = r["id"]
    return out


def category_lookup() -> dict[str, str]:
    """Special commune categories by their id, Vietnamese and English names and aliases."""
    out = {}
    for cid, c in special_categories().items():
        for label in [cid, c["name"]["vi"], c["name"]["en"], *c.get("aliases", [])]:
            out[fold(label)] = cid
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
        problems += _problems_for(
            table,
            region.isna(),
            "region_unknown",
            "region",
            known=", ".join(sorted({r["name"]["vi"] for r in common()["regions"]})),
        )
        out = f.assign(region=region, input_ref=_refs(table))
        if "special_category" in f:
            category = f["special_category"].map(
                lambda v: category_lookup().get(fold(v), "?") if v else ""
            )
            problems += _problems_for(
                table,
                category == "?",
                "special_category_unknown",
                "special_category",
                known=", ".join(special_categories()),
            )
            out["special_category"] = category.where(category != "?", "")
        frames.append(out[out["commune_id"] != ""])
    cols = ["commune_id", "name", "district", "province", "region", "input_ref"]
    register = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    for optional in (
        "households",
        "population",
        "group",
        "predecessors_old_codes",
        "special_category",
    ):
        if optional in register:
            cols.append(optional)
    dup = register["commune_id"].duplicated(keep="first")
    for ref, cid in zip(register.loc[dup, "input_ref"], register.loc[dup, "commune_id"]):
        problems.append(
            Problem(
                str(path),
                "commune_duplicate",
                column="commune_id",
                params={"value": cid, "ref": ref},
            )
        )
    return register.loc[~dup, cols].reset_index(drop=True), problems


def _refs(table: Table, index: pd.Index | None = None) -> pd.Series:
    """'file[sheet]:row' for each row of `index` (default: every row of the table)."""
    index = table.frame.index if index is None else index
    where = Path(table.file).name + (f"[{table.sheet}]" if table.sheet is not None else "")
    return pd.Series([f"{where}:{r}" for r in index.tolist()], index=index, dtype=object)


# ---------------------------------------------------------------------------------------------
# Indicator data


def _read_data_table(
    table: Table, cset: CriteriaSet, known_communes: set[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    f = table.frame
    problems: list[Problem] = []
    for col in f.columns:
        f[col] = map_text(f[col], lambda s: s.str.strip().str.normalize("NFC"))
    blank = (f["commune_id"] == "") & (f["indicator"] == "") & (f["value"] == "")
    f = f[~blank]
    indicators = {i.code: i for i in cset.indicators}
    derived = {i.code: i.value_from for i in cset.indicators if i.value_from}
    # Excel turns "17.4" into the number 17.4; the text form is the same, so codes survive.
    code = f["indicator"]
    unknown = ~code.isin(list(indicators))
    problems += _problems_for(
        table, unknown & (code != ""), "indicator_unknown", "indicator", set_id=cset.id
    )
    problems += _problems_for(table, code == "", "indicator_empty", "indicator")
    problems += _problems_for(
        table,
        code.isin(list(derived)),
        "indicator_derived",
        "indicator",
        source=", ".join(sorted(set(derived.values()))),
    )

    year = parse_year(f["year"])
    problems += _problems_for(table, year.isna(), "year_invalid", "year")
    period = cset.period
    outside = year.notna() & ((year < period.start) | (year > period.end))
    problems += _problems_for(
        table,
        outside,
        "year_outside_period",
        "year",
        set_id=cset.id,
        start=period.start,
        end=period.end,
    )

    problems += _problems_for(table, f["commune_id"] == "", "commune_id_empty", "commune_id")
    unknown_commune = (f["commune_id"] != "") & ~f["commune_id"].isin(known_communes)
    first = unknown_commune & ~f["commune_id"].duplicated()
    problems += _problems_for(table, first, "commune_not_in_register", "commune_id")

    kinds = {k: i.unit_kind for k, i in indicators.items()}
    kind = map_text(code, lambda c: c.map(kinds).fillna(""))
    known = kind != ""  # a code of the set
    text = f["value"]
    flag = (
        table.flags["value"].reindex(f.index, fill_value="")
        if table.flags is not None
        else pd.Series(
            pd.Categorical.from_codes(np.zeros(len(f), dtype=np.int8), [""]), index=f.index
        )
    )
    is_yes_no = kind == "yes_no"
    numeric_cell = flag.isin(["number", "percent"])
    typed = ~is_yes_no & ~numeric_cell
    # Each reading per distinct text, then the one that applies to each cell.
    value = pd.Series(
        np.select(
            [is_yes_no.to_numpy(), typed.to_numpy()],
            [parse_yes_no(text).to_numpy(float), parse_numbers(text).to_numpy(float)],
            default=parse_cell_numbers(text).to_numpy(float),
        ),
        index=f.index,
    )
    empty = text == ""
    typed_date = typed & ~is_yes_no & looks_like_date(text)
    boolean = (flag == "boolean") & ~is_yes_no
    unreadable = pd.Series(f.index.isin(table.unreadable.get("value", ())), index=f.index)
    special = flag.isin(["date", "formula", "error"]) | typed_date | boolean | unreadable
    problems += _problems_for(
        table, ((flag == "date") | typed_date) & known, "value_is_date", "value"
    )
    problems += _problems_for(table, boolean & known, "value_boolean", "value")
    problems += _problems_for(table, (flag == "error") & known, "value_excel_error", "value")
    problems += _problems_for(table, (flag == "formula") & known, "value_formula", "value")
    comparator = per_distinct(lambda s: s.str.match(r"^\s*(≥|≤|>=|<=|>|<|=)").astype(bool))(text)
    problems += _problems_for(table, comparator & known, "value_has_comparator", "value")
    bad = value.isna() & ~empty & known & ~special & ~comparator
    problems += _problems_for(table, bad & is_yes_no, "value_not_yes_no", "value")
    problems += _not_numbers(table, bad & ~is_yes_no, code, indicators)
    problems += _tick_marks(table, is_yes_no & known & ~special, text)
    problems += _problems_for(
        table,
        ~np.isfinite(value.fillna(0)),
        "value_not_number",
        "value",
        examples=t("number_examples"),
    )
    problems += _problems_for(
        table, (kind == "percent") & ((value < 0) | (value > 100)), "value_percent_range", "value"
    )
    problems += _slip_problems(table, code, value, text, flag, indicators, ~special)
    ambiguous = typed & ~is_yes_no & known & ambiguous_numbers(text)
    # `read` stays as a plain number: in the file's own convention it would look ambiguous
    problems += [
        replace(p, params=p.params | {"read": value[p.row]}, severity="warning")
        for p in _problems_for(
            table, ambiguous, "value_ambiguous", "value", convention=current_lang()
        )
        if p.row is not None
    ]
    if not any(p.key == "value_fraction" for p in problems):
        problems += _percent_fractions(table, code, value, indicators)
    problems += [
        replace(p, severity="warning")
        for p in _problems_for(table, empty & known & ~special, "value_empty", "value")
    ]
    value = value.where(~special)

    out = pd.DataFrame(
        {
            "commune_id": f["commune_id"],
            "year": year.astype("Int64"),
            "indicator": code,
            "value": value,
            "value_text": text,
            "note": f["note"] if "note" in f else "",
            "source": f["source"] if "source" in f else "",
            "numerator": parse_numbers(f["numerator"]) if "numerator" in f else np.nan,
            "denominator": parse_numbers(f["denominator"]) if "denominator" in f else np.nan,
            "input_ref": _refs(table, f.index),
        }
    )
    for col in PROOF_COLUMNS:
        out[col] = f[col] if col in f else ""
    if "proof_date" in f:
        dates = f["proof_date"].map(lambda v: proof_date(v) if v else "")
        problems += _problems_for(table, dates.isna(), "proof_date_invalid", "proof_date")
        out["proof_date"] = dates.fillna("")
    return out, problems


# The evidence of a value (a document proving it), in optional columns of the data.
PROOF_COLUMNS = ("proof_document", "proof_number", "proof_date", "proof_kept_at")


def proof_date(text: str) -> str | None:
    """An ISO date from what officers type (dd/mm/yyyy, yyyy-mm-dd, an Excel date); None if
    it is not a date."""
    import datetime as dt

    text = str(text).strip().split(" ")[0]
    for form in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


def read_data(
    paths: list[str | Path], cset: CriteriaSet, register: pd.DataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    known = set(register["commune_id"])
    frames, problems = [], []
    for path in paths:
        tables, found = read_tables(Path(path), "data")
        problems += found
        for table in tables:
            frame, found = _read_data_table(table, cset, known)
            frames.append(frame)
            problems += found
    cols = [
        "commune_id",
        "year",
        "indicator",
        "value",
        "value_text",
        "note",
        "source",
        "numerator",
        "denominator",
        "input_ref",
        *PROOF_COLUMNS,
    ]
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    repeated = _repeated(data)
    problems += _duplicate_problems(data[repeated])
    if repeated.any():  # the first of equal rows stands; conflicting ones are errors above
        data = data[~_repeated(data, keep="first")].reset_index(drop=True)
    return data, problems


def _repeated(data: pd.DataFrame, keep: str | bool = False) -> np.ndarray:
    """Rows whose (commune, year, indicator) another row also has, as one integer key."""
    key = np.zeros(len(data), dtype=np.int64)
    for col in ("commune_id", "year", "indicator"):
        codes, uniques = pd.factorize(data[col], use_na_sentinel=False)
        key = key * (len(uniques) + 1) + codes
    return pd.Series(key).duplicated(keep=keep).to_numpy()


def _duplicate_problems(dup: pd.DataFrame) -> list[Problem]:
    key = ["commune_id", "year", "indicator"]
    if dup.empty:
        return []
    problems = []
    for (cid, year, code), group in dup.groupby(key, sort=True):
        values = group["value"]
        refs = ", ".join(group["input_ref"])
        conflict = values.nunique(dropna=False) > 1
        file = group["input_ref"].iloc[0].rsplit(":", 1)[0]
        problems.append(
            Problem(
                file,
                "duplicate_conflict" if conflict else "duplicate_same",
                params={"commune": cid, "year": year, "indicator": code, "refs": refs},
                severity="error" if conflict else "warning",
            )
        )
    return problems


def load_inputs(
    data_paths: list[str | Path], communes_path: str | Path, cset: CriteriaSet
) -> Inputs:
    """Register and data, validated against `cset`; raises InputError listing every problem."""
    register, problems = read_register(communes_path)
    if cset.province:
        other = fold_series(register["province"]) != fold(cset.province)
        for ref, province in zip(register.loc[other, "input_ref"], register.loc[other, "province"]):
            problems.append(
                Problem(
                    str(communes_path),
                    "commune_other_province",
                    row=int(ref.rsplit(":", 1)[1]),
                    column="province",
                    params={"value": province, "set_id": cset.id, "province": cset.province},
                )
            )
    if cset.uses_groups:
        groups = (
            pd.to_numeric(register["group"], errors="coerce")
            if "group" in register
            else pd.Series(np.nan, index=register.index)
        )
        for ref, value in zip(
            register.loc[~groups.isin([1, 2, 3]), "input_ref"],
            register.loc[~groups.isin([1, 2, 3]), "group"]
            if "group" in register
            else [""] * int((~groups.isin([1, 2, 3])).sum()),
        ):
            problems.append(
                Problem(
                    str(communes_path),
                    "commune_group_missing",
                    row=int(ref.rsplit(":", 1)[1]),
                    column="group",
                    params={"value": value, "set_id": cset.id},
                )
            )
    data, found = read_data(data_paths, cset, register)
    problems += found
    if data.empty and not found:
        problems.append(Problem(", ".join(map(str, data_paths)), "data_empty"))
    problems = cap_problems(problems, MAX_SAME_PROBLEM)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(problems)
    data["year"] = data["year"].astype(int)
    # Few distinct communes and codes over many rows: categoricals are smaller and faster.
    data["commune_id"] = data["commune_id"].astype("category")
    data["indicator"] = data["indicator"].astype("category")
    return Inputs(register, data, [p for p in problems if p.severity == "warning"])
