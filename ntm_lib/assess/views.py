"""What a commune report shows, as plain tables: pure functions of an Assessment.

Each function takes the assessment (all communes and years available) and returns a DataFrame
with raw values and status codes; formatting for people happens in `render`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet
from .scoring import Assessment


def _one(frame: pd.DataFrame, commune_id: str, year: int | None = None) -> pd.DataFrame:
    mask = frame["commune_id"] == str(commune_id)
    if year is not None:
        mask &= frame["year"] == year
    return frame[mask]


def commune_row(a: Assessment, commune_id: str, year: int) -> pd.Series:
    rows = _one(a.communes, commune_id, year)
    if rows.empty:
        raise KeyError(f"no assessment for commune {commune_id} in {year}")
    return rows.iloc[0]


def criteria_view(a: Assessment, commune_id: str, year: int) -> pd.DataFrame:
    return _one(a.criteria, commune_id, year).reset_index(drop=True)


def indicator_view(a: Assessment, cset: CriteriaSet, commune_id: str, year: int) -> pd.DataFrame:
    rows = _one(a.indicators, commune_id, year).reset_index(drop=True).copy()
    inds = {i.code: i for i in cset.indicators}
    rows["name_vi"] = rows["indicator"].map(lambda c: inds[c].name["vi"])
    rows["name_en"] = rows["indicator"].map(lambda c: inds[c].name["en"])
    rows["unit_kind"] = rows["indicator"].map(lambda c: inds[c].unit_kind)
    return rows


def relative_gap(rows: pd.DataFrame) -> pd.Series:
    """How far an unmet indicator is from its threshold, as a share of the threshold.

    For a yes/no indicator not met the distance is the whole requirement (1.0); for a threshold
    of 0 the gap itself is used. Met, missing and not-applicable indicators get NaN.
    """
    thr = rows["threshold"].astype(float)
    gap = rows["gap"].astype(float)
    rel = np.where(thr.abs() > 0, gap / thr.abs(), gap)
    rel = np.where(rows["unit_kind"] == "yes_no", 1.0, rel)
    return pd.Series(np.where(rows["status"] == "not_met", rel, np.nan), index=rows.index)


def _relative_gap(rows: pd.DataFrame) -> np.ndarray:
    """`relative_gap` as an array, by numpy on the columns' arrays (a page's few dozen rows,
    where pandas' own work was most of the cost)."""
    thr = rows["threshold"].to_numpy(dtype=float)
    gap = rows["gap"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(np.abs(thr) > 0, gap / np.abs(thr), gap)
    rel = np.where(rows["unit_kind"].to_numpy() == "yes_no", 1.0, rel)
    return np.where(rows["status"].to_numpy() == "not_met", rel, np.nan)


def gap_ranking(rows: pd.DataFrame) -> pd.DataFrame:
    """Unmet indicators, farthest from their threshold first (ties: by indicator order)."""
    unmet = rows["status"].to_numpy() == "not_met"
    ranked = rows[unmet].assign(relative_gap=_relative_gap(rows)[unmet])
    return ranked.sort_values("relative_gap", ascending=False, kind="stable").reset_index(drop=True)


def achievement(rows: pd.DataFrame, cap: float = 1.5) -> pd.DataFrame:
    """Achievement as a share of the threshold (1.0 = exactly at the threshold), capped at `cap`.

    For '≥' rules value/threshold; for '≤' rules threshold/value (lower is better); yes/no
    indicators are 1.0 when met and 0.0 when not.
    """
    status = rows["status"].to_numpy()
    r = rows[(status == "met") | (status == "not_met")].copy()
    v, thr = r["value"].to_numpy(dtype=float), r["threshold"].to_numpy(dtype=float)
    rule, met = r["rule"].to_numpy(), (r["status"].to_numpy() == "met").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(thr != 0, v / thr, np.where(v > 0, cap, 1.0))
        down = np.where(v != 0, thr / v, cap)
    share = np.where(
        (rule == ">=") | (rule == ">"),
        up,
        np.where((rule == "<=") | (rule == "<"), down, met),
    )
    share = np.where(r["unit_kind"].to_numpy() == "yes_no", met, share)
    r["share"] = np.clip(share, 0, cap)
    return r.reset_index(drop=True)


def trend(a: Assessment, commune_id: str, until: int | None = None) -> pd.DataFrame:
    """Criteria met per year for one commune, up to the year `until` if given."""
    rows = _one(a.communes, commune_id)
    if until is not None:
        rows = rows[rows["year"] <= until]
    return rows.sort_values("year").reset_index(drop=True)


def has_district(value) -> bool:
    """Whether a register's district cell names one: since July 2025 local government has two
    tiers (province, commune), and a commune formed then has none."""
    return isinstance(value, str) and value.strip() != ""


def comparison_area(register: pd.DataFrame, commune_id: str) -> tuple[str, str, set[str]]:
    """Where a commune is compared: ("district", its district, the district's communes), or for
    a commune without a district ("province", its province, the province's communes)."""
    reg = register.set_index("commune_id")
    row = reg.loc[str(commune_id)]
    province = row.get("province", "")
    same_province = reg["province"] == province if "province" in reg else True
    district = row.get("district", "")
    if has_district(district):
        return "district", district, set(reg.index[(reg["district"] == district) & same_province])
    return "province", province, set(reg.index[same_province])


def district_comparison(
    a: Assessment, register: pd.DataFrame, cset: CriteriaSet, commune_id: str, year: int
) -> pd.DataFrame:
    """For each key indicator and for criteria met: this commune's value, the median of its
    district (of its province, for a commune without a district: `comparison_area`), its rank
    among those communes (1 = best; none when it is the only one with a value) and how many
    communes were compared."""
    return district_comparisons(a, register, cset, [str(commune_id)], year)[str(commune_id)]


def district_comparisons(
    a: Assessment, register: pd.DataFrame, cset: CriteriaSet, commune_ids: list[str], year: int
) -> dict[str, pd.DataFrame]:
    """`district_comparison` of each commune of `commune_ids`, each area's values and ranks
    computed once for all its communes (a district's pages, in one pass)."""
    return split_comparisons(comparison_rows(a, register, cset, commune_ids, year), commune_ids)


def comparison_rows(
    a: Assessment,
    register: pd.DataFrame,
    cset: CriteriaSet,
    commune_ids: list[str],
    year: int,
    areas: dict[frozenset, list[str]] | None = None,
) -> pd.DataFrame:
    """`district_comparisons` as one table: `commune_id`, then COMPARED (a rank unknown:
    NaN); each commune's rows together, in its page's order. `areas`: the communes compared
    with, and those of `commune_ids` compared with them (default: `_areas`); every area is
    ranked in one pass."""
    areas = _areas(register, commune_ids) if areas is None else areas
    members = pd.DataFrame(
        [(k, m) for k, group in enumerate(areas) for m in group], columns=["_a", "commune_id"]
    ).astype({"commune_id": "str"})
    asked = {
        (k, cid): n
        for n, (k, cid) in enumerate((k, c) for k, ids in enumerate(areas.values()) for c in ids)
    }
    keys = {code: n for n, code in enumerate(cset.key_indicators)}
    ind = a.indicators
    ind = ind[(ind["year"] == year) & ind["indicator"].isin(cset.key_indicators)]
    values = pd.DataFrame(
        {
            "commune_id": ind["commune_id"].astype(str).to_numpy(),
            "key": ind["indicator"].astype(str).to_numpy(),
            "value": ind["value"].to_numpy(dtype=float),
        }
    ).dropna(subset=["value"])
    lower = {c: cset.indicator(c).rule.op in ("<=", "<") for c in cset.key_indicators}
    values["_s"] = np.where(values["key"].map(lower).to_numpy(dtype=bool), 1.0, -1.0)
    com = a.communes
    com = com[(com["year"] == year) & (com["status"] != "no_data")]
    met = pd.DataFrame(
        {
            "commune_id": com["commune_id"].astype(str).to_numpy(),
            "key": "criteria_met",
            "value": com["criteria_met"].to_numpy(dtype=float),
            "_s": -1.0,
        }
    )
    rows = members.merge(pd.concat([values, met], ignore_index=True), on="commune_id")
    return _ranked_rows(rows, asked, keys)


def _ranked_rows(rows: pd.DataFrame, asked: dict, keys: dict) -> pd.DataFrame:
    """Each value's rank in its area and key (1 = best, ties sharing the best place), the
    area's median (of two values or more) and count, for the communes asked."""
    by = rows.groupby(["_a", "key"], sort=False)
    signed = rows["value"] * rows["_s"]
    n = by["value"].transform("size").to_numpy()
    rank = signed.groupby([rows["_a"], rows["key"]], sort=False).rank(method="min").to_numpy()
    median = by["value"].transform("median").to_numpy()
    out = pd.DataFrame(
        {
            "commune_id": rows["commune_id"].to_numpy(),
            "key": rows["key"].to_numpy(),
            "value": rows["value"].to_numpy(),
            "median": np.where(n < 2, np.nan, median),
            "rank": np.where(n < 2, np.nan, rank),
            "n": n.astype(np.int64),
        }
    )
    place = [asked.get((k, c), -1) for k, c in zip(rows["_a"], rows["commune_id"])]
    order = [keys.get(k, len(keys)) for k in rows["key"]]
    out = out.assign(_p=place, _o=order)
    out = out[out["_p"] >= 0].sort_values(["_p", "_o"], kind="stable")
    return (
        out.drop(columns=["_p", "_o"])
        .astype({"commune_id": "str", "key": "str"})
        .reset_index(drop=True)
    )


def split_comparisons(rows: pd.DataFrame, commune_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Each commune's rows of `comparison_rows` as the frame its page shows."""
    cids = rows["commune_id"].to_numpy()
    columns = [rows[c].to_numpy() for c in COMPARED]
    records: dict[str, list[dict]] = {cid: [] for cid in commune_ids}
    for k, cid in enumerate(cids):
        key, value, median, rank, n = (col[k] for col in columns)
        records[cid].append(
            {"key": key, "value": value, "median": median, "rank": _rank(rank, n), "n": n}
        )
    return {cid: _comparison_frame(r) for cid, r in records.items()}


def _rank(rank: float, n: int):
    return pd.NA if n < 2 else int(rank)


def _areas(register: pd.DataFrame, commune_ids: list[str]) -> dict[frozenset, list[str]]:
    """The communes of `commune_ids` by the communes each is compared with
    (`comparison_area`, asked once per district and province)."""
    blank = [""] * len(register)
    where = dict(
        zip(
            register["commune_id"],
            zip(register.get("district", blank), register.get("province", blank)),
        )
    )
    members, out = {}, {}
    for cid in commune_ids:
        district, province = where.get(cid, ("", ""))
        key = (district if has_district(district) else None, str(province))
        if key not in members:
            members[key] = frozenset(comparison_area(register, cid)[2])
        out.setdefault(members[key], []).append(cid)
    return out


COMPARED = ["key", "value", "median", "rank", "n"]


def _comparison_frame(rows: list[dict]) -> pd.DataFrame:
    """A commune's comparison rows as a frame, built by columns (several times quicker than
    from rows, same types)."""
    if not rows:
        return pd.DataFrame(rows, columns=COMPARED)
    return pd.DataFrame({c: [r[c] for r in rows] for c in COMPARED})


def group_counts(criteria_rows: pd.DataFrame, cset: CriteriaSet) -> pd.DataFrame:
    """Criteria per display group and status, for one commune-year: groups in the set's order,
    statuses in their column's (as a groupby would give them), counted in Python (a page's
    few rows: a groupby's overhead was most of a millisecond's work)."""
    group_of = {n: g.id for g in cset.groups for n in g.criteria}
    status = criteria_rows["status"]
    counted = Counter(
        (group_of.get(n, ""), s)
        for n, s in zip(criteria_rows["criterion"].tolist(), status.tolist())
        if not pd.isna(s)
    )
    seen = {s for _, s in counted}
    if isinstance(status.dtype, pd.CategoricalDtype):
        cats = status.cat.categories
        columns = pd.CategoricalIndex(
            [c for c in cats if c in seen], categories=cats, ordered=status.cat.ordered
        )
    else:
        columns = pd.Index(sorted(seen))
    groups = [g.id for g in cset.groups if any((g.id, s) in counted for s in seen)]
    return pd.DataFrame(
        [[counted.get((g, s), 0) for s in columns] for g in groups],
        index=pd.Index(groups, name="group", dtype=str),
        columns=columns.rename("status"),
        dtype="int64",
    )
