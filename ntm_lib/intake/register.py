"""The commune register: one row per commune, with its region (and, where a set needs them, its
group and special category); households and population read as counts, by the same number
convention and plausibility as the data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import settled_stamp
from ..criteria.catalogue import common, special_categories
from ..criteria.words import group_of
from ..errors import Problem
from ..i18n import current_lang, t
from .limits import SettingError, max_bytes
from .table import Table, problems_for, read_tables, refs
from .values import ambiguous_numbers, cell_numbers, fold, fold_series, is_blank

COLUMNS = ["commune_id", "name", "district", "province", "region", "input_ref"]
# Optional register columns for the heading and signature of the board's documents.
DOCUMENT_COLUMNS = ("issuer_parent", "issuer", "signer_title", "signer_name", "place")
OPTIONAL = [
    "households",
    "population",
    "group",
    "predecessors_old_codes",
    "special_category",
    *DOCUMENT_COLUMNS,
]
# Read as whole, non-negative numbers: a count typed '3.102' is 3102 households in Vietnamese.
COUNTS = ("households", "population")


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


def _counts(table: Table, column: str) -> tuple[pd.Series, list[Problem]]:
    """A count column as numbers (NaN where blank), with its problems: not a number,
    negative, not whole; a '3.102' read by the language's convention is warned about."""
    f = table.frame
    text, flag = f[column], table.flag(column)
    value = cell_numbers(text, flag)
    blank = is_blank(text).astype(bool)
    typed = ~flag.isin(["number", "percent"]) & ~blank
    problems = problems_for(
        table,
        value.isna() & ~blank,
        "value_not_number",
        column,
        examples=t("number_examples_count"),
    )
    problems += problems_for(table, value < 0, "value_negative", column)
    fractional = value.notna() & (value >= 0) & (value != np.floor(value.fillna(0)))
    problems += problems_for(table, fractional, "value_not_whole", column)
    # '3.102' read as 3.102 by the English convention is no count: only its error is shown
    ambiguous = typed & ambiguous_numbers(text).astype(bool) & ~fractional
    found = problems_for(table, ambiguous, "value_ambiguous", column, convention=current_lang())
    problems += [
        replace(p, params=p.params | {"read": value[p.row]}, severity="warning")
        for p in found
        if p.row is not None
    ]
    return value.where(~blank), problems


def _categories(table: Table) -> tuple[pd.Series, list[Problem]]:
    f, lookup = table.frame, category_lookup()
    category = f["special_category"].map(lambda v: lookup.get(fold(v), "?") if v else "")
    problems = problems_for(
        table,
        category == "?",
        "special_category_unknown",
        "special_category",
        known=", ".join(special_categories()),
    )
    return category.where(category != "?", ""), problems


def _read_table(table: Table) -> tuple[pd.DataFrame, list[Problem]]:
    f = table.frame
    for col in f.columns:
        f[col] = f[col].str.strip().str.normalize("NFC")
    problems = problems_for(table, f["commune_id"] == "", "commune_id_empty", "commune_id")
    region = fold_series(f["region"]).map(region_lookup())
    problems += problems_for(
        table,
        region.isna(),
        "region_unknown",
        "region",
        known=", ".join(sorted({r["name"]["vi"] for r in common()["regions"]})),
    )
    out = f.assign(region=region, input_ref=refs(table))
    if "group" in f:  # «Nhóm 2», «nhóm xã II», as officers write groups
        out["group"] = f["group"].map(lambda v: str(group_of(v) or v) if v else v)
    if "special_category" in f:
        out["special_category"], found = _categories(table)
        problems += found
    for col in COUNTS:
        if col in f:
            out[col], found = _counts(table, col)
            problems += found
    return out[out["commune_id"] != ""], problems


def _duplicates(register: pd.DataFrame, path: str) -> tuple[np.ndarray, list[Problem]]:
    """Rows whose commune another row already has: each named with both rows; an error when
    they differ, a warning (the first one kept) when they are the same row twice."""
    dup = register["commune_id"].duplicated(keep="first").to_numpy()
    if not dup.any():
        return dup, []
    compared = [c for c in register.columns if c != "input_ref"]
    first = register.drop_duplicates("commune_id").set_index("commune_id")
    problems = []
    for _, row in register[dup].iterrows():
        before = first.loc[row["commune_id"]]
        differ = [c for c in compared if c != "commune_id" and str(before[c]) != str(row[c])]
        where, _, line = row["input_ref"].rpartition(":")
        sheet = where[len(Path(path).name) + 1 : -1] if where.endswith("]") else None
        problems.append(
            Problem(
                path,
                "commune_duplicate" if differ else "commune_duplicate_same",
                row=int(line),
                column="commune_id",
                sheet=sheet,
                params={
                    "value": row["commune_id"],
                    "ref": before["input_ref"],
                    "columns": ", ".join(differ),
                },
                severity="error" if differ else "warning",
            )
        )
    return dup, problems


# The register last read in this process, by its file's path and stat stamp, the size limit
# and the language then: (the register, its problems). A command that lives on (`ntm report
# --watch`) reads the register again only when its file changed; each caller gets a copy.
_last: dict[tuple, tuple[pd.DataFrame, list[Problem]]] = {}


def read_register(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The register's communes (each once) and every problem found, located."""
    stamp = settled_stamp(path)  # before it is read: a change meanwhile is seen next time
    try:
        key = (str(path), stamp, max_bytes(), current_lang())  # numbers read by the language
    except SettingError:
        key = None  # read_tables says what is wrong
    key = None if stamp is None else key
    if key is None or key not in _last:
        _last.clear()
        register, problems = _read_register(path)
        if key is None:
            return register, problems
        _last[key] = (register, problems)
    register, problems = _last[key]
    return register.copy(), list(problems)


def _read_register(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    tables, problems = read_tables(Path(path), "register")
    frames = []
    for table in tables:
        frame, found = _read_table(table)
        frames.append(frame)
        problems += found
    register = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    if tables and register.empty and not any(p.severity == "error" for p in problems):
        problems.append(Problem(str(path), "register_empty", row=None))
    cols = COLUMNS + [c for c in OPTIONAL if c in register]
    dup, found = _duplicates(register, str(path))
    problems += found
    return register.loc[~dup, cols].reset_index(drop=True), problems


def named_communes(problems: list[Problem], register: pd.DataFrame) -> list[Problem]:
    """The problems with the name of the commune they are about, as the register has it: an
    officer knows «Đức Chính» before «10912»."""
    if "name" not in register:
        return problems
    names = dict(zip(register["commune_id"], register["name"].astype(str)))
    return [
        replace(p, context=p.context | {"commune_name": names[p.context["commune_id"]]})
        if names.get(p.context.get("commune_id"), "").strip()
        else p
        for p in problems
    ]
