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
    reg = register.set_index("commune_id")
    cid = str(commune_id)
    mine = a.indicators[
        (a.indicators["commune_id"] == cid)
        & (a.indicators["year"] == year)
        & (a.indicators["status"] == "not_met")
    ]
    unmet = list(dict.fromkeys(mine["indicator"].astype(str)))
    done = closings(a, year) if done is None else done
    done = done[(done["commune_id"] != cid) & done["indicator"].isin(unmet)]
    if done.empty:
        return pd.DataFrame(columns=COLUMNS)
    district, province = reg.at[cid, "district"], reg.at[cid, "province"]
    done = done.assign(
        peer=done["commune_id"],
        peer_name=done["commune_id"].map(reg["name"]),
        district=done["commune_id"].map(reg["district"]),
        province=done["commune_id"].map(reg["province"]),
    )
    # A commune without a district (two tiers since July 2025) looks in its province only.
    near = done[(done["district"] == district) & has_district(district)].assign(area="district")
    if near.empty:
        near = done[done["province"] == province].assign(area="province")
    near = near.assign(cost=[_cost(plan, r.peer, r.indicator, a) for r in near.itertuples()])
    order = {code: k for k, code in enumerate(unmet)}
    near = near.assign(_o=near["indicator"].map(order)).sort_values(
        ["_o", "years", "met_in", "peer"], kind="stable"
    )
    return near[COLUMNS].reset_index(drop=True)


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
