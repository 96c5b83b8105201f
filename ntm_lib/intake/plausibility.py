"""A typing slip never becomes a verdict, and a real value is never refused as one.

The units of `criteria/regions.yaml` declare their plausible range and the slips officers make
with them (a share typed as a fraction, an income typed in đồng, a count with decimals, a '%'
after an income). A value that looks like a slip is refused with its cell, and where the
intended value can be guessed the message gives it as a hint; the officer corrects the file.

A share typed as a fraction is judged by the file, not by a lone value: by the column of that
indicator across the table's rows. 0 is never a slip; a value typed with '%' or held in an
Excel percent cell is a percentage. For a share that should be high (coverage, `≥ 90 %`), a
column whose every value lies between 0 and 1 is a column of fractions, and a lone value below
1 among percentages is one when, times 100, it reaches half the lowest of them (0,96 beside 95
and 97, 0,9 beside 55; but 0,02 beside 45 and 60 may be a real 0,02 %, and a real small share
is best typed with its sign, as the README asks). For a share that should be low (poverty,
stunting: `≤` a few %), small values are real: only a column whose every value lies below a
hundredth of the smallest threshold is a column of fractions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fmt
from ..criteria.catalogue import units
from .values import distinct, map_text

# An income at or above this many "million đồng" was typed in đồng, or in thousand đồng.
DONG, THOUSAND_DONG = 1_000_000, 1_000
LOWER_IS_BETTER = ("<=", "<")
# A value below 1 is a fraction when, times 100, it is at least the lowest percentage of its
# column divided by this.
AMONG_FACTOR = 2
# A table whose coverage shares number at least this many, every one of them 1: 100 % typed
# as a fraction (one 1 % coverage is possible; all of them are not).
ALL_ONE_MIN = 3

Found = dict[str, tuple[pd.Series, pd.Series | None]]


@dataclass(frozen=True)
class Direction:
    """What a share's rule says about its plausible scale: its comparison and the thresholds
    known anywhere in the set (every region, group and year)."""

    op: str
    thresholds: tuple[float, ...] = ()

    @property
    def lower_is_better(self) -> bool:
        return self.op in LOWER_IS_BETTER

    def fraction_bound(self) -> float | None:
        """Values at or below this, all of a column, are fractions; None: never."""
        if not self.lower_is_better:
            return 1.0
        known = [t for t in self.thresholds if t > 0]
        return min(known) / 100 if known else None


def _stats(ids: np.ndarray, v: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Per cell, the min and max of its indicator's column of `v` (NaN skipped)."""
    stats = pd.Series(v).groupby(ids).agg(["min", "max"]).reindex(range(n))
    return {k: stats[k].to_numpy(float)[ids] for k in ("min", "max")}


def _judge(ids: np.ndarray, v: np.ndarray, per_code: list[Direction]) -> np.ndarray:
    """Of plain values `v` of the indicators `ids`, those that are fractions (see
    fraction_slips)."""
    n = len(per_code)
    col, big = _stats(ids, v, n), _stats(ids, np.where(v > 1, v, np.nan), n)
    bound = np.array([d.fraction_bound() for d in per_code], dtype=float)[ids]
    lower = np.array([d.lower_is_better for d in per_code], dtype=bool)[ids]
    with np.errstate(invalid="ignore"):
        whole_column = (col["max"] <= bound) & (lower | (col["min"] < 1))
        among = ~lower & (v < 1) & (v * 100 >= big["min"] / AMONG_FACTOR)
    return whole_column | among


def fraction_slips(
    code: pd.Series,
    value: pd.Series,
    explicit_percent: pd.Series,
    directions: dict[str, Direction] | None = None,
) -> pd.Series:
    """Shares (of one unit) typed as fractions, judged by each indicator's column. Cells not
    to judge are NaN in `value`. Only the columns holding a value at most 1 are looked at."""
    directions = directions or {}
    values = value.to_numpy(float)
    with np.errstate(invalid="ignore"):
        plain = ~explicit_percent.fillna(False).to_numpy(bool) & (values > 0)
    out = np.zeros(len(values), dtype=bool)
    if not (plain & (values <= 1)).any():
        return pd.Series(out, index=value.index)
    code_ids, uniques = distinct(code)
    rows = plain & np.isin(code_ids, np.unique(code_ids[plain & (values <= 1)]))
    per_code = [directions.get(c, Direction(">=")) for c in uniques]
    out[rows] = _judge(code_ids[rows], values[rows], per_code)
    return pd.Series(out, index=value.index)


