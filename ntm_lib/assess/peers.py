"""Who closed the same gap: for a commune's unmet indicators, the communes nearby that were
below the threshold once and met it later.

A closing is a run of years below the threshold (not_met) ended by a year it is met. Its
length is the met year minus the first year of that run: an indicator below in 2021 and 2022
and met in 2023 took 2 years. Peers are sought in the commune's district first, then its
province; only closings up to the year assessed count. Where a plan is given, the cost of the
peer's solutions for that indicator (or its whole criterion) is added.
"""

from __future__ import annotations

import pandas as pd

from .scoring import Assessment
from .views import has_district

PEERS_SHOWN = 3  # per indicator, the quickest a page names; the table behind it has them all

COLUMNS = ["indicator", "peer", "peer_name", "area", "below_from", "met_in", "years", "cost"]


def closings(a: Assessment, until: int) -> pd.DataFrame:
    """Every closing in the data up to `until`: commune, indicator, first year below, met year."""
    ind = a.indicators[
        (a.indicators["year"] <= until) & a.indicators["status"].isin(["met", "not_met"])
    ]
    ind = (
        ind[["commune_id", "indicator", "year", "status"]]
        .astype({"commune_id": str, "indicator": str})
        .sort_values(["commune_id", "indicator", "year"])
    )
    ind = ind.reset_index(drop=True)
    new_pair = (ind["commune_id"] != ind["commune_id"].shift()) | (
        ind["indicator"] != ind["indicator"].shift()
    )
    below = ind["status"] == "not_met"
    run = (new_pair | (below != below.shift())).cumsum()
    run_start = ind["year"].groupby(run).transform("first")
    closes = (~below) & below.shift(fill_value=False) & ~new_pair
    out = ind.loc[closes, ["commune_id", "indicator"]].assign(
        below_from=run_start.shift()[closes].astype(int), met_in=ind.loc[closes, "year"]
    )
    out["years"] = out["met_in"] - out["below_from"]
    return out.reset_index(drop=True).astype({"met_in": int, "years": int})


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
    done = closings(a, year) if done is None else done
    found = _unmet(a, commune_ids, year).merge(
        done.rename(columns={"commune_id": "peer"}), on="indicator"
    )
    found = _nearest(found[found["peer"] != found["asker"]], register.set_index("commune_id"))
    found = found.assign(cost=[_cost(plan, r.peer, r.indicator, a) for r in found.itertuples()])
    found = found.sort_values(["asker", "_o", "years", "met_in", "peer"], kind="stable")
    if most is not None:
        found = found[found.groupby(["asker", "_o"]).cumcount() < most]
    out = {cid: rows[COLUMNS].reset_index(drop=True) for cid, rows in found.groupby("asker")}
    return {cid: out.get(cid, pd.DataFrame(columns=COLUMNS)) for cid in commune_ids}


def _unmet(a: Assessment, commune_ids: list[str], year: int) -> pd.DataFrame:
    """Each commune's indicators not met in `year` (`asker`, `indicator`), with their order
    (`_o`) on its page."""
    ind = a.indicators
    mine = ind[
        ind["commune_id"].isin(commune_ids) & (ind["year"] == year) & (ind["status"] == "not_met")
    ]
    pairs = pd.DataFrame(
        {
            "asker": mine["commune_id"].astype(str).to_numpy(),
            "indicator": mine["indicator"].astype(str).to_numpy(),
        }
    ).drop_duplicates()
    return pairs.assign(_o=pairs.groupby("asker").cumcount())


def _nearest(found: pd.DataFrame, reg: pd.DataFrame) -> pd.DataFrame:
    """The closings each commune looks at: its district's; where it has none (or no district:
    two tiers since July 2025), its province's."""
    district = found["asker"].map(reg["district"])
    named = pd.Series([has_district(d) for d in district], index=found.index, dtype=bool)
    in_district = (found["peer"].map(reg["district"]) == district) & named
    in_province = found["peer"].map(reg["province"]) == found["asker"].map(reg["province"])
    near = in_district.groupby(found["asker"]).transform("any").astype(bool)
    keep = in_district.where(near, in_province).astype(bool)
    return found[keep].assign(
        peer_name=found["peer"].map(reg["name"]),
        area=near[keep].map({True: "district", False: "province"}),
    )


def _cost(plan: pd.DataFrame | None, commune: str, code: str, a: Assessment) -> float:
    if plan is None or plan.empty:
        return float("nan")
    rows = plan[plan["commune_id"] == commune]
    criterion = a.indicators.loc[a.indicators["indicator"].astype(str) == code, "criterion"]
    criterion = str(criterion.iloc[0]) if len(criterion) else ""
    mine = rows[
        (rows["indicator"].astype(str) == code)
        | ((rows["indicator"].astype(str) == "") & (rows["criterion"].astype(str) == criterion))
    ]
    return float(mine["cost"].sum()) if len(mine) else float("nan")
