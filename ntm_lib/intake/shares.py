"""The `--shares` file of `ntm merge`: for an old commune split between new ones, the share of
it each new commune took (`old_code, new_code, share`), read through the same intake as every
table a person types.

A share is a fraction of the old commune: `0,25`, `25%`, `25 %` and an Excel cell formatted as
a percentage all mean a quarter. Plain numbers are judged by the file: shares all at most 1 are
fractions, shares all above 1 (`25`, `75`) are percentages; a file mixing both is refused at
the cells that do not fit. An old commune's shares may not add up to more than the whole.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import InputError, Problem, cap_problems
from ..i18n import t
from .table import MAX_SAME_PROBLEM, Table, problems_for, read_tables, refs
from .values import cell_numbers, has_percent_sign, is_blank

COLUMNS = ["old_code", "new_code", "share", "input_ref"]
# Shares of one old commune may exceed the whole by rounding (33,33 % three times) only.
SUM_TOLERANCE = 0.005


def _scale(value: pd.Series, explicit: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Shares as fractions, and the plain cells that do not fit the file's scale."""
    plain = value.notna() & ~explicit & (value != 0)
    above_one, fraction = plain & (value > 1), plain & (value > 0) & (value < 1)
    percent_file = above_one.any() and not fraction.any()
    share = value.where(~(explicit | percent_file), value / 100)
    misfit = above_one if fraction.any() else pd.Series(False, index=value.index)
    return share.where(~misfit), misfit


def _read_table(table: Table) -> tuple[pd.DataFrame, list[Problem]]:
    f = table.frame
    for col in f.columns:
        f[col] = f[col].str.strip().str.normalize("NFC")
    f = f[(f[["old_code", "new_code", "share"]] != "").any(axis=1)]
    problems = []
    for col in ("old_code", "new_code"):
        problems += problems_for(table, f[col] == "", "shares_code_empty", col)
    text, flag = f["share"], table.flag("share", f.index)
    value = cell_numbers(text, flag)
    blank = is_blank(text).astype(bool)
    explicit = has_percent_sign(text).astype(bool) | (flag == "percent")
    problems += problems_for(table, blank, "shares_empty", "share")
    problems += problems_for(
        table,
        value.isna() & ~blank,
        "value_not_number",
        "share",
        examples=t("number_examples_percent"),
    )
    share, misfit = _scale(value, explicit)
    problems += problems_for(table, misfit, "shares_scale_mixed", "share")
    outside = ~misfit & ((share < 0) | (share > 1))
    problems += problems_for(table, outside, "shares_out_of_range", "share")
    share = share.where(~outside)
    out = pd.DataFrame(
        {
            "old_code": f["old_code"],
            "new_code": f["new_code"],
            "share": share,
            "input_ref": refs(table, f.index),
        }
    )
    return out, problems


def _pair_problems(shares: pd.DataFrame, path: str) -> list[Problem]:
    """The same old and new commune twice: a warning if the shares agree, else an error;
    both rows named."""
    problems = []
    for (old, new), group in shares.groupby(["old_code", "new_code"], sort=True):
        if len(group) < 2:
            continue
        agree = group["share"].nunique(dropna=False) == 1
        problems.append(
            Problem(
                path,
                "shares_duplicate_same" if agree else "shares_duplicate_conflict",
                params={"old": old, "new": new, "refs": ", ".join(group["input_ref"])},
                severity="warning" if agree else "error",
            )
        )
    return problems


def _sum_problems(shares: pd.DataFrame, path: str) -> list[Problem]:
    """An old commune whose shares add up to more than the whole."""
    first = shares.drop_duplicates(["old_code", "new_code"])
    totals = first.groupby("old_code")["share"].sum()
    return [
        Problem(
            path,
            "shares_sum_over_one",
            params={
                "old": old,
                "total": fmt.number(total * 100, None, 3),
                "refs": ", ".join(first.loc[first["old_code"] == old, "input_ref"]),
            },
        )
        for old, total in totals.items()
        if np.isfinite(total) and total > 1 + SUM_TOLERANCE
    ]


def read_shares(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The shares of a `--shares` file (as fractions), the first of equal rows kept; and
    every problem found, located."""
    tables, problems = read_tables(Path(path), "shares")
    frames = []
    for table in tables:
        frame, found = _read_table(table)
        frames.append(frame)
        problems += found
    shares = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    problems += _pair_problems(shares, str(path))
    problems += _sum_problems(shares, str(path))
    shares = shares.drop_duplicates(["old_code", "new_code"]).reset_index(drop=True)
    return shares, problems


def load_shares(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """`read_shares`, raising InputError listing every problem if any is an error; else the
    shares and the warnings."""
    shares, problems = read_shares(path)
    problems = cap_problems(problems, MAX_SAME_PROBLEM)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    return shares, problems
