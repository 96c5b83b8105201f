"""Indicator data in long form (commune, year, indicator, value): each value parsed by its
indicator's kind, each cell checked against the set, the register and its unit's plausibility.

Large tables are read as categoricals and every check runs once per distinct text
(intake.values.per_distinct): a million rows hold a few hundred distinct values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt
from ..criteria.catalogue import CriteriaSet, units
from ..errors import Problem
from ..i18n import current_lang, pick, t
from .plausibility import Direction, all_shares_one, range_text, slips
from .table import Table, problems_for, read_tables, refs
from .values import (
    ambiguous_numbers,
    codes_from_date,
    has_percent_sign,
    is_tick_mark,
    looks_like_date,
    map_text,
    number_examples_key,
    parse_cell_numbers,
    parse_numbers,
    parse_year,
    parse_yes_no,
    per_distinct,
)

# The evidence of a value (a document proving it), in optional columns of the data.
PROOF_COLUMNS = ("proof_document", "proof_number", "proof_date", "proof_kept_at")
COLUMNS = [
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


def proof_date(text: str) -> str | None:
    """An ISO date from what officers type (dd/mm/yyyy, yyyy-mm-dd, an Excel date); None if
    it is not a date."""
    text = str(text).strip().split(" ")[0]
    for form in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, form).date().isoformat()
        except ValueError:
            continue
    return None


def directions(cset: CriteriaSet) -> dict[str, Direction]:
    """Each indicator's comparison and every threshold it has anywhere in the set."""
    out = {}
    for i in cset.indicators:
        known = [i.rule.threshold] + [c.value for c in i.rule.thresholds or ()]
        out[i.code] = Direction(i.rule.op, tuple(float(t) for t in known if t is not None))
    return out


def _readable(table: Table, index: pd.Index, column: str) -> pd.Series:
    """Cells of `column` not already refused as cells (a control character, a formula)."""
    refused = table.unreadable.get(column)
    return pd.Series(~index.isin(list(refused)) if refused else True, index=index)


def _code_problems(table: Table, f: pd.DataFrame, cset: CriteriaSet) -> list[Problem]:
    """Codes not in the set (a code Excel made a date is named with the code it likely was),
    empty, or of an indicator that takes its value from another one."""
    codes = {i.code for i in cset.indicators}
    derived = {i.code: i.value_from for i in cset.indicators if i.value_from}
    code = f["indicator"]
    readable = _readable(table, f.index, "indicator")
    unknown = ~code.isin(list(codes)) & (code != "") & readable
    guesses = {}
    for text in pd.unique(code[unknown]):
        candidates = codes_from_date(text)
        if candidates:  # the set's codes first
            likely = sorted(candidates, key=lambda c: c not in codes)
            guesses[text] = " / ".join(f"«{c}»" for c in likely)
    dated = unknown & code.isin(list(guesses))
    problems = [
        replace(p, params=p.params | {"codes": guesses[code[p.row]]})
        for p in problems_for(table, dated, "indicator_is_date", "indicator")
        if p.row is not None
    ]
    problems += problems_for(
        table, unknown & ~dated, "indicator_unknown", "indicator", set_id=cset.id
    )
    problems += problems_for(table, (code == "") & readable, "indicator_empty", "indicator")
    problems += problems_for(
        table,
        code.isin(list(derived)),
        "indicator_derived",
        "indicator",
        source=", ".join(sorted(set(derived.values()))),
    )
    return problems


def _year(table: Table, f: pd.DataFrame, cset: CriteriaSet) -> tuple[pd.Series, list[Problem]]:
    year = parse_year(f["year"])
    problems = problems_for(
        table, year.isna() & _readable(table, f.index, "year"), "year_invalid", "year"
    )
    period = cset.period
    outside = year.notna() & ((year < period.start) | (year > period.end))
    problems += problems_for(
        table,
        outside,
        "year_outside_period",
        "year",
        set_id=cset.id,
        start=period.start,
        end=period.end,
    )
    return year, problems


def _zero_padded(known: set[str]) -> dict[str, str]:
    """Register codes of digits by their value without leading zeros ('00004' under '4')."""
    return {c.lstrip("0"): c for c in known if c.isdigit()}


def _commune_problems(table: Table, f: pd.DataFrame, known: set[str]) -> list[Problem]:
    """Communes missing from the register, each named once; a code whose leading zeros Excel
    dropped is named with the register's code it matches."""
    commune = f["commune_id"]
    readable = _readable(table, f.index, "commune_id")
    problems = problems_for(table, (commune == "") & readable, "commune_id_empty", "commune_id")
    unknown = (commune != "") & ~commune.isin(list(known)) & readable
    first = unknown & ~commune.duplicated()
    padded = _zero_padded(known)
    match = commune[first].map(lambda c: padded.get(c.lstrip("0"), "") if c.isdigit() else "")
    zeros = pd.Series(False, index=f.index)
    zeros[match.index[match != ""]] = True
    problems += problems_for(table, first & ~zeros, "commune_not_in_register", "commune_id")
    problems += [
        replace(p, params=p.params | {"code": match[p.row]})
        for p in problems_for(table, zeros, "commune_not_in_register_zeros", "commune_id")
        if p.row is not None
    ]
    return problems


