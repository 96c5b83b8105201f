"""Vectorised scoring: every indicator, criterion and commune verdict for all communes and years.

The data is laid out as a dense array [commune-year, indicator]; thresholds come from a small
[indicator, region, year] table. No Python loop runs over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..criteria.catalogue import NOT_APPLICABLE as NA_STATE
from ..criteria.catalogue import UNDECLARED, UNKNOWN, CriteriaSet, commune_zones, threshold_grid
from ..criteria.schema import EVIDENCE_LEVELS
from ..intake.inputs import PROOF_COLUMNS
from ..intake.values import distinct

MET, NOT_MET, MISSING, NOT_APPLICABLE, INCOMPLETE, NO_THRESHOLD, NO_DATA = range(7)
STATUS = np.array(
    ["met", "not_met", "missing", "not_applicable", "incomplete", "no_threshold", "no_data"],
    dtype=object,
)
# Thresholds are rounded so that 1.1 × 58 compares equal to a typed 63.8.
DECIMALS = 9


@dataclass
class Assessment:
    """Verdicts in three long tables. `commune_id` is a string column (categorical in the
    long tables): compare it with a string, never convert it."""

    set_id: str
    indicators: pd.DataFrame
    criteria: pd.DataFrame
    communes: pd.DataFrame

    def years(self, commune_id: str | None = None) -> list[int]:
        """The years with data (of one commune), oldest first."""
        com = self.communes[self.communes["status"] != "no_data"]
        if commune_id is not None:
            com = com[com["commune_id"] == commune_id]
        return sorted(int(y) for y in com["year"].unique())

    def rows(self, table: str, commune_id: str, year: int | None = None) -> pd.DataFrame:
        """One commune's rows of `table` ('indicators', 'criteria', 'communes'), of one year."""
        frame = getattr(self, table)
        mask = frame["commune_id"] == commune_id
        if year is not None:
            mask &= frame["year"] == year
        return frame[mask]

    def only(self, keep) -> Assessment:
        """The rows each table keeps by `keep(frame) -> boolean mask`, renumbered."""
        tables = [
            frame[keep(frame)].reset_index(drop=True)
            for frame in (self.indicators, self.criteria, self.communes)
        ]
        return Assessment(self.set_id, *tables)

    def only_years(self, years: list[int]) -> Assessment:
        return self.only(lambda frame: frame["year"].isin(years))


# Per rule: the sign that makes "good" positive, whether equality meets it, and the lowest
# good signed difference (the smallest positive float for a strict rule).
RULES = {
    ">=": (1.0, 0.0),
    ">": (1.0, 5e-324),
    "<=": (-1.0, 0.0),
    "<": (-1.0, 5e-324),
    "==": (-1.0, 0.0),
}


def compare(values: np.ndarray, thr: np.ndarray, ops: np.ndarray) -> np.ndarray:
    """values `op` thr, element-wise, with `ops` an array of rules broadcast against them."""
    with np.errstate(invalid="ignore"):
        return np.select(
            [ops == ">=", ops == ">", ops == "<=", ops == "<"],
            [values >= thr, values > thr, values <= thr, values < thr],
            default=values == thr,
        )


