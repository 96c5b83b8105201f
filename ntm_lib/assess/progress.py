"""Monitoring over the years: what is met each year, what was lost, where each indicator is heading.

Projections are linear: the rate of change is the least-squares slope over the last WINDOW years
with data, extended year by year until the projected value meets that year's threshold. No
projection is made for yes/no indicators, with fewer than two years of data, or where the trend
is flat or goes the wrong way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..criteria.catalogue import CriteriaSet, cell, commune_zones
from .scoring import DECIMALS, Assessment, compare
from .trend import linear_fit

WINDOW = 3
HORIZON = 20


def _where(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """`frame[mask]`, or `frame` itself when every row is kept: a report passes the commune's
    own rows, and a selection copies every column (a tenth of a millisecond each)."""
    return frame if mask.all() else frame[mask]


def per_year(a: Assessment, commune_id: str) -> pd.DataFrame:
    """Criteria and indicators met, and applicable, in each year of one commune."""
    com = _where(a.communes, a.communes["commune_id"] == commune_id)
    ind = _where(a.indicators, a.indicators["commune_id"] == commune_id)
    met, applicable = {}, {}  # by year: a commune's few hundred rows, counted in Python
    for y, status in zip(ind["year"].tolist(), ind["status"].tolist()):
        met[y] = met.get(y, 0) + (status == "met")
        applicable[y] = applicable.get(y, 0) + (status != "not_applicable")
    out = com[["year", "criteria_met", "criteria_total", "status"]]
    out = out.sort_values("year").reset_index(drop=True)
    years = out["year"].tolist()
    out["indicators_met"] = _counts(met, years)
    out["indicators_total"] = _counts(applicable, years)
    return out


def _counts(by_year: dict, years: list) -> pd.Series:
    """Each year's count (NaN for a year without indicator rows, as pandas aligns them)."""
    values = [by_year.get(y, np.nan) for y in years]
    return pd.Series(values, dtype=float if any(y not in by_year for y in years) else "int64")


def regressions(rows: pd.DataFrame, key: str, commune_id: str, year: int) -> pd.DataFrame:
    """Rows of `year` (criteria or indicators, by `key`) met in an earlier year but not now,
    with `last_met`, the last year they were met (in the order of `key`'s values)."""
    mine = _where(rows, rows["commune_id"] == commune_id)
    keys, years, status = (mine[c].tolist() for c in (key, "year", "status"))
    last_met, now = {}, {}  # a commune's few hundred rows: counted in Python
    for k, y, s in zip(keys, years, status):
        if y == year:
            now[k] = s
        elif y < year and s == "met" and y > last_met.get(k, y - 1):
            last_met[k] = y
    lost = [k for k in _in_order(mine[key], last_met) if k in now and now[k] != "met"]
    now_rows = mine[mine["year"] == year].set_index(key)
    out = now_rows.loc[lost].reset_index()
    out["last_met"] = out[key].map(last_met).astype(int) if len(out) else pd.Series(dtype=int)
    return out


