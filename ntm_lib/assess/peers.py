"""Who closed the same gap: for a commune's unmet indicators, the communes nearby that were
below the threshold once and met it later.

A closing is a run of years below the threshold (not_met) ended by a year it is met. Its
length is the met year minus the first year of that run: an indicator below in 2021 and 2022
and met in 2023 took 2 years. Peers are sought in the commune's district first, then its
province; only closings up to the year assessed count. Where a plan is given, the cost of the
peer's solutions for that indicator (or its whole criterion) is added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .scoring import Assessment
from .views import has_district

PEERS_SHOWN = 3  # per indicator, the quickest a page names; the table behind it has them all

COLUMNS = ["indicator", "peer", "peer_name", "area", "below_from", "met_in", "years", "cost"]


def closings(a: Assessment, until: int) -> pd.DataFrame:
    """Every closing in the data up to `until`: commune, indicator, first year below, met year
    (and the years it took), by commune then indicator (their texts' order) then year."""
    ind = a.indicators
    keep = ((ind["year"] <= until) & ind["status"].isin(["met", "not_met"])).to_numpy(bool)
    communes, commune_names = _text_order(ind["commune_id"][keep])
    codes, code_names = _text_order(ind["indicator"][keep])
    year = ind["year"].to_numpy()[keep].astype(np.int64)
    below = (ind["status"][keep] == "not_met").to_numpy(bool)
    order = np.lexsort((year, codes, communes))
    communes, codes, year, below = communes[order], codes[order], year[order], below[order]
    new_pair = np.ones(len(year), bool)
    new_pair[1:] = (communes[1:] != communes[:-1]) | (codes[1:] != codes[:-1])
    starts = new_pair.copy()  # where a run of years below (or not) begins
    starts[1:] |= below[1:] != below[:-1]
    run_start = year[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    closes = ~below & ~new_pair
    closes[1:] &= below[:-1]
    at = np.flatnonzero(closes)
    below_from = run_start[at - 1]
    out = pd.DataFrame(
        {
            "commune_id": commune_names[communes[at]],
            "indicator": code_names[codes[at]],
            "below_from": below_from,
            "met_in": year[at],
            "years": year[at] - below_from,
        }
    )
    return out.astype({"commune_id": str, "indicator": str})


def _text_order(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each value's number in the sorted order of the texts, and the texts by number."""
    numbers, uniques = pd.factorize(values, sort=False)
    texts = np.array([str(u) for u in uniques], dtype=object)
    order = np.argsort(texts, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank[numbers], texts[order]


def same_gap(
    a: Assessment,
    register: pd.DataFrame,
    commune_id: str,
    year: int,
    plan: pd.DataFrame | None = None,
    done: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each indicator `commune_id` does not meet in `year`: the peers (district first, then
    province) that closed the same gap, quickest first, with what it cost where a plan says.
    `done`: `closings(a, year)` computed beforehand (for a batch, over all its communes)."""
    cid = str(commune_id)
    return same_gaps(a, register, [cid], year, plan, done)[cid]


def same_gaps(
    a: Assessment,
    register: pd.DataFrame,
    commune_ids: list[str],
    year: int,
    plan: pd.DataFrame | None = None,
    done: pd.DataFrame | None = None,
    most: int | None = None,
) -> dict[str, pd.DataFrame]:
    """`same_gap` of each commune of `commune_ids`, the closings matched once for all (a
    district's pages in one pass); with `most`, only the quickest `most` of each gap."""
    return split_gaps(same_gap_rows(a, register, commune_ids, year, plan, done, most), commune_ids)


def same_gap_rows(
    a: Assessment,
    register: pd.DataFrame,
    commune_ids: list[str],
    year: int,
    plan: pd.DataFrame | None = None,
    done: pd.DataFrame | None = None,
    most: int | None = None,
    groups: dict[str, int] | None = None,
) -> pd.DataFrame:
    """`same_gaps` as one table: `asker` (the commune whose page it is), then COLUMNS; each
    asker's rows together, in its page's order. With `groups` (each commune's district, by
    number), `done` carries `_k`, the district whose pages may name each closing: the
    districts of a whole run matched in one pass, each as if alone (reports.slices)."""
    done = closings(a, year) if done is None else done
    pairs, on = unmet(a, commune_ids, year), "indicator"
    if groups is not None:
        pairs, on = pairs.assign(_k=pairs["asker"].map(groups)), ["indicator", "_k"]
    found = pairs.merge(done.rename(columns={"commune_id": "peer"}), on=on)
    found = _nearest(found[found["peer"] != found["asker"]], register.set_index("commune_id"))
    found = found.assign(cost=_costs(plan, found, a))
    found = found.sort_values(["asker", "_o", "years", "met_in", "peer"], kind="stable")
    if most is not None:
        found = found[found.groupby(["asker", "_o"]).cumcount() < most]
    return found[["asker", *COLUMNS]].reset_index(drop=True)


def split_gaps(found: pd.DataFrame, commune_ids: list[str]) -> dict[str, pd.DataFrame]:
    """Each commune's rows of `found` (`same_gap_rows`) as the frame its page shows, COLUMNS
    numbered from 0: sliced column by column (several times quicker than a groupby's frames,
    same types)."""
    out = {cid: pd.DataFrame(columns=COLUMNS) for cid in commune_ids}
    askers = found["asker"].to_numpy()
    if not len(askers):
        return out
    starts = np.r_[0, np.flatnonzero(askers[1:] != askers[:-1]) + 1]
    columns = {c: found[c].array for c in COLUMNS}
    for a, b in zip(starts, np.r_[starts[1:], len(askers)]):
        if askers[a] in out:
            out[askers[a]] = pd.DataFrame({c: col[a:b] for c, col in columns.items()})
    return out


def unmet(a: Assessment, commune_ids: list[str], year: int) -> pd.DataFrame:
    """Each commune's indicators not met in `year` (`asker`, `indicator`), with their order
    (`_o`) on its page."""
    ind = a.indicators
    mask = (
        (ind["year"] == year) & (ind["status"] == "not_met") & ind["commune_id"].isin(commune_ids)
    )
    mine = ind[mask]
    pairs: dict[tuple[str, str], int] = {}
    count: dict[str, int] = {}
    for cid, code in zip(mine["commune_id"].astype(str), mine["indicator"].astype(str)):
        if (cid, code) not in pairs:
            pairs[cid, code] = count.get(cid, 0)
            count[cid] = pairs[cid, code] + 1
    return pd.DataFrame(
        {
            "asker": np.array([k[0] for k in pairs], dtype=object),
            "indicator": np.array([k[1] for k in pairs], dtype=object),
            "_o": np.array(list(pairs.values()), dtype=np.int64),
        }
    )


def _nearest(found: pd.DataFrame, reg: pd.DataFrame) -> pd.DataFrame:
    """The closings each commune looks at: its district's; where it has none (or no district:
    two tiers since July 2025), its province's."""
    district = found["asker"].map(reg["district"])
    named = district.map({d: has_district(d) for d in district.unique()}).astype(bool)
    in_district = ((found["peer"].map(reg["district"]) == district) & named).to_numpy(bool)
    in_province = found["peer"].map(reg["province"]) == found["asker"].map(reg["province"])
    askers = found["asker"].to_numpy()
    near_askers = set(askers[in_district])
    near = np.array([a in near_askers for a in askers], dtype=bool)
    keep = np.where(near, in_district, in_province.to_numpy(bool))
    kept = found[keep]
    return kept.assign(
        peer_name=kept["peer"].map(reg["name"]),
        area=pd.Series(near[keep], index=kept.index).map({True: "district", False: "province"}),
    )


def _costs(plan: pd.DataFrame | None, found: pd.DataFrame, a: Assessment) -> list[float]:
    """What each peer of `found` spent on its indicator (`_cost`), each pair looked up once."""
    if plan is None or plan.empty:
        return [float("nan")] * len(found)
    ind = a.indicators[["indicator", "criterion"]].drop_duplicates("indicator")
    criteria = dict(zip(ind["indicator"].astype(str), ind["criterion"].astype(str)))
    plans = {str(cid): rows for cid, rows in plan.groupby("commune_id", sort=False)}
    known: dict[tuple, float] = {}
    out = []
    for peer, code in zip(found["peer"], found["indicator"]):
        if (peer, code) not in known:
            rows = plans.get(str(peer))
            known[peer, code] = _cost(rows, code, criteria.get(code, ""))
        out.append(known[peer, code])
    return out


def _cost(rows: pd.DataFrame | None, code: str, criterion: str) -> float:
    """What a commune's plan `rows` spend on indicator `code`, or on its whole criterion."""
    if rows is None:
        return float("nan")
    mine = rows[
        (rows["indicator"].astype(str) == code)
        | ((rows["indicator"].astype(str) == "") & (rows["criterion"].astype(str) == criterion))
    ]
    return float(mine["cost"].sum()) if len(mine) else float("nan")