def verdicts(
    values: np.ndarray,
    thr: np.ndarray,
    ops: list[str],
    unknown: np.ndarray,
    not_applicable: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(status, gap) of every cell of [commune-year, indicator] matrices: the indicator
    verdicts, with few temporaries and no object arrays. `ops` has one rule per column."""
    sign = np.array([RULES[o][0] for o in ops])
    lowest = np.array([RULES[o][1] for o in ops])
    equal = np.array([o == "==" for o in ops])
    signed = values - thr  # NaN where the value or the threshold is missing
    signed *= sign
    if equal.any():  # "==": met only at zero difference, whichever side
        signed[:, equal] = -np.abs(signed[:, equal])
    with np.errstate(invalid="ignore"):
        met = signed >= lowest
    status = np.full(values.shape, NOT_MET, dtype=np.int8)
    status[met] = MET
    status[np.isnan(values)] = MISSING
    status[not_applicable] = NOT_APPLICABLE
    status[unknown] = NO_THRESHOLD
    gap = np.negative(signed, out=signed)
    np.maximum(gap, 0.0, out=gap)
    gap += 0.0  # -0.0 prints as "-0.0"
    gap[met] = 0.0
    if equal.any():
        gap[:, equal] = np.where(met[:, equal], 0.0, np.nan)
    gap = np.round(gap, 6, out=gap)
    gap[status >= MISSING] = np.nan
    return status, gap


def criteria_verdicts(status: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, ...]:
    """(criterion status, indicators met, indicators applicable), [commune-year, criterion],
    from the indicator statuses and the indicator -> criterion map `member` (0/1, float32):
    counts as matrix products (BLAS; exact below 2**24 indicators). A criterion may have no
    indicator yet, when the set does not know them."""

    def count(mask: np.ndarray) -> np.ndarray:
        return (mask.astype(np.float32) @ member).astype(np.int64)

    empty = member.sum(axis=0) == 0
    n_met, n_not = count(status == MET), count(status == NOT_MET)
    # Missing data and unknown thresholds both leave a criterion undecided.
    n_missing = count((status == MISSING) | (status == NO_THRESHOLD))
    n_applicable = count(status != NOT_APPLICABLE)
    crit_status = np.select(
        [empty[None, :] & (n_applicable == 0), n_applicable == 0, n_not > 0, n_missing > 0],
        [NO_THRESHOLD, NOT_APPLICABLE, NOT_MET, INCOMPLETE],
        default=MET,
    )
    return crit_status, n_met, n_applicable


def _positions(column: pd.Series, labels) -> np.ndarray:
    """Where each cell's label is in `labels` (-1 if absent), through a categorical's codes."""
    index = pd.Index(np.asarray(labels, dtype=object))
    if isinstance(column.dtype, pd.CategoricalDtype):
        where = index.get_indexer(column.cat.categories.astype(object))
        return np.append(where, -1)[column.cat.codes.to_numpy()].astype(np.int64)
    return index.get_indexer(column.astype(object)).astype(np.int64)


@dataclass(frozen=True)
class _Layout:
    """Where each commune-year sits in the [commune-year, indicator] matrices: every register
    commune in every year of the data, ordered by (commune_id, year), as a dense grid over
    (commune, year) that needs no sorting or hashing of pairs of keys."""

    communes: np.ndarray  # the register's ids, sorted
    years: list[int]
    commune: np.ndarray  # per commune-year: its commune's position
    year: np.ndarray  # per commune-year: its year's position
    has_data: np.ndarray  # per commune-year: whether any data row is there
    row_pair: np.ndarray  # per data row: its commune-year

    @classmethod
    def of(cls, register: pd.DataFrame, data: pd.DataFrame) -> _Layout:
        communes = np.sort(register["commune_id"].unique().astype(object))
        years = np.sort(data["year"].unique()).tolist()
        row_pair = _positions(data["commune_id"], communes) * len(years) + np.searchsorted(
            years, data["year"].to_numpy()
        )
        has_data = np.bincount(row_pair, minlength=len(communes) * len(years)) > 0
        commune, year = np.divmod(np.arange(len(has_data)), max(len(years), 1))
        return cls(communes, years, commune, year, has_data, row_pair)

    def year_values(self) -> np.ndarray:
        return np.asarray(self.years, dtype=np.int64)[self.year]


def _values(lay: _Layout, data: pd.DataFrame, cset: CriteriaSet) -> tuple[np.ndarray, ...]:
    """(values, the data row of each value or -1), [commune-year, indicator]; an indicator
    whose value comes from another takes that one's (`value_from`)."""
    codes = [i.code for i in cset.indicators]
    i_idx = _positions(data["indicator"], codes)
    shape = (len(lay.has_data), len(codes))
    values = np.full(shape, np.nan)
    values[lay.row_pair, i_idx] = data["value"].to_numpy(dtype=float)
    row_of = np.full(shape, -1, dtype=np.int64)
    row_of[lay.row_pair, i_idx] = np.arange(len(data))
    for j, ind in enumerate(cset.indicators):
        if ind.value_from:
            src = codes.index(ind.value_from)
            values[:, j] = values[:, src]
            row_of[:, j] = row_of[:, src]
    return values, row_of


def _thresholds(cset: CriteriaSet, register: pd.DataFrame, lay: _Layout) -> tuple[np.ndarray, ...]:
    """(threshold, state, evidence), [commune-year, indicator]. Thresholds vary by region and,
    in sets that have them, by commune group: one zone each."""
    zone_of = commune_zones(register).reindex(lay.communes)
    zones = sorted(set(zone_of), key=str)
    grid = threshold_grid(cset, zones, lay.years)
    z_of_commune = np.array([zones.index(z) for z in zone_of])
    cells = (slice(None), z_of_commune[lay.commune], lay.year)
    thr = np.round(grid.values, DECIMALS)[cells].T
    return thr, grid.state[cells].T, grid.evidence[cells].T


def _commune_status(lay: _Layout, crit_status: np.ndarray) -> tuple[np.ndarray, ...]:
    """(criteria met, criteria applicable, status) of every commune-year."""
    criteria_met = (crit_status == MET).sum(axis=1)
    criteria_total = (crit_status != NOT_APPLICABLE).sum(axis=1)
    status = np.select(
        [~lay.has_data, criteria_met == criteria_total, (crit_status == NOT_MET).any(axis=1)],
        [NO_DATA, MET, NOT_MET],
        default=INCOMPLETE,
    )
    return criteria_met, criteria_total, status


def score(
    cset: CriteriaSet, register: pd.DataFrame, data: pd.DataFrame, years: list[int] | None = None
) -> Assessment:
    """Verdicts for every register commune in every year of `data` (optionally only `years`).

    A commune of the register without any data row in a year is there too, as "no_data": a
    commune is never silently left out of a count.
    """
    inds = cset.indicators
    if years is not None:
        data = data[data["year"].isin(years)]
    lay = _Layout.of(register, data)
    values, row_of = _values(lay, data, cset)
    thr, state, evidence = _thresholds(cset, register, lay)
    # An unknown threshold, declared or not, leaves the indicator undecided; only a cited
    # legal text makes it not applicable.
    unknown = np.isin(state, [UNKNOWN, UNDECLARED])
    status, gap = verdicts(values, thr, [i.rule.op for i in inds], unknown, state == NA_STATE)

    crit_numbers = [c.number for c in cset.criteria]
    member = np.zeros((len(inds), len(crit_numbers)), dtype=np.float32)
    member[np.arange(len(inds)), [crit_numbers.index(i.criterion) for i in inds]] = 1
    crit_status, n_met, n_applicable = criteria_verdicts(status, member)
    met, total, commune_status = _commune_status(lay, crit_status)
    commune_rows = pd.DataFrame(
        {
            "commune_id": lay.communes[lay.commune],
            "year": lay.year_values(),
            "set_id": cset.id,
            "criteria_met": met,
            "criteria_total": total,
            "status": STATUS[commune_status],
        }
    )
    return Assessment(
        cset.id,
        _indicator_rows(cset, lay, data, (values, row_of, thr, status, gap, evidence)),
        _criteria_rows(cset, lay, crit_status, n_met, n_applicable),
        commune_rows,
    )


# Long tables. Repeated strings are categoricals built from codes: no hashing, no copies.
def _cat(index: np.ndarray, labels) -> pd.Categorical:
    """labels[index] as a categorical; labels may repeat (units, rules, sources)."""
    label_codes, uniques = pd.factorize(np.asarray(labels, dtype=object))
    return pd.Categorical.from_codes(label_codes[index], categories=pd.Index(uniques, dtype=object))


def _indicator_rows(cset: CriteriaSet, lay: _Layout, data: pd.DataFrame, cells) -> pd.DataFrame:
    """The indicators table from the [commune-year, indicator] matrices `cells`: values, data
    rows, thresholds, statuses, gaps and evidence levels."""
    values, row_of, thr, status, gap, evidence = cells
    inds = cset.indicators
    rows_pair = np.repeat(np.arange(len(lay.has_data)), len(inds))
    cols_ind = np.tile(np.arange(len(inds)), len(lay.has_data))
    row_flat = row_of.ravel()
    refs = data["input_ref"].to_numpy(dtype=object)
    rows = pd.DataFrame(
        {
            "commune_id": _cat(lay.commune[rows_pair], lay.communes),
            "year": lay.year_values()[rows_pair],
            "set_id": _cat(np.zeros(len(rows_pair), dtype=np.int8), [cset.id]),
            "criterion": _cat(cols_ind, [i.criterion for i in inds]),
            "indicator": _cat(cols_ind, [i.code for i in inds]),
            "value": values.ravel(),
            "unit": _cat(cols_ind, [i.unit for i in inds]),
            "rule": _cat(cols_ind, [i.rule.op for i in inds]),
            "threshold": thr.ravel(),
            "status": _cat(status.ravel(), STATUS),
            "gap": gap.ravel(),
            "source": _cat(cols_ind, [i.source_text() for i in inds]),
            "evidence": _cat(evidence.ravel(), list(EVIDENCE_LEVELS) + [""]),
            "verified": evidence.ravel() == EVIDENCE_LEVELS.index("official"),
            "input_ref": (
                np.where(row_flat >= 0, refs[np.maximum(row_flat, 0)], "")
                if len(refs)
                else np.array([], dtype=object)
            ),
        }
    )
    for col in PROOF_COLUMNS:  # the document behind each value, from the input row
        source = data[col] if col in data else pd.Series("", index=data.index)
        codes, labels = distinct(source)
        labels = np.append(labels.to_numpy(dtype=object), "")
        where = codes[np.maximum(row_flat, 0)] if len(codes) else 0
        rows[col] = _cat(np.where(row_flat >= 0, where, len(labels) - 1), labels)
    return rows


def _criteria_rows(cset: CriteriaSet, lay: _Layout, crit_status, n_met, n_applicable):
    n_crit = len(cset.criteria)
    rows_pair = np.repeat(np.arange(len(lay.has_data)), n_crit)
    cols = np.tile(np.arange(n_crit), len(lay.has_data))
    return pd.DataFrame(
        {
            "commune_id": _cat(lay.commune[rows_pair], lay.communes),
            "year": lay.year_values()[rows_pair],
            "set_id": _cat(np.zeros(len(rows_pair), dtype=np.int8), [cset.id]),
            "criterion": _cat(cols, [c.number for c in cset.criteria]),
            "name_vi": _cat(cols, [c.name["vi"] for c in cset.criteria]),
            "name_en": _cat(cols, [c.name["en"] for c in cset.criteria]),
            "status": _cat(crit_status.ravel(), STATUS),
            "indicators_met": n_met.ravel(),
            "indicators_total": n_applicable.ravel(),
        }
    )
