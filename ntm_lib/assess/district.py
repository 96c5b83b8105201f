"""A district (or province) at a glance: pure functions of an Assessment and the register."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet
from .scoring import Assessment
from .views import relative_gap


def _collate(name: str) -> tuple:
    """Vietnamese alphabetical order, near enough: by letters without tones, then as written."""
    from ..intake.values import fold

    return fold(name), name


def communes_in(
    register: pd.DataFrame, district: str | None = None, province: str | None = None
) -> list[str]:
    from ..intake.values import fold

    reg = register
    if district:
        reg = reg[reg["district"].map(fold) == fold(district)]
    if province:
        reg = reg[reg["province"].map(fold) == fold(province)]
    return sorted(reg["commune_id"])


def _of(frame: pd.DataFrame, communes: list[str], year: int) -> pd.DataFrame:
    out = frame[(frame["year"] == year) & frame["commune_id"].isin(communes)].copy()
    out["commune_id"] = out["commune_id"].astype(str)
    return out


def overview(a: Assessment, communes: list[str], year: int) -> dict:
    com = _of(a.communes, communes, year)
    met = com["status"] == "met"
    out = {
        "communes": len(com),
        "met": int(met.sum()),
        "mean_criteria_met": float(com["criteria_met"].mean()) if len(com) else np.nan,
    }
    if "at_risk" in com:  # annotated assessments (assess.warning)
        out["met_at_risk"] = int((met & (com["at_risk"] > 0)).sum())
        out["met_fragile"] = int((met & (com["fragile"] > 0)).sum())
        out["at_risk"] = int((com["at_risk"] > 0).sum())
        out["fragile_verdicts"] = int(com["fragile"].sum())
    return out


def at_risk(a: Assessment, register: pd.DataFrame, communes: list[str], year: int) -> pd.DataFrame:
    """Communes that meet the set this year but hold a met indicator at risk next year, with
    those indicators; and how many of their verdicts are borderline."""
    com = _of(a.communes, communes, year)
    com = com[(com["status"] == "met") & ((com["at_risk"] > 0) | (com["fragile"] > 0))]
    ind = _of(a.indicators, communes, year)
    risky = (
        ind[ind["at_risk"]]
        .groupby("commune_id")["indicator"]
        .agg(lambda s: ", ".join(s.astype(str)))
    )
    names = register.set_index("commune_id")["name"]
    out = pd.DataFrame(
        {
            "commune_id": com["commune_id"],
            "name": com["commune_id"].map(names),
            "at_risk": com["at_risk"],
            "indicators": com["commune_id"].map(risky).astype(object),
            "fragile": com["fragile"],
        }
    )
    return (
        out.fillna({"indicators": ""})
        .sort_values(["at_risk", "fragile", "commune_id"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def criteria_summary(
    a: Assessment, cset: CriteriaSet, communes: list[str], year: int
) -> pd.DataFrame:
    """Per criterion: communes that meet it, that do not, that lack data; hardest first
    ("tiêu chí khó đạt": the criteria that block the most communes)."""
    crit = _of(a.criteria, communes, year)
    crit["criterion"] = crit["criterion"].astype(str)
    counts = crit.groupby("criterion")["status"].value_counts().unstack(fill_value=0)
    out = pd.DataFrame(
        {
            "criterion": [c.number for c in cset.criteria],
            "name_vi": [c.name["vi"] for c in cset.criteria],
            "name_en": [c.name["en"] for c in cset.criteria],
            "order": range(len(cset.criteria)),
        }
    )
    for status in ("met", "not_met", "incomplete", "not_applicable"):
        out[status] = (
            out["criterion"].map(counts[status] if status in counts else {}).fillna(0).astype(int)
        )
    out["blocked"] = out["not_met"] + out["incomplete"]
    return (
        out.sort_values(["blocked", "order"], ascending=[False, True])
        .drop(columns="order")
        .reset_index(drop=True)
    )


def status_matrix(
    a: Assessment, cset: CriteriaSet, register: pd.DataFrame, communes: list[str], year: int
) -> pd.DataFrame:
    """Commune (by name) × criterion status codes, for the heat map."""
    crit = _of(a.criteria, communes, year)
    crit["criterion"] = crit["criterion"].astype(str)
    matrix = crit.pivot(index="commune_id", columns="criterion", values="status")
    matrix = matrix.reindex(columns=[c.number for c in cset.criteria])
    names = register.set_index(register["commune_id"])["name"]
    matrix.index = [names.get(c, c) for c in matrix.index]
    return matrix.loc[sorted(matrix.index, key=_collate)]


def indicator_gaps(
    a: Assessment, cset: CriteriaSet, communes: list[str], year: int
) -> pd.DataFrame:
    """Indicators ranked by the district's total relative gap (sum over its communes of
    gap ÷ threshold; an unmet yes/no indicator counts 1), with how many communes miss each."""
    ind = _of(a.indicators, communes, year)
    kinds = {i.code: i.unit_kind for i in cset.indicators}
    ind = ind.assign(indicator=ind["indicator"].astype(str))
    ind = ind.assign(unit_kind=ind["indicator"].map(kinds))
    ind = ind.assign(relative_gap=relative_gap(ind))
    unmet = ind[ind["status"] == "not_met"]
    out = (
        unmet.groupby("indicator")
        .agg(
            communes_not_met=("commune_id", "nunique"),
            total_relative_gap=("relative_gap", "sum"),
            total_gap=("gap", "sum"),
        )
        .reset_index()
    )
    names = {i.code: i.name for i in cset.indicators}
    out["name_vi"] = out["indicator"].map(lambda c: names[c]["vi"])
    out["name_en"] = out["indicator"].map(lambda c: names[c]["en"])
    out["total_relative_gap"] = out["total_relative_gap"].round(6)
    order = {c: n for n, c in enumerate(kinds)}
    out["order"] = out["indicator"].map(order)
    return (
        out.sort_values(["total_relative_gap", "order"], ascending=[False, True])
        .drop(columns="order")
        .reset_index(drop=True)
    )


def key_values(
    a: Assessment, cset: CriteriaSet, register: pd.DataFrame, communes: list[str], year: int
) -> pd.DataFrame:
    """Values of the set's key indicators for each commune, with their thresholds."""
    ind = _of(a.indicators, communes, year)
    ind = ind[ind["indicator"].astype(str).isin(cset.key_indicators)]
    names = register.set_index(register["commune_id"])["name"]
    return pd.DataFrame(
        {
            "commune": ind["commune_id"].map(names),
            "indicator": ind["indicator"].astype(str),
            "value": ind["value"].astype(float),
            "threshold": ind["threshold"].astype(float),
            "status": ind["status"].astype(str),
        }
    ).reset_index(drop=True)


def change_since(
    a: Assessment, register: pd.DataFrame, communes: list[str], year: int
) -> pd.DataFrame:
    """Each commune's criteria met and status this year and the year before."""
    now = _of(a.communes, communes, year).set_index("commune_id")
    before = _of(a.communes, communes, year - 1).set_index("commune_id")
    names = register.set_index(register["commune_id"])["name"]
    out = pd.DataFrame(
        {
            "commune": [names.get(c, c) for c in now.index],
            "criteria_met_before": before["criteria_met"].reindex(now.index).to_numpy(),
            "criteria_met": now["criteria_met"].to_numpy(),
            "status_before": before["status"].reindex(now.index).astype(object).to_numpy(),
            "status": now["status"].astype(str).to_numpy(),
        },
        index=now.index,
    )
    out["change"] = out["criteria_met"] - out["criteria_met_before"]
    out = out.reset_index(names="commune_id")
    return out.sort_values("commune", key=lambda s: s.map(_collate)).reset_index(drop=True)
