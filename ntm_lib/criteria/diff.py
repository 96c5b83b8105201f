"""What one criteria set changes from another, value by value.

Both sets are laid out as their indicator x zone x year grids (criteria.spreadsheet.cells);
every cell whose threshold, state, rule or evidence differs is one row, and an indicator that
only one set has is one row per cell. Pure: the page and the CSV are made by the caller.
"""

from __future__ import annotations

import pandas as pd

from .catalogue import CriteriaSet
from .spreadsheet import cells

KEY = ["indicator", "region", "group", "year"]
COMPARED = [
    "name_vi",
    "unit",
    "op",
    "state",
    "value",
    "evidence",
    "document",
    "article",
    "quote",
    "url",
    "checked_by",
    "checked_on",
]
COLUMNS = ["indicator", "region", "group", "year", "field", "a", "b"]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def diff(a: CriteriaSet, b: CriteriaSet) -> pd.DataFrame:
    """One row per (cell, field) that differs: the value in `a` and the value in `b`."""
    left = cells(a)
    right = cells(b)
    left, right = (
        f[f["indicator"] != ""].assign(group=f["group"].map(_text), year=f["year"].map(_text))
        for f in (left, right)
    )
    merged = left.merge(right, on=KEY, how="outer", suffixes=("_a", "_b"), indicator=True)
    rows = []
    for r in merged.to_dict(orient="records"):
        where = {k: r[k] for k in KEY}
        if r["_merge"] != "both":
            side = "a" if r["_merge"] == "left_only" else "b"
            rows.append(
                where
                | {
                    "field": "indicator",
                    "a": r["indicator"] if side == "a" else "",
                    "b": r["indicator"] if side == "b" else "",
                }
            )
            continue
        for field in COMPARED:
            va, vb = _text(r[f"{field}_a"]), _text(r[f"{field}_b"])
            if va != vb:
                rows.append(where | {"field": field, "a": va, "b": vb})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(KEY + ["field"], kind="stable").reset_index(drop=True)