def _in_order(column: pd.Series, found: dict) -> list:
    """The keys of `found` in the order a groupby on `column` gives them: a category's order,
    or sorted."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [k for k in column.cat.categories if k in found]
    return sorted(found)


def indicator_trends(
    a: Assessment,
    cset: CriteriaSet,
    register: pd.DataFrame,
    until: int | None = None,
    commune_id: str | None = None,
    window: int = WINDOW,
    horizon: int = HORIZON,
) -> pd.DataFrame:
    """One row per commune and indicator: last value, threshold and status, the yearly rate of
    change, its direction, and the projected year the threshold is met (with a note why not)."""
    ind = a.indicators
    if commune_id is not None:
        ind = _where(ind, ind["commune_id"] == commune_id)
    if until is not None:
        ind = _where(ind, ind["year"] <= until)
    if ind.empty:
        return pd.DataFrame()
    last_year = int(ind["year"].max())
    last, y, years = _last_and_window(ind, last_year, window)
    n = (~np.isnan(y)).sum(axis=1)  # years with a value
    slope, intercept = linear_fit(y, years)

    codes, communes = last["indicator"], last["commune_id"]
    by_code = {i.code: i for i in cset.indicators}
    ops = np.array([by_code[c].rule.op for c in codes], dtype=object)
    kinds = np.array([by_code[c].unit_kind for c in codes], dtype=object)
    toward = _toward(ops, slope)
    status = last["status"]
    future = list(range(last_year + 1, last_year + horizon + 1))
    # Only the rows whose note waits on the projection need next years' thresholds.
    open_ = _projection_notes(status, kinds, n, slope, toward, np.zeros(len(status))) == "projected"
    thr_future = np.full((len(status), horizon), np.nan)
    thr_future[open_] = _future_thresholds(cset, register, communes[open_], codes[open_], future)
    projected = intercept[:, None] + slope[:, None] * np.asarray(future, dtype=float)[None, :]
    hits = compare(np.round(projected, 6), thr_future, ops[:, None]) & toward[:, None]
    first = np.where(hits.any(axis=1), np.argmax(hits, axis=1), -1)
    year_hit = np.where(first >= 0, np.asarray(future)[np.maximum(first, 0)], -1)
    note = _projection_notes(status, kinds, n, slope, toward, first)
    projected_year = np.where(note == "met", last_year, np.where(note == "projected", year_hit, -1))
    direction = np.select(
        [n < 2, slope == 0, toward], ["unknown", "flat", "improving"], "worsening"
    )
    return pd.DataFrame(
        {
            "commune_id": communes,
            "indicator": codes,
            "year": last_year,
            "value": last["value"],
            "threshold": last["threshold"],
            "status": status,
            "years_used": n,
            "slope_per_year": slope,
            "direction": np.where(kinds == "yes_no", "unknown", direction),
            "projected_year": pd.array(
                np.where(projected_year >= 0, projected_year, None), dtype="Int64"
            ),
            "projection_note": note,
        }
    )


def _toward(ops: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """Whether each row's trend moves toward meeting its rule (never for an equality)."""
    up, down = np.isin(ops, [">=", ">"]), np.isin(ops, ["<=", "<"])
    return np.where(up, slope > 0, np.where(down, slope < 0, False))


def _last_and_window(ind: pd.DataFrame, last_year: int, window: int):
    """(the last year's rows: their commune, indicator (as text), value, threshold and status,
    by column; their values over the window's years [row, year]; those years). A (commune,
    indicator, year) has one row (intake refuses a second): each value goes straight to its
    cell, found by a dict (a page's few hundred rows: no index built)."""
    year = ind["year"].to_numpy()
    years = sorted(y for y in pd.unique(year) if y > last_year - window)
    at_last = np.flatnonzero(year == last_year)
    window_rows = np.flatnonzero(np.isin(year, years))
    cid, code = ind["commune_id"].to_numpy(), ind["indicator"].to_numpy()
    row_of = {(cid[i], code[i]): n for n, i in enumerate(at_last.tolist())}
    rows = [row_of.get((cid[i], code[i]), -1) for i in window_rows.tolist()]
    row = np.asarray(rows, dtype=np.int64)
    col = np.searchsorted(np.array(years), year[window_rows])
    value = ind["value"].to_numpy(dtype=float)
    values = np.full((len(at_last), len(years)), np.nan)
    kept = row >= 0  # rows of an indicator the last year has no row for are not projected
    values[row[kept], col[kept]] = value[window_rows][kept]
    last = {
        "commune_id": pd.Index(cid[at_last]).astype(str),
        "indicator": pd.Index(code[at_last]).astype(str),
        "value": value[at_last],
        "threshold": ind["threshold"].to_numpy(dtype=float)[at_last],
        "status": ind["status"].to_numpy()[at_last].astype(str).astype(object),
    }
    return last, values, years


def _future_thresholds(cset, register, communes, codes, future: list[int]) -> np.ndarray:
    """Each row's threshold in each future year, in its commune's zone: [row, future year]
    (each indicator and zone looked up once)."""
    if not len(codes):
        return np.empty((0, len(future)))
    zone_of = commune_zones(register).reindex(communes)
    rows = {}
    for code, zone in zip(codes, zone_of):
        if (code, zone) not in rows:
            rows[code, zone] = [cell(cset, code, zone, year).value for year in future]
    table = [rows[code, zone] for code, zone in zip(codes, zone_of)]
    return np.round(np.array(table, dtype=float), DECIMALS)


def _projection_notes(status, kinds, n, slope, toward, first) -> np.ndarray:
    """Why each row has a projected year, or why not: the first reason that holds."""
    return np.select(
        [
            status == "met",
            np.isin(status, ["not_applicable", "no_threshold"]),
            status == "missing",
            kinds == "yes_no",
            n < 2,
            slope == 0,
            ~toward,
            first < 0,
        ],
        [
            "met",
            "no_threshold",
            "missing",
            "yes_no",
            "too_few_years",
            "flat",
            "wrong_direction",
            "beyond_horizon",
        ],
        default="projected",
    )
