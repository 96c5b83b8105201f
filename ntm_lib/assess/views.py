"""What a commune report shows, as plain tables: pure functions of an Assessment.

Each function takes the assessment (all communes and years available) and returns a DataFrame
with raw values and status codes; formatting for people happens in `render`.
"""

from __future__ import annotations

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


def gap_ranking(rows: pd.DataFrame) -> pd.DataFrame:
    """Unmet indicators, farthest from their threshold first (ties: by indicator order)."""
    ranked = rows.assign(relative_gap=relative_gap(rows))
    ranked = ranked[ranked["status"] == "not_met"]
    return ranked.sort_values("relative_gap", ascending=False, kind="stable").reset_index(drop=True)


def achievement(rows: pd.DataFrame, cap: float = 1.5) -> pd.DataFrame:
    """Achievement as a share of the threshold (1.0 = exactly at the threshold), capped at `cap`.

    For '≥' rules value/threshold; for '≤' rules threshold/value (lower is better); yes/no
    indicators are 1.0 when met and 0.0 when not.
    """
    r = rows[rows["status"].isin(["met", "not_met"])].copy()
    v, thr = r["value"].astype(float), r["threshold"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(thr != 0, v / thr, np.where(v > 0, cap, 1.0))
        down = np.where(v != 0, thr / v, cap)
    share = np.where(
        r["rule"].isin([">=", ">"]),
        up,
        np.where(r["rule"].isin(["<=", "<"]), down, (r["status"] == "met").astype(float)),
    )
    share = np.where(r["unit_kind"] == "yes_no", (r["status"] == "met").astype(float), share)
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
    a: Assessment, register: pd.DataFrame, cset: CriteriaSet, commune_ids: list[str], year: int
) -> pd.DataFrame:
    """`district_comparisons` as one table: `commune_id`, then COMPARED (a rank unknown:
    NaN); each commune's rows together, in its page's order."""
    rows = []
    for members, ids in _areas(register, commune_ids).items():
        rows += _area_comparison(a, cset, members, ids, year)
    return pd.DataFrame(
        {
            "commune_id": pd.array([r[0] for r in rows], dtype="str"),
            "key": pd.array([r[1] for r in rows], dtype="str"),
            **{
                c: np.array([r[k] for r in rows], dtype=kind)
                for k, (c, kind) in enumerate(zip(COMPARED[1:], (float, float, float, np.int64)), 2)
            },
        }
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


def _area_comparison(
    a: Assessment, cset: CriteriaSet, members: frozenset, ids: list[str], year: int
) -> list[tuple]:
    """The comparison rows of each commune of `ids` among the communes `members`, as tuples
    (commune, *COMPARED), by commune in the order of `ids`."""
    ind = a.indicators
    ind = ind[
        (ind["year"] == year)
        & ind["commune_id"].isin(members)
        & ind["indicator"].isin(cset.key_indicators)
    ]
    communes = ind["commune_id"].astype(str).to_numpy()
    codes = ind["indicator"].astype(str).to_numpy()
    values = ind["value"].to_numpy(dtype=float)
    rows: dict[str, list] = {cid: [] for cid in ids}
    for code in cset.key_indicators:
        mine = (codes == code) & ~np.isnan(values)
        lower_better = cset.indicator(code).rule.op in ("<=", "<")
        for cid, row in _ranked(code, communes[mine], values[mine], lower_better, ids):
            rows[cid].append(row)
    com = a.communes[
        (a.communes["year"] == year)
        & a.communes["commune_id"].isin(members)
        & (a.communes["status"] != "no_data")
    ]
    met = com.set_index(com["commune_id"].astype(str))["criteria_met"].astype(float)
    rank, median = met.rank(ascending=False, method="min"), _median(met)
    for cid in ids:
        if cid in met.index:
            rows[cid].append((cid, "criteria_met", met[cid], median, rank[cid], len(met)))
    return [row for cid in ids for row in rows[cid]]


COMPARED = ["key", "value", "median", "rank", "n"]


def _comparison_frame(rows: list[dict]) -> pd.DataFrame:
    """A commune's comparison rows as a frame, built by columns (several times quicker than
    from rows, same types)."""
    if not rows:
        return pd.DataFrame(rows, columns=COMPARED)
    return pd.DataFrame({c: [r[c] for r in rows] for c in COMPARED})


def _ranked(code: str, communes: np.ndarray, values: np.ndarray, lower_better: bool, ids):
    """(commune, row) of each of `ids` with a value: its rank among `values` (1 = best, ties
    sharing the best place, as pandas' rank(method="min")), their median and count."""
    n = len(values)
    if not n:
        return
    ordered = np.sort(values)
    if lower_better:
        ranks = np.searchsorted(ordered, values, "left") + 1
    else:
        ranks = n - np.searchsorted(ordered, values, "right") + 1
    median = np.nan if n < 2 else np.median(values)
    at = {cid: k for k, cid in enumerate(communes)}
    for cid in ids:
        k = at.get(cid)
        if k is not None:
            yield cid, (cid, code, values[k], median, ranks[k], n)


def _median(values: pd.Series) -> float:
    return np.nan if len(values) < 2 else values.median()


def group_counts(criteria_rows: pd.DataFrame, cset: CriteriaSet) -> pd.DataFrame:
    """Criteria per display group and status, for one commune-year."""
    group_of = {n: g for g in cset.groups for n in g.criteria}
    rows = criteria_rows.assign(
        group=criteria_rows["criterion"].map(lambda n: group_of[n].id if n in group_of else "")
    )
    counts = rows.groupby(["group", "status"], observed=True).size().unstack(fill_value=0)
    order = [g.id for g in cset.groups if g.id in counts.index]
    return counts.reindex(order).fillna(0).astype(int)
