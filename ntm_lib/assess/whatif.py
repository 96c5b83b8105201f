"""What if: change indicator values or thresholds and see which verdicts flip.

Used by the training notebook ("if waste sorting rises from 45% to 55%, which criteria
change?") and by researchers testing how sensitive a district's results are to a threshold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from ..criteria.catalogue import CriteriaSet
from ..criteria.schema import Rule
from .scoring import Assessment, score


@dataclass
class WhatIf:
    before: Assessment
    after: Assessment
    communes: pd.DataFrame  # commune-years whose status changed
    criteria: pd.DataFrame  # commune-year-criteria whose status changed
    indicators: pd.DataFrame  # commune-year-indicators whose status changed


def with_thresholds(cset: CriteriaSet, thresholds: dict[str, float]) -> CriteriaSet:
    """The set with the given indicators' thresholds replaced by single values (the rule's
    comparator is kept)."""
    unknown = sorted(set(thresholds) - {i.code for i in cset.indicators})
    if unknown:
        raise KeyError(f"unknown indicators: {', '.join(unknown)}")
    criteria = tuple(
        dataclasses.replace(
            c,
            indicators=tuple(
                dataclasses.replace(i, rule=Rule(op=i.rule.op, threshold=float(thresholds[i.code])))
                if i.code in thresholds
                else i
                for i in c.indicators
            ),
        )
        for c in cset.criteria
    )
    return dataclasses.replace(cset, criteria=criteria)


def with_values(data: pd.DataFrame, values: dict[tuple, float]) -> pd.DataFrame:
    """The data with values set for (commune_id, year, indicator) keys (added if absent)."""
    out = data.copy()
    out["commune_id"] = out["commune_id"].astype(str)
    out["indicator"] = out["indicator"].astype(str)
    index = {k: n for n, k in enumerate(zip(out["commune_id"], out["year"], out["indicator"]))}
    extra = []
    for (cid, year, code), value in values.items():
        key = (str(cid), int(year), str(code))
        if key in index:
            out.loc[out.index[index[key]], "value"] = float(value)
        else:
            extra.append(
                {
                    "commune_id": key[0],
                    "year": key[1],
                    "indicator": key[2],
                    "value": float(value),
                    "input_ref": "what-if",
                }
            )
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
    out["input_ref"] = out["input_ref"].fillna("what-if")
    return out


def _flipped(before: pd.DataFrame, after: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    b = before.assign(**{k: before[k].astype(str) for k in keys if k != "year"})
    a = after.assign(**{k: after[k].astype(str) for k in keys if k != "year"})
    both = b[keys + ["status"]].merge(
        a[keys + ["status"]], on=keys, how="outer", suffixes=("_before", "_after")
    )
    changed = both["status_before"].astype(str) != both["status_after"].astype(str)
    return both[changed].reset_index(drop=True)


def what_if(
    cset: CriteriaSet,
    register: pd.DataFrame,
    data: pd.DataFrame,
    values: dict[tuple, float] | None = None,
    thresholds: dict[str, float] | None = None,
    communes: list[str] | None = None,
    years: list[int] | None = None,
) -> WhatIf:
    """Score as is and with the changes; report every verdict that flips."""
    if communes is not None:
        data = data[data["commune_id"].isin([str(c) for c in communes])]
    before = score(cset, register, data, years=years)
    changed_set = with_thresholds(cset, thresholds) if thresholds else cset
    changed_data = with_values(data, values) if values else data
    after = score(changed_set, register, changed_data, years=years)
    return WhatIf(
        before,
        after,
        _flipped(before.communes, after.communes, ["commune_id", "year"]),
        _flipped(before.criteria, after.criteria, ["commune_id", "year", "criterion"]),
        _flipped(before.indicators, after.indicators, ["commune_id", "year", "indicator"]),
    )