def all_shares_one(
    code: pd.Series, value: pd.Series, explicit_percent: pd.Series, coverage: set[str]
) -> pd.Series | None:
    """The coverage shares of a table, if there are enough of them and every one is 1."""
    plain = value.notna() & ~explicit_percent.fillna(False).astype(bool) & (value != 0)
    mine = value[plain & code.isin(list(coverage))]
    return mine if len(mine) >= ALL_ONE_MIN and (mine <= 1).all() else None


class _Slips:
    """The slips found so far: key -> (cells, the value meant where it can be guessed)."""

    def __init__(self, index: pd.Index):
        self.found: Found = {}
        self.none = pd.Series(False, index=index)

    def add(self, key: str, mask: pd.Series, hint: pd.Series | None = None) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            prev, prev_hint = self.found.get(key, (self.none, None))
            self.found[key] = (prev | mask, hint if hint is not None else prev_hint)


def _dong(out: _Slips, v: pd.Series, too_high: pd.Series) -> pd.Series:
    """An amount typed in đồng or thousand đồng: the rest of what is too high."""
    in_dong = too_high & (v >= DONG)
    in_thousands = too_high & ~in_dong & (v >= THOUSAND_DONG)
    out.add("value_in_dong", in_dong, v / DONG)
    out.add("value_in_thousand_dong", in_thousands, v / THOUSAND_DONG)
    return too_high & ~in_dong & ~in_thousands


def _range(out: _Slips, u: dict, v: pd.Series, too_high: pd.Series) -> None:
    low = u.get("plausible", {}).get("min")
    if low is not None and low >= 0 and u["kind"] == "number":
        out.add("value_negative", v < 0)
        out.add("value_implausible", (v >= 0) & (v < low))
    elif low is not None:
        out.add("value_implausible", v < low)
    out.add("value_implausible", too_high)


def _unit_slips(out: _Slips, u: dict, mine: pd.Series, cells: dict) -> None:
    v = cells["value"].where(mine)
    if not u.get("percent_sign", False):
        out.add("value_percent_sign", mine & cells["has_percent"])
    kinds = set(u.get("slips", []))
    if "fraction" in kinds:
        mask = fraction_slips(cells["code"], v, cells["explicit"], cells["directions"])
        out.add("value_fraction", mask, v * 100)
    if "whole" in kinds:
        out.add("value_not_whole", v.notna() & (v != np.floor(v.fillna(0))))
    high = u.get("plausible", {}).get("max")
    too_high = (v > high) if high is not None else out.none
    if "dong" in kinds:
        too_high = _dong(out, v, too_high)
    if u["kind"] != "percent":  # the 0-100 range has its own message (value_percent_range)
        _range(out, u, v, too_high)


def slips(
    code: pd.Series,
    value: pd.Series,
    has_percent: pd.Series,
    flag: pd.Series,
    unit_of: dict[str, str],
    directions: dict[str, Direction] | None = None,
) -> Found:
    """For each kind of slip, the cells that show it and (where it can be guessed) the value
    meant. All series share the data table's index; `flag` is the Excel cell kind;
    `directions` the rule of each code (a share without one is judged as a coverage)."""
    unit = map_text(code, lambda c: c.map(unit_of).fillna(""))
    cells = {
        "code": code,
        "value": value,
        "has_percent": has_percent,
        "explicit": has_percent | (flag == "percent"),
        "directions": directions,
    }
    out = _Slips(value.index)
    for name, u in units().items():
        mine = unit == name
        if u["kind"] != "yes_no" and mine.any():
            _unit_slips(out, u, mine, cells)
    return out.found


def range_text(unit: str, lang: str | None = None) -> str:
    """'1 – 1.000' for the unit's plausible range, in the language's number format."""
    r = units()[unit].get("plausible", {})
    low = fmt.number(r["min"], lang) if r.get("min") is not None else "…"
    high = fmt.number(r["max"], lang) if r.get("max") is not None else "…"
    return f"{low} – {high}"