def _parse_values(text: pd.Series, flag: pd.Series, is_yes_no: pd.Series) -> pd.Series:
    """Each reading once per distinct text, then the one that applies to each cell: yes/no
    words, an Excel number cell as it is, typed text by the language's convention."""
    numeric_cell = flag.isin(["number", "percent"])
    typed = ~is_yes_no & ~numeric_cell
    return pd.Series(
        np.select(
            [is_yes_no.to_numpy(), typed.to_numpy()],
            [parse_yes_no(text).to_numpy(float), parse_numbers(text).to_numpy(float)],
            default=parse_cell_numbers(text).to_numpy(float),
        ),
        index=text.index,
    )


def _cell_problems(table: Table, cells: dict) -> tuple[pd.Series, list[Problem]]:
    """What the value cells hold that is not a value (a date, TRUE, an Excel error, a formula
    never computed, a requirement); the cells that cannot be read, and their problems."""
    text, flag, known, typed = cells["text"], cells["flag"], cells["known"], cells["typed"]
    typed_date = typed & looks_like_date(text)
    boolean = (flag == "boolean") & ~cells["is_yes_no"]
    unreadable = ~_readable(table, text.index, "value")
    special = flag.isin(["date", "formula", "error"]) | typed_date | boolean | unreadable
    comparator = per_distinct(lambda s: s.str.match(r"^\s*(≥|≤|>=|<=|>|<|=)").astype(bool))(text)
    problems = problems_for(
        table, ((flag == "date") | typed_date) & known, "value_is_date", "value"
    )
    problems += problems_for(table, boolean & known, "value_boolean", "value")
    problems += problems_for(table, (flag == "error") & known, "value_excel_error", "value")
    problems += problems_for(table, (flag == "formula") & known, "value_formula", "value")
    problems += problems_for(table, comparator & known, "value_has_comparator", "value")
    return special | comparator, problems


def _not_numbers(table: Table, mask: pd.Series, examples: pd.Series) -> list[Problem]:
    """'not a number', with examples in the indicator's unit (a count's are whole)."""
    out = []
    for key in ("number_examples_percent", "number_examples_count", "number_examples"):
        out += problems_for(
            table, mask & (examples == key), "value_not_number", "value", examples=t(key)
        )  # in the language messages are printed in
    return out


def _tick_marks(table: Table, mask: pd.Series, text: pd.Series) -> list[Problem]:
    """'x' read as Đạt, with a warning: a mark on a form may mean something else."""
    found = problems_for(table, mask & is_tick_mark(text), "value_tick_mark", "value")
    return [replace(p, severity="warning") for p in found]


def _number_problems(table: Table, cells: dict, value: pd.Series) -> list[Problem]:
    text, known, is_yes_no = cells["text"], cells["known"], cells["is_yes_no"]
    bad = value.isna() & (text != "") & known & ~cells["special"]
    problems = problems_for(table, bad & is_yes_no, "value_not_yes_no", "value")
    problems += _not_numbers(table, bad & ~is_yes_no, cells["examples"])
    problems += _tick_marks(table, is_yes_no & known & ~cells["special"], text)
    problems += problems_for(
        table,
        ~np.isfinite(value.fillna(0)),
        "value_not_number",
        "value",
        examples=t("number_examples"),
    )
    problems += problems_for(
        table,
        (cells["kind"] == "percent") & ((value < 0) | (value > 100)),
        "value_percent_range",
        "value",
    )
    ambiguous = cells["typed"] & known & ambiguous_numbers(text)
    # `read` stays as a plain number: in the file's own convention it would look ambiguous
    problems += [
        replace(p, params=p.params | {"read": value[p.row]}, severity="warning")
        for p in problems_for(
            table, ambiguous, "value_ambiguous", "value", convention=current_lang()
        )
        if p.row is not None
    ]
    problems += [
        replace(p, severity="warning")
        for p in problems_for(
            table, (text == "") & known & ~cells["special"], "value_empty", "value"
        )
    ]
    return problems


