"""A roadmap for the unmet criteria, in priority order, within each year's budget by source.

Plan rows (one per solution) name an indicator or a criterion; the rows of one commune and
criterion form a *bundle*, funded as a whole in one year. Bundles are ordered by a score out of
100 whose parts are all written to the roadmap:

    score = 40·B + 25·B·(1 − G) + 20·U + 15·(1 − C)

- B (blocks): 1 if the criterion is not met now, so it blocks the commune's status; 0 for work
  that keeps a criterion already met.
- G (gap): mean relative gap (gap ÷ threshold, capped at 1; a missing value or an unmet yes/no
  indicator counts 1) of the unmet indicators the bundle covers: the closer, the sooner.
- U (unlock): unmet indicators the bundle covers, divided by the most any bundle of the commune
  covers.
- C (cost): the bundle's cost divided by the commune's most expensive bundle.

Ties go to the cheaper bundle, then to the criterion's order in the set. A general task (one
of a field of work: communication, training, credit...) is a bundle of its own, scored like work
that keeps a criterion (B = G = U = 0), after the criteria in the fields' order. Scheduling takes
the bundles in that order and funds each in the earliest plan year (after the data year) whose
remaining budget covers its amount from every source; unspent budget does not carry over. Work
that no year's budget covers is "not yet funded" (chưa bố trí được vốn): `funding` keeps it apart
from the total arranged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet
from ..intake.plans import GENERAL, SOURCES, work_fields
from .scoring import Assessment
from .views import relative_gap

WEIGHTS = {"blocks": 40, "gap": 25, "unlock": 20, "cost": 15}


@dataclass
class Roadmap:
    roadmap: pd.DataFrame  # one row per bundle, in priority order per commune
    summary: pd.DataFrame  # one row per commune: when it can reach the set's status
    budget_use: pd.DataFrame  # per commune, year and source: budget, used, left


# ---------------------------------------------------------------------------------------------
# Priorities


def _indicator_gaps(a: Assessment, cset: CriteriaSet, year: int) -> pd.DataFrame:
    ind = a.indicators[a.indicators["year"] == year]
    inds = {i.code: i for i in cset.indicators}
    ind = ind.assign(
        commune_id=ind["commune_id"].astype(str),
        indicator=ind["indicator"].astype(str),
        criterion=ind["criterion"].astype(str),
        unit_kind=ind["indicator"].astype(str).map(lambda c: inds[c].unit_kind),
    )
    return ind.assign(relative_gap=relative_gap(ind).where(ind["status"] != "missing", 1.0))


def _common(items: pd.DataFrame) -> dict:
    """What every bundle carries of its tasks: solutions, who, when, what it costs."""
    years = items["target_year"].dropna()
    return {
        "solution": " | ".join(items["solution"]),
        "responsible": " | ".join(dict.fromkeys(r for r in items["responsible"] if r)),
        "target_year": items["target_year"].max(),
        "deadline": str(int(years.max())) if len(years) else str(items["deadline"].iloc[0]),
        "difficulty": items["difficulty"].max(),
        **{c: round(float(items[c].sum()), 6) for c in ["cost"] + SOURCES},
        "input_refs": ", ".join(items["input_ref"]),
    }


def _criterion_bundle(cid, number, items, ind, crit_status, cset, order) -> dict:
    inds = [i.code for i in cset.indicators]
    names = {c.number: c.name for c in cset.criteria}
    status_now = crit_status.get((cid, number), "missing")
    mine = ind[(ind["commune_id"] == cid) & (ind["criterion"] == number)]
    unmet = mine[mine["status"].isin(["not_met", "missing"])]
    named = set(items["indicator"]) - {""}
    covered = unmet if (items["indicator"] == "").any() else unmet[unmet["indicator"].isin(named)]
    return {
        "commune_id": cid,
        "kind": "criterion",
        "criterion": number,
        "field": "",
        "name_vi": names[number]["vi"],
        "name_en": names[number]["en"],
        "status_now": status_now,
        "indicators": " ".join(sorted(named, key=inds.index)) or "*",
        "covers_all_unmet": len(covered) == len(unmet),
        **_common(items),
        "B": float(status_now in ("not_met", "incomplete")),
        "G": float(np.clip(covered["relative_gap"].mean(), 0, 1)) if len(covered) else 0.0,
        "unlocks": len(covered),
        "order": order[number],
    }


def _general_bundle(row: pd.DataFrame, first: int) -> dict:
    fields = work_fields()["fields"]
    key = str(row["field"].iloc[0]) or "other"
    return {
        "commune_id": str(row["commune_id"].iloc[0]),
        "kind": GENERAL,
        "criterion": "",
        "field": key,
        "name_vi": fields[key]["vi"],
        "name_en": fields[key]["en"],
        "status_now": "",
        "indicators": "",
        "covers_all_unmet": True,
        **_common(row),
        "B": 0.0,
        "G": 0.0,
        "unlocks": 0,
        "order": first + list(fields).index(key),
    }


def bundles(plan: pd.DataFrame, a: Assessment, cset: CriteriaSet, year: int) -> pd.DataFrame:
    """One row per commune and criterion of the plan, and one per general task, with its score
    and the score's parts."""
    crit = a.criteria[a.criteria["year"] == year]
    crit_status = {(str(r.commune_id), str(r.criterion)): str(r.status) for r in crit.itertuples()}
    ind = _indicator_gaps(a, cset, year)
    order = {c.number: n for n, c in enumerate(cset.criteria)}
    general = plan["kind"] == GENERAL if "kind" in plan else pd.Series(False, index=plan.index)
    rows = [
        _criterion_bundle(cid, number, items, ind, crit_status, cset, order)
        for (cid, number), items in plan[~general].groupby(["commune_id", "criterion"], sort=False)
    ]
    rows += [_general_bundle(plan.loc[[k]], len(order)) for k in plan.index[general]]
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    per = out.groupby("commune_id")
    max_u = per["unlocks"].transform("max")
    max_c = per["cost"].transform("max")
    out["U"] = np.where(max_u > 0, out["unlocks"] / max_u.where(max_u > 0, 1), 0.0)
    out["C"] = np.where(max_c > 0, out["cost"] / max_c.where(max_c > 0, 1), 0.0)
    w = WEIGHTS
    out["score"] = (
        w["blocks"] * out["B"]
        + w["gap"] * out["B"] * (1 - out["G"])
        + w["unlock"] * out["U"]
        + w["cost"] * (1 - out["C"])
    ).round(2)
    out = out.sort_values(
        ["commune_id", "score", "cost", "order"], ascending=[True, False, True, True], kind="stable"
    )
    out["priority"] = out.groupby("commune_id").cumcount() + 1
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Scheduling


