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

import numpy as np
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
    doc = rows["proof_document"].astype(str).str.strip()
    num = rows["proof_number"].astype(str).str.strip()
    date = pd.to_datetime(rows["proof_date"].astype(str).replace("", None), errors="coerce")
    end = dt.date(int(year), 12, 31)
    limit = pd.Timestamp(end) - pd.DateOffset(months=max_age_months)
    status = np.where(
        (doc == "") & (num == ""),
        "missing",
        np.where(date.isna(), "undated", np.where(date < limit, "stale", "ok")),
    )
    return pd.Series(status, index=rows.index)


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
    out["proof_status"] = proof_status(out, year, max_age_months)
    # a value nobody entered has nothing to prove
    out.loc[out["status"].astype(str).isin(["missing"]), "proof_status"] = "no_value"
    return out
