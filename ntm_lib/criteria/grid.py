"""Threshold lookup: a small dense grid, computed once per (set, zones, years).

A zone is a region, a (region, group) pair, or (region, group, special category). Each cell of
the indicator x zone x year grid is in one of four states: a value; declared unknown
(no_threshold); declared not applicable by a cited legal text; or undeclared, which is scored
like unknown: a gap is never read as "does not apply".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .model import CriteriaSet
from .regions import region_ids
from .schema import EVIDENCE_LEVELS, ThresholdCase

VALUE, UNKNOWN, NOT_APPLICABLE, UNDECLARED = 0, 1, 2, 3
STATES = ("value", "unknown", "not_applicable", "undeclared")
NO_EVIDENCE = len(EVIDENCE_LEVELS)  # the evidence index of a cell without a value


@dataclass(frozen=True)
class Cell:
    state: int
    value: float = math.nan
    evidence: dict = field(default_factory=dict)
    basis: dict = field(default_factory=dict)  # for NOT_APPLICABLE: the legal text


def _zone(zone) -> tuple[str, int | None, str | None]:
    if isinstance(zone, str):
        return zone, None, None
    return (tuple(zone) + (None, None))[:3]


def effective_region(cset: CriteriaSet, region: str, category: str | None, year: int) -> str:
    """The region whose thresholds a commune uses in `year`: its own, or the override region
    when its special category is one the set's override rules name for that year."""
    ov = cset.region_override
    if not category or ov is None:
        return region
    for rule in ov.rules:
        if (
            category in rule.categories
            and (rule.from_year is None or rule.from_year <= year)
            and (rule.until_year is None or year <= rule.until_year)
        ):
            return ov.region
    return region


def best_case(
    cases: list[ThresholdCase], region: str, group: int | None, year: int
) -> ThresholdCase | None:
    """The case that holds for a zone in a year: a region- or group-specific case beats a
    general one, a later year an earlier one."""
    best: tuple | None = None
    for case in cases:
        if case.region not in (None, region) or case.group not in (None, group):
            continue
        if case.from_year is not None and case.from_year > year:
            continue
        rank = (case.region is not None, case.group is not None, case.from_year or -math.inf)
        if best is None or rank > best[0]:
            best = (rank, case)
    return None if best is None else best[1]


def cell(cset: CriteriaSet, code: str, zone, year: int) -> Cell:
    """The threshold cell of indicator `code` for a commune of `zone` in `year`."""
    region, group, category = _zone(zone)
    region = effective_region(cset, region, category, year)
    ind = cset.indicator(code)
    rule = ind.rule
    if rule.threshold is not None:
        return Cell(VALUE, float(rule.threshold), ind.evidence)
    if rule.relative_to is not None:
        ref = cell(cset, rule.relative_to.indicator, (region, group), year)
        if ref.state != VALUE:
            return replace(ref, evidence={})
        weaker = max(ref.evidence["kind"], ind.evidence["kind"], key=EVIDENCE_LEVELS.index)
        return Cell(
            VALUE,
            ref.value * rule.relative_to.factor,
            ind.evidence if weaker == ind.evidence["kind"] else ref.evidence,
        )
    case = best_case(rule.thresholds or [], region, group, year)
    if case is None:
        return Cell(UNDECLARED)
    if case.not_applicable is not None:
        return Cell(
            NOT_APPLICABLE,
            evidence=ind.case_evidence(case),
            basis=case.not_applicable.model_dump(exclude_none=True),
        )
    if case.value is None:
        return Cell(UNKNOWN)
    return Cell(VALUE, float(case.value), ind.case_evidence(case))


def threshold_of(
    cset: CriteriaSet,
    code: str,
    region: str,
    year: int,
    group: int | None = None,
    category: str | None = None,
) -> float:
    """The threshold of indicator `code` for a commune of `region` (commune `group`, special
    `category`) in `year`; NaN if there is none or it is not known."""
    return cell(cset, code, (region, group, category), year).value


def commune_zones(register: pd.DataFrame) -> pd.Series:
    """Each commune's zone (region, group, special category), by commune_id."""
    groups = (
        pd.to_numeric(register["group"], errors="coerce")
        if "group" in register
        else pd.Series(np.nan, index=register.index)
    )
    cats = (
        register["special_category"].fillna("").astype(str)
        if "special_category" in register
        else pd.Series("", index=register.index)
    )
    zones = [
        (r, None if pd.isna(g) else int(g), c or None)
        for r, g, c in zip(register["region"], groups, cats)
    ]
    return pd.Series(zones, index=register["commune_id"].to_numpy(), dtype=object)


@dataclass(frozen=True)
class ThresholdGrid:
    """[indicator, zone, year] arrays: threshold values, cell states and evidence levels (an
    index into EVIDENCE_LEVELS; NO_EVIDENCE where there is no value)."""

    values: np.ndarray
    state: np.ndarray
    evidence: np.ndarray


def threshold_grid(cset: CriteriaSet, zones: list, years: list[int]) -> ThresholdGrid:
    shape = (len(cset.indicators), len(zones), len(years))
    values = np.full(shape, np.nan)
    state = np.full(shape, UNDECLARED, dtype=np.int8)
    evidence = np.full(shape, NO_EVIDENCE, dtype=np.int8)
    for a, ind in enumerate(cset.indicators):
        for b, zone in enumerate(zones):
            for c, year in enumerate(years):
                x = cell(cset, ind.code, zone, year)
                values[a, b, c], state[a, b, c] = x.value, x.state
                if x.state in (VALUE, NOT_APPLICABLE) and x.evidence:
                    evidence[a, b, c] = EVIDENCE_LEVELS.index(x.evidence["kind"])
    return ThresholdGrid(values, state, evidence)


def coverage_zones(cset: CriteriaSet) -> list:
    """The zones a set must cover: each region, by commune group when the set has groups."""
    regions = region_ids()
    if cset.uses_groups:
        return [(r, g) for r in regions for g in (1, 2, 3)]
    return regions


def coverage(cset: CriteriaSet) -> pd.DataFrame:
    """One row per indicator x zone x year of the set's period: the cell's state, value and
    evidence. An `undeclared` row is a gap in the set: it scores as no_threshold."""
    years = list(range(cset.period.start, cset.period.end + 1))
    rows = []
    for ind in cset.indicators:
        for zone in coverage_zones(cset):
            region, group, _ = _zone(zone)
            for year in years:
                x = cell(cset, ind.code, zone, year)
                rows.append(
                    {
                        "indicator": ind.code,
                        "region": region,
                        "group": group or "",
                        "year": year,
                        "state": STATES[x.state],
                        "value": x.value,
                        "evidence": x.evidence.get("kind", ""),
                        "basis": x.basis.get("document", ""),
                    }
                )
    return pd.DataFrame(rows)