def schedule(
    ordered: pd.DataFrame, budget: pd.DataFrame, start_year: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fund each bundle, in priority order, in the earliest year whose budget covers it."""
    scheduled, use = [], []
    for cid, items in ordered.groupby("commune_id", sort=True):
        mine = budget[(budget["commune_id"] == cid) & (budget["year"] >= start_year)]
        years = sorted(int(y) for y in mine["year"])
        left = {int(r.year): {s: float(getattr(r, s)) for s in SOURCES} for r in mine.itertuples()}
        total = {y: dict(v) for y, v in left.items()}
        for item in items.itertuples():
            need = {s: float(getattr(item, s)) for s in SOURCES}
            year = next(
                (y for y in years if all(need[s] <= left[y][s] + 1e-9 for s in SOURCES)), None
            )
            if year is None and item.cost == 0:
                year = start_year
            if year is not None and year in left:
                for s in SOURCES:
                    left[year][s] -= need[s]
            scheduled.append(year)
        for y in years:
            for s in SOURCES:
                use.append(
                    {
                        "commune_id": cid,
                        "year": y,
                        "source": s,
                        "budget": total[y][s],
                        "used": round(total[y][s] - left[y][s], 6),
                        "left": round(left[y][s], 6),
                    }
                )
    out = ordered.copy()
    out["year_scheduled"] = pd.array(scheduled, dtype="Int64")
    out["funded"] = out["year_scheduled"].notna()
    later = (out["year_scheduled"] > out["target_year"].astype("Int64")).fillna(False)
    out["late"] = (out["funded"] & later).astype(bool)
    return out, pd.DataFrame(
        use, columns=["commune_id", "year", "source", "budget", "used", "left"]
    )


def status_outlook(
    roadmap: pd.DataFrame, a: Assessment, year: int, communes: list[str]
) -> pd.DataFrame:
    """For each commune: the earliest year it can reach the set's status under the roadmap, or
    why it cannot (criteria without a plan, not fundable, only partly covered, or lacking data)."""
    rows = []
    crit = a.criteria[a.criteria["year"] == year]
    com = a.communes[a.communes["year"] == year]
    com = com.set_index(com["commune_id"].astype(str))
    for cid in communes:
        mine = crit[crit["commune_id"] == cid]
        unmet = [
            str(c) for c in mine.loc[mine["status"].isin(["not_met", "incomplete"]), "criterion"]
        ]
        missing_data = [str(c) for c in mine.loc[mine["status"] == "incomplete", "criterion"]]
        plan = roadmap[(roadmap["commune_id"] == cid)] if len(roadmap) else roadmap
        by_crit = {str(r.criterion): r for r in plan.itertuples() if r.kind != GENERAL}
        no_plan = [c for c in unmet if c not in by_crit]
        unfunded = [c for c in unmet if c in by_crit and not by_crit[c].funded]
        partial = [c for c in unmet if c in by_crit and not by_crit[c].covers_all_unmet]
        reachable = not (no_plan or unfunded or partial or missing_data)
        years = [
            int(by_crit[c].year_scheduled) for c in unmet if c in by_crit and by_crit[c].funded
        ]
        status_now = str(com.at[cid, "status"]) if cid in com.index else "missing"
        rows.append(
            {
                "commune_id": cid,
                "data_year": year,
                "status_now": status_now,
                "unmet_criteria": " ".join(unmet),
                "earliest_status_year": (
                    year if not unmet else (max(years) if reachable else None)
                ),
                "no_plan": " ".join(no_plan),
                "unfunded": " ".join(unfunded),
                "partly_covered": " ".join(partial),
                "missing_data": " ".join(missing_data),
            }
        )
    out = pd.DataFrame(rows)
    out["earliest_status_year"] = out["earliest_status_year"].astype("Int64")
    return out


def by_year(roadmap: pd.DataFrame, cset: CriteriaSet) -> pd.DataFrame:
    """The roadmap as a plan reads it: by scheduled year (work not yet funded last), then by
    criterion in the set's order, then general tasks in the fields' order."""
    if roadmap.empty:
        return roadmap
    order = {c.number: n for n, c in enumerate(cset.criteria)}
    fields = list(work_fields()["fields"])
    rank = roadmap.apply(
        lambda r: (
            order.get(str(r["criterion"]), len(order))
            + (fields.index(r["field"]) if r["field"] in fields else 0)
        ),
        axis=1,
    )
    year = roadmap["year_scheduled"].astype("Float64").fillna(np.inf)
    keys = pd.DataFrame({"year": year, "rank": rank, "priority": roadmap["priority"]})
    return roadmap.loc[keys.sort_values(["year", "rank", "priority"], kind="stable").index]


def funding(roadmap: pd.DataFrame) -> dict:
    """The roadmap's money by source (million VND): what is arranged (funded in a year of the
    budget) and, apart, what is not yet arranged ("chưa bố trí được vốn")."""
    out = {}
    for name, rows in (
        ("arranged", roadmap[roadmap["funded"]] if len(roadmap) else roadmap),
        ("not_arranged", roadmap[~roadmap["funded"].astype(bool)] if len(roadmap) else roadmap),
    ):
        by_source = {s: round(float(rows[s].sum()), 6) if len(rows) else 0.0 for s in SOURCES}
        total = round(float(rows["cost"].sum()), 6) if len(rows) else 0.0
        out[name] = {"total": total, "by_source": by_source, "items": len(rows)}
    return out


def outlook_text(row, lang: str | None = None) -> str:
    """A commune's outlook as a sentence, from a row of the summary."""
    from ..i18n import t

    if row["status_now"] == "met":
        return t("outlook_met_now", lang, year=row["data_year"])
    if pd.notna(row["earliest_status_year"]):
        return t("outlook_year", lang, year=int(row["earliest_status_year"]))
    reasons = [
        t(key, lang, criteria=row[col])
        for col, key in (
            ("no_plan", "outlook_no_plan"),
            ("unfunded", "outlook_unfunded"),
            ("partly_covered", "outlook_partly"),
            ("missing_data", "outlook_missing_data"),
        )
        if row[col]
    ]
    return t("outlook_blocked", lang, reasons="; ".join(reasons))


def make_roadmap(
    plan: pd.DataFrame, budget: pd.DataFrame, a: Assessment, cset: CriteriaSet, year: int
) -> Roadmap:
    ordered = bundles(plan, a, cset, year)
    roadmap, use = (
        schedule(ordered, budget, year + 1) if len(ordered) else (ordered, pd.DataFrame())
    )
    communes = sorted(set(plan["commune_id"]))
    summary = status_outlook(roadmap, a, year, communes)
    columns = (
        [
            "commune_id",
            "priority",
            "kind",
            "criterion",
            "field",
            "name_vi",
            "name_en",
            "status_now",
            "indicators",
            "covers_all_unmet",
            "solution",
            "responsible",
            "target_year",
            "deadline",
            "year_scheduled",
            "funded",
            "late",
            "difficulty",
            "cost",
        ]
        + SOURCES
        + ["score", "B", "G", "unlocks", "U", "C", "input_refs"]
    )
    return Roadmap(roadmap[columns] if len(roadmap) else roadmap, summary, use)
