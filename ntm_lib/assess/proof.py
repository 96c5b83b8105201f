"""The evidence behind each value: which values have a document proving them, and whether it
is recent enough to stand in a recognition dossier.

The data may carry, per row, the document that proves the value (proof_document, its number
proof_number, its date proof_date, where it is kept proof_kept_at). A value is `missing` its
evidence with neither a document nor a number; `stale` when the document is dated more than
MAX_AGE_MONTHS before the end of the year assessed; `undated` when it has a document but no
date; else `ok`. The legal list of a dossier's documents (Decision 18/2022/QĐ-TTg) is not
encoded: the dossier lists the indicators and the evidence of each.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..criteria.catalogue import CriteriaSet
from .scoring import Assessment

MAX_AGE_MONTHS = 24
# The columns of a dossier's rows, beside the indicator's names and its evidence's status.
SHOWN = [
    "criterion",
    "indicator",
    "value",
    "unit",
    "rule",
    "threshold",
    "status",
    "proof_document",
    "proof_number",
    "proof_date",
    "proof_kept_at",
    "input_ref",
]
DOSSIER_BASIS = "18/2022/QĐ-TTg"


def proof_status(rows: pd.DataFrame, year: int, max_age_months: int = MAX_AGE_MONTHS) -> pd.Series:
    """missing / undated / stale / ok for each indicator row (yes/no and measured alike)."""
    status = statuses(
        rows["proof_document"].tolist(),
        rows["proof_number"].tolist(),
        rows["proof_date"].tolist(),
        year,
        max_age_months,
    )
    return pd.Series(status, index=rows.index)


def statuses(documents: list, numbers: list, dates: list, year: int, max_age_months: int) -> list:
    """`proof_status` of each row, from its columns as lists (a page's few dozen rows: plain
    Python, several times quicker than pandas' string and date methods)."""
    end = dt.date(int(year), 12, 31)
    limit = (pd.Timestamp(end) - pd.DateOffset(months=max_age_months)).date()
    when = _dates([str(d) for d in dates])
    return [
        "missing"
        if str(doc).strip() == "" and str(num).strip() == ""
        else "undated"
        if day is None
        else "stale"
        if day < limit
        else "ok"
        for doc, num, day in zip(documents, numbers, when)
    ]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dates(texts: list[str]) -> list:
    """Each text as a date, None when it is none, as `pandas.to_datetime(..., errors="coerce")`
    reads the column (empty: none): the ISO dates intake writes read directly, a column with
    anything else through pandas (which reads it by the form of its first date)."""
    if all(not t or ISO_DATE.fullmatch(t) for t in texts):
        return [_iso(t) for t in texts]
    parsed = pd.to_datetime(pd.Series(texts, dtype=object).replace("", None), errors="coerce")
    return [None if pd.isna(d) else d.date() for d in parsed]


def _iso(text: str):
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:  # a day that does not exist: pandas coerces it to none
        return None


def dossier(
    a: Assessment,
    cset: CriteriaSet,
    commune_id: str,
    year: int,
    max_age_months: int = MAX_AGE_MONTHS,
) -> pd.DataFrame:
    """One row per indicator of the commune in `year`: value, requirement, verdict, the
    evidence given and its status."""
    ind = a.indicators
    mask = (ind["commune_id"] == commune_id) & (ind["year"] == year)
    out = ind.loc[mask, SHOWN].reset_index(drop=True)  # only the columns shown: one copy
    codes = out["indicator"].astype(str).tolist()
    out.insert(2, "name_vi", [cset.indicator(c).name["vi"] for c in codes])
    out.insert(3, "name_en", [cset.indicator(c).name["en"] for c in codes])
    out["proof_status"] = with_values(
        proof_status(out, year, max_age_months).tolist(), out["status"].tolist()
    )
    return out


def with_values(proof: list, status: list) -> list:
    """`proof` but for values nobody entered: they have nothing to prove (no_value)."""
    return ["no_value" if str(s) == "missing" else p for p, s in zip(proof, status)]
