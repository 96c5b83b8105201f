"""Reading what officers type: a commune register and long-form indicator data, CSV or Excel,
checked against a criteria set, with every problem reported at once, located.

The steps live in their own modules: intake.sheets (files to grids), intake.table (grids to
located tables), intake.register, intake.indicator_data, intake.plausibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..criteria.catalogue import CriteriaSet
from ..errors import InputError, Problem, cap_problems
from .indicator_data import PROOF_COLUMNS, proof_date, read_data
from .register import (
    DOCUMENT_COLUMNS,
    category_lookup,
    named_communes,
    read_register,
    region_lookup,
)
from .table import MAX_SAME_PROBLEM, Table, read_tables
from .values import fold, fold_series

# Names other modules import from here.
__all__ = [
    "DOCUMENT_COLUMNS",
    "MAX_SAME_PROBLEM",
    "PROOF_COLUMNS",
    "Inputs",
    "Table",
    "category_lookup",
    "load_inputs",
    "proof_date",
    "read_data",
    "read_register",
    "read_tables",
    "region_lookup",
]


@dataclass
class Inputs:
    register: pd.DataFrame
    data: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


def _row(ref: str) -> int:
    return int(ref.rsplit(":", 1)[1])


def _province_problems(register: pd.DataFrame, path: str, cset: CriteriaSet) -> list[Problem]:
    """Communes of another province than the one a provincial set applies to."""
    if not cset.province:
        return []
    other = fold_series(register["province"]) != fold(cset.province)
    return [
        Problem(
            path,
            "commune_other_province",
            row=_row(ref),
            column="province",
            params={"value": province, "set_id": cset.id, "province": cset.province},
        )
        for ref, province in zip(register.loc[other, "input_ref"], register.loc[other, "province"])
    ]


def _group_problems(register: pd.DataFrame, path: str, cset: CriteriaSet) -> list[Problem]:
    """Communes without a group 1-3, for a set whose thresholds depend on it."""
    if not cset.uses_groups:
        return []
    given = register["group"] if "group" in register else pd.Series("", index=register.index)
    missing = ~pd.to_numeric(given, errors="coerce").isin([1, 2, 3])
    return [
        Problem(
            path,
            "commune_group_missing",
            row=_row(ref),
            column="group",
            params={"value": value, "set_id": cset.id},
        )
        for ref, value in zip(register.loc[missing, "input_ref"], given[missing])
    ]


def load_inputs(
    data_paths: list[str | Path], communes_path: str | Path, cset: CriteriaSet
) -> Inputs:
    """Register and data, validated against `cset`; raises InputError listing every problem."""
    register, problems = read_register(communes_path)
    problems += _province_problems(register, str(communes_path), cset)
    problems += _group_problems(register, str(communes_path), cset)
    data, found = read_data(data_paths, cset, register)
    problems += found
    if data.empty and not found:
        problems.append(Problem(", ".join(map(str, data_paths)), "data_empty"))
    problems = named_communes(cap_problems(problems, MAX_SAME_PROBLEM), register)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    data["year"] = data["year"].astype(int)
    # Few distinct communes and codes over many rows: categoricals are smaller and faster.
    data["commune_id"] = data["commune_id"].astype("category")
    data["indicator"] = data["indicator"].astype("category")
    return Inputs(register, data, [p for p in problems if p.severity == "warning"])
