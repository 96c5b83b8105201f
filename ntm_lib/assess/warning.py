"""Early warning and fragile verdicts: which "Đạt" may be lost next year, and which rest on a
value within measurement error of its threshold.

For each indicator verdict with a measured value and a threshold:

- margin: how far the value lies on the good side of the threshold (negative: short of it);
- trend: the least-squares change per year over the last WINDOW years with data, up to that
  year (NaN with fewer than two values);
- next_threshold: the threshold the commune's zone has the year after, where the set knows it
  (else this year's), since some thresholds (income) rise year by year;
- at_risk, for a met indicator: next year's projected value (value + trend; the value itself
  when there is no trend) fails next year's threshold. `risk` says why: `falling` (the trend
  takes it below a threshold that stays), `rising_threshold` (next year's threshold is above
  the value as it is), or `both`;
- fragile: met or not, the value lies within the tolerance of its unit (criteria/regions.yaml,
  or the indicator's own) of its threshold ("sát ngưỡng").

Yes/no indicators have no margin, trend or tolerance. Pure: the columns are added to a copy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet, commune_zones, threshold_grid
from .scoring import DECIMALS, Assessment
from .trend import linear_fit

WINDOW = 3
RISKS = np.array(["", "falling", "rising_threshold", "both"], dtype=object)


def _slopes(values: np.ndarray, years: list[int], window: int) -> np.ndarray:
    """[row, year] least-squares slope over the `window` years ending at each year."""
    out = np.full(values.shape, np.nan)
    for j in range(len(years)):
        lo = max(0, j - window + 1)
        out[:, j] = linear_fit(values[:, lo:j + 1], years[lo:j + 1])[0]
    return out


def annotate(a: Assessment, cset: CriteriaSet, register: pd.DataFrame,
             window: int = WINDOW) -> Assessment:
    """The assessment with margin, trend, next_threshold, at_risk, risk, tolerance and fragile
    columns on its indicators, and at_risk and fragile counts on its communes."""
    ind = a.indicators
    if ind.empty:
        return a
    codes = [i.code for i in cset.indicators]
    by_code = {i.code: i for i in cset.indicators}
    years = sorted(ind["year"].unique().tolist())
    code = ind["indicator"].astype(str).to_numpy()
    commune = ind["commune_id"].astype(str).to_numpy()
    value = ind["value"].to_numpy(dtype=float)
    thr = ind["threshold"].to_numpy(dtype=float)
    status = ind["status"].astype(str).to_numpy()
    op = ind["rule"].astype(str).to_numpy()
    up = np.isin(op, [">=", ">"])
    down = np.isin(op, ["<=", "<"])
    measured = np.isin(code, [c for c in codes if by_code[c].unit_kind != "yes_no"])

    # Trend per commune and indicator, year by year: one [pair, year] matrix.
    key = pd.MultiIndex.from_arrays([commune, code])
    pairs, pair_idx = np.unique(key.codes[0] * len(key.levels[1]) + key.codes[1],
                                return_inverse=True)
    y_idx = np.searchsorted(years, ind["year"].to_numpy())
    grid = np.full((len(pairs), len(years)), np.nan)
    grid[pair_idx, y_idx] = value
    slope = _slopes(grid, years, window)[pair_idx, y_idx]

    # Next year's threshold for the commune's zone, else this year's.
    zone_of = commune_zones(register)
    zones = sorted(set(zone_of), key=str)
    z_of = pd.Series(range(len(zones)), index=pd.Index(zones, dtype=object))
    zone_idx = z_of.reindex(zone_of.reindex(pd.Index(commune)).to_numpy()).to_numpy()
    nxt = [y + 1 for y in years]
    table = np.round(threshold_grid(cset, zones, nxt).values, DECIMALS)
    i_idx = pd.Index(codes).get_indexer(code)
    next_thr = table[i_idx, zone_idx.astype(int), y_idx]
    next_thr = np.where(np.isnan(next_thr), thr, next_thr)

    margin = np.where(up, value - thr, np.where(down, thr - value, np.nan))
    margin = np.where(measured, np.round(margin, 6), np.nan)
    projected = value + np.nan_to_num(slope)

    def fails(v, t):
        with np.errstate(invalid="ignore"):
            return np.where(up, v < t, np.where(down, v > t, False)) & ~np.isnan(t)

    met = status == "met"
    at_risk = met & measured & fails(projected, next_thr)
    falling = fails(projected, thr)  # the trend alone would take it below
    rising = fails(value, next_thr)  # next year's threshold alone would
    risk_code = np.where(~at_risk, 0, np.where(falling & ~rising, 1,
                                               np.where(rising & ~falling, 2, 3)))

    tol = _tolerances(code, thr, by_code)
    with np.errstate(invalid="ignore"):
        fragile = (measured & np.isin(status, ["met", "not_met"])
                   & (np.abs(value - thr) <= tol + 1e-9) & (tol > 0))

    indicators = ind.assign(
        margin=margin, trend=np.where(measured, slope, np.nan),
        next_threshold=np.where(measured, next_thr, np.nan), at_risk=at_risk,
        risk=pd.Categorical.from_codes(risk_code, categories=RISKS),
        tolerance=np.where(measured, tol, np.nan), fragile=fragile)
    flags = indicators.groupby(["commune_id", "year"], observed=True)[["at_risk", "fragile"]].sum()
    communes = a.communes.merge(flags.reset_index().astype({"commune_id": str}),
                                on=["commune_id", "year"], how="left")
    communes[["at_risk", "fragile"]] = communes[["at_risk", "fragile"]].fillna(0).astype(int)
    return Assessment(a.set_id, indicators, a.criteria, communes)


def _tolerances(code: np.ndarray, thr: np.ndarray, by_code: dict) -> np.ndarray:
    """The tolerance of each row, computed once per distinct (indicator, threshold)."""
    frame = pd.DataFrame({"c": code, "t": thr})
    distinct = frame.drop_duplicates().reset_index(drop=True)
    distinct["tol"] = [by_code[c].tolerance_at(t) if t == t else 0.0
                       for c, t in zip(distinct["c"], distinct["t"])]
    return frame.merge(distinct, on=["c", "t"], how="left")["tol"].to_numpy(dtype=float)
