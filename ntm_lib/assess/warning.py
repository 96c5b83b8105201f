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
from .scoring import DECIMALS, Assessment, _positions, compare
from .trend import linear_fit

WINDOW = 3
RISKS = np.array(["", "falling", "rising_threshold", "both"], dtype=object)


def _slopes(values: np.ndarray, years: list[int], window: int) -> np.ndarray:
    """[row, year] least-squares slope over the `window` years ending at each year."""
    out = np.full(values.shape, np.nan)
    for j in range(len(years)):
        lo = max(0, j - window + 1)
        out[:, j] = linear_fit(values[:, lo : j + 1], years[lo : j + 1])[0]
    return out


def annotate(
    a: Assessment, cset: CriteriaSet, register: pd.DataFrame, window: int = WINDOW
) -> Assessment:
    """The assessment with margin, trend, next_threshold, at_risk, risk, tolerance and fragile
    columns on its indicators, and at_risk and fragile counts on its communes."""
    ind = a.indicators
    if ind.empty:
        return a
    codes = [i.code for i in cset.indicators]
    by_code = {i.code: i for i in cset.indicators}
    years = sorted(ind["year"].unique().tolist())
    # Integer codes throughout: a million rows hold a few dozen indicators and rules.
    i_idx = _positions(ind["indicator"], codes)
    commune = ind["commune_id"].astype("category")
    c_idx = commune.cat.codes.to_numpy().astype(np.int64)
    y_idx = np.searchsorted(years, ind["year"].to_numpy())
    value = ind["value"].to_numpy(dtype=float)
    thr = ind["threshold"].to_numpy(dtype=float)
    status = ind["status"]
    up = ind["rule"].isin([">=", ">"]).to_numpy()
    down = ind["rule"].isin(["<=", "<"]).to_numpy()
    measured = np.array([by_code[c].unit_kind != "yes_no" for c in codes] + [False])[i_idx]
    slope = _trend(value, c_idx, i_idx, y_idx, len(codes), years, window)
    next_thr = _next_thresholds(cset, register, commune, (c_idx, i_idx, y_idx), years)
    next_thr = np.where(np.isnan(next_thr), thr, next_thr)

    margin = np.where(up, value - thr, np.where(down, thr - value, np.nan))
    margin = np.where(measured, np.round(margin, 6), np.nan)
    projected = value + np.nan_to_num(slope)
    ops = ind["rule"].astype(str).to_numpy()

    def fails(v, t):
        # the rule itself decides, strict ones included: "> 50" fails at 50
        return (up | down) & ~compare(v, t, ops) & ~np.isnan(t) & ~np.isnan(v)

    at_risk = (status == "met").to_numpy() & measured & fails(projected, next_thr)
    falling = fails(projected, thr)  # the trend alone would take it below
    rising = fails(value, next_thr)  # next year's threshold alone would
    risk_code = np.where(
        ~at_risk, 0, np.where(falling & ~rising, 1, np.where(rising & ~falling, 2, 3))
    )
    tol = _tolerances(i_idx, thr, [by_code[c] for c in codes])
    with np.errstate(invalid="ignore"):
        fragile = (
            measured
            & status.isin(["met", "not_met"]).to_numpy()
            & (np.abs(value - thr) <= tol + 1e-9)
            & (tol > 0)
        )
    indicators = ind.assign(
        margin=margin,
        trend=np.where(measured, slope, np.nan),
        next_threshold=np.where(measured, next_thr, np.nan),
        at_risk=at_risk,
        risk=pd.Categorical.from_codes(risk_code, categories=RISKS),
        tolerance=np.where(measured, tol, np.nan),
        fragile=fragile,
    )
    return Assessment(a.set_id, indicators, a.criteria, _flag_counts(a.communes, indicators))


def _trend(value, c_idx, i_idx, y_idx, n_codes: int, years: list[int], window: int):
    """Each row's yearly trend over the window, per commune and indicator: one [pair, year]
    matrix (an unknown indicator, position -1, gets a pair of its own)."""
    pair_idx = c_idx * (n_codes + 1) + np.where(i_idx < 0, n_codes, i_idx)
    pair_idx, pairs = pd.factorize(pair_idx)
    grid = np.full((len(pairs), len(years)), np.nan)
    grid[pair_idx, y_idx] = value
    return _slopes(grid, years, window)[pair_idx, y_idx]


def _next_thresholds(cset, register, commune: pd.Series, at, years: list[int]) -> np.ndarray:
    """Each row's threshold in the next year, for its commune's zone (NaN where none)."""
    c_idx, i_idx, y_idx = at
    zone_of = commune_zones(register)
    zones = sorted(set(zone_of), key=str)
    z_of = pd.Series(range(len(zones)), index=pd.Index(zones, dtype=object))
    zone_of_cat = zone_of.reindex(pd.Index(commune.cat.categories.astype(object))).to_numpy()
    zone_idx = z_of.reindex(zone_of_cat).to_numpy()[c_idx]
    table = np.round(threshold_grid(cset, zones, [y + 1 for y in years]).values, DECIMALS)
    return table[i_idx, zone_idx.astype(int), y_idx]


def _flag_counts(communes: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The communes table with each commune-year's count of indicators at risk and fragile."""
    flags = indicators.groupby(["commune_id", "year"], observed=True)[["at_risk", "fragile"]].sum()
    out = communes.merge(
        flags.reset_index().astype({"commune_id": str}), on=["commune_id", "year"], how="left"
    )
    out[["at_risk", "fragile"]] = out[["at_risk", "fragile"]].fillna(0).astype(int)
    return out


def _tolerances(i_idx: np.ndarray, thr: np.ndarray, inds: list) -> np.ndarray:
    """The tolerance of each row, computed once per distinct (indicator, threshold)."""
    t_codes, t_values = pd.factorize(thr, use_na_sentinel=False)
    codes, keys = pd.factorize((i_idx + 1) * (len(t_values) + 1) + t_codes)
    i_of, t_of = np.divmod(keys, len(t_values) + 1)
    tol = np.array(
        [
            inds[i - 1].tolerance_at(t_values[j]) if i > 0 and t_values[j] == t_values[j] else 0.0
            for i, j in zip(i_of.tolist(), t_of.tolist())
        ],
        dtype=float,
    )
    return tol[codes]