def _slip_problems(table: Table, cells: dict, value: pd.Series, cset: CriteriaSet) -> list[Problem]:
    """Values that look like typing slips for their unit (see intake.plausibility)."""
    code, text, flag, usable = cells["code"], cells["text"], cells["flag"], ~cells["special"]
    unit_of = {i.code: i.unit for i in cset.indicators}
    rules = directions(cset)
    has_percent = has_percent_sign(text) & usable
    found = slips(code, value.where(usable), has_percent, flag, unit_of, rules)
    problems = []
    for key, (mask, hints) in found.items():
        for unit in sorted(set(code[mask].map(unit_of))):
            label = pick(units()[unit]["label"])
            in_unit = mask & (code.map(unit_of) == unit)
            problems += problems_for(
                table, in_unit, key, "value", hints, unit=label, range=range_text(unit)
            )
    if "value_fraction" not in found:
        coverage = {
            c
            for c, d in rules.items()
            if not d.lower_is_better and max(d.thresholds, default=0) > 1
        }
        explicit = has_percent | (flag == "percent")
        ones = all_shares_one(code, value.where(usable), explicit, coverage)
        if ones is not None:
            example = fmt.number(ones.iloc[0], None, 6)
            problems.append(table.problem("percent_as_fraction", None, "value", example=example))
    return problems


def _values(table: Table, f: pd.DataFrame, cset: CriteriaSet) -> tuple[pd.Series, list[Problem]]:
    """The value column as numbers (NaN where it cannot be used), with its problems."""
    kinds = {i.code: i.unit_kind for i in cset.indicators}
    hints = {i.code: number_examples_key(units()[i.unit]) for i in cset.indicators}
    code, text = f["indicator"], f["value"]
    kind = map_text(code, lambda c: c.map(kinds).fillna(""))
    flag = table.flag("value", f.index)
    is_yes_no = kind == "yes_no"
    cells = {
        "code": code,
        "text": text,
        "flag": flag,
        "kind": kind,
        "known": kind != "",  # a code of the set
        "is_yes_no": is_yes_no,
        "typed": ~is_yes_no & ~flag.isin(["number", "percent"]),
        "examples": map_text(code, lambda c: c.map(hints).fillna("number_examples")),
    }
    value = _parse_values(text, flag, is_yes_no)
    cells["special"], problems = _cell_problems(table, cells)
    problems += _number_problems(table, cells, value)
    problems += _slip_problems(table, cells, value, cset)
    return value.where(~cells["special"]), problems


def _frame(table: Table, f: pd.DataFrame, year: pd.Series, value: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "commune_id": f["commune_id"],
            "year": year.astype("Int64"),
            "indicator": f["indicator"],
            "value": value,
            "value_text": f["value"],
            "note": f["note"] if "note" in f else "",
            "source": f["source"] if "source" in f else "",
            "numerator": parse_numbers(f["numerator"]) if "numerator" in f else np.nan,
            "denominator": parse_numbers(f["denominator"]) if "denominator" in f else np.nan,
            "input_ref": refs(table, f.index),
        }
    )
    for col in PROOF_COLUMNS:
        out[col] = f[col] if col in f else ""
    return out


def read_data_table(
    table: Table, cset: CriteriaSet, known_communes: set[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """One table of indicator data: its rows as parsed, and every problem found."""
    f = table.frame
    for col in f.columns:
        f[col] = map_text(f[col], lambda s: s.str.strip().str.normalize("NFC"))
    f = f[~((f["commune_id"] == "") & (f["indicator"] == "") & (f["value"] == ""))]
    # Excel turns "17.4" into the number 17.4; the text form is the same, so codes survive.
    problems = _code_problems(table, f, cset)
    year, found = _year(table, f, cset)
    problems += found + _commune_problems(table, f, known_communes)
    value, found = _values(table, f, cset)
    problems += found
    out = _frame(table, f, year, value)
    if "proof_date" in f:
        dates = f["proof_date"].map(lambda v: proof_date(v) if v else "")
        problems += problems_for(table, dates.isna(), "proof_date_invalid", "proof_date")
        out["proof_date"] = dates.fillna("")
    return out, problems


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
    for (cid, year, code), group in dup.groupby(key, sort=True, observed=True):
        conflict = group["value"].nunique(dropna=False) > 1
        problems.append(
            Problem(
                group["input_ref"].iloc[0].rsplit(":", 1)[0],
                "duplicate_conflict" if conflict else "duplicate_same",
                params={
                    "commune": cid,
                    "year": year,
                    "indicator": code,
                    "refs": ", ".join(group["input_ref"]),
                },
                severity="error" if conflict else "warning",
            )
        )
    return problems


def read_data(
    paths: list[str | Path], cset: CriteriaSet, register: pd.DataFrame
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every data file's rows, the first of equal rows kept; and every problem found."""
    known = set(register["commune_id"])
    frames, problems = [], []
    for path in paths:
        tables, found = read_tables(Path(path), "data")
        problems += found
        for table in tables:
            frame, found = read_data_table(table, cset, known)
            frames.append(frame)
            problems += found
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    repeated = _repeated(data)
    problems += _duplicate_problems(data[repeated])
    if repeated.any():  # the first of equal rows stands; conflicting ones are errors above
        data = data[~_repeated(data, keep="first")].reset_index(drop=True)
    return data, problems
