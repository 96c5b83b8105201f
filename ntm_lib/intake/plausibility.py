"""A typing slip never becomes a verdict: each value is checked against its unit.

The units of `criteria/regions.yaml` declare their plausible range and the slips officers make
with them (a share typed as a fraction, an income typed in đồng, a count with decimals, a '%'
after an income). A value that looks like a slip is refused with its cell, and where the
intended value can be guessed the message gives it as a hint; the officer corrects the file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..criteria.catalogue import units
from .values import map_text

# An income at or above this many "million đồng" was typed in đồng, or in thousand đồng.
DONG, THOUSAND_DONG = 1_000_000, 1_000


def slips(
    code: pd.Series,
    value: pd.Series,
    has_percent: pd.Series,
    flag: pd.Series,
    unit_of: dict[str, str],
) -> dict[str, tuple[pd.Series, pd.Series | None]]:
    """For each kind of slip, the cells that show it and (where it can be guessed) the value
    meant. All series share the data table's index; `flag` is the Excel cell kind."""
    unit = map_text(code, lambda c: c.map(unit_of).fillna(""))
    spec = units()
    explicit_percent = has_percent | (flag == "percent")
    out: dict[str, tuple[pd.Series, pd.Series | None]] = {}
    none = pd.Series(False, index=value.index)

    def add(key: str, mask: pd.Series, hint: pd.Series | None = None) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            prev, prev_hint = out.get(key, (none, None))
            out[key] = (prev | mask, hint if hint is not None else prev_hint)

    for name, u in spec.items():
        mine = unit == name
        if not mine.any() or u["kind"] == "yes_no":
            continue
        v = value.where(mine)
        if not u.get("percent_sign", False):
            add("value_percent_sign", mine & has_percent)
        kinds = set(u.get("slips", []))
        if "fraction" in kinds:
            add("value_fraction", (v > 0) & (v < 1) & ~explicit_percent, v * 100)
        if "whole" in kinds:
            add("value_not_whole", v.notna() & (v != np.floor(v.fillna(0))))
        low, high = u.get("plausible", {}).get("min"), u.get("plausible", {}).get("max")
        too_high = (v > high) if high is not None else none
        if "dong" in kinds:
            in_dong = too_high & (v >= DONG)
            in_thousands = too_high & ~in_dong & (v >= THOUSAND_DONG)
            add("value_in_dong", in_dong, v / DONG)
            add("value_in_thousand_dong", in_thousands, v / THOUSAND_DONG)
            too_high = too_high & ~in_dong & ~in_thousands
        if u["kind"] == "percent":
            continue  # the 0-100 range has its own message (value_percent_range)
        if low is not None and low >= 0 and u["kind"] == "number":
            add("value_negative", v < 0)
            add("value_implausible", (v >= 0) & (v < low))
        elif low is not None:
            add("value_implausible", v < low)
        add("value_implausible", too_high)
    return out


def range_text(unit: str, lang: str | None = None) -> str:
    """'1 – 1.000' for the unit's plausible range, in the language's number format."""
    r = units()[unit].get("plausible", {})
    low = fmt.number(r["min"], lang) if r.get("min") is not None else "…"
    high = fmt.number(r["max"], lang) if r.get("max") is not None else "…"
    return f"{low} – {high}"
