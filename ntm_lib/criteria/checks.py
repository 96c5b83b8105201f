"""A resolved set's own consistency: unique codes, display groups covering every criterion,
known regions and categories, references that exist, values a unit can hold, and evidence
that matches the value it sits beside."""

from __future__ import annotations

from pathlib import Path

from ..errors import CriteriaSetError
from ..i18n import t
from .model import CriteriaSet, Indicator
from .regions import region_ids, special_categories
from .requirement import quote_supports
from .schema import CITED_LEVELS


def check_set(cset: CriteriaSet, path: Path) -> None:
    codes = [i.code for i in cset.indicators]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise CriteriaSetError(t("set_duplicate_code", file=str(path), codes=", ".join(dupes)))
    grouped = [n for g in cset.groups for n in g.criteria]
    numbers = [c.number for c in cset.criteria]
    if cset.groups and sorted(grouped) != sorted(numbers):
        raise CriteriaSetError(t("set_groups_incomplete", file=str(path)))
    unknown_keys = [k for k in cset.key_indicators if k not in codes]
    if unknown_keys:
        raise CriteriaSetError(
            t(
                "set_relative_unknown",
                file=str(path),
                code="key_indicators",
                ref=", ".join(unknown_keys),
            )
        )
    _check_region_override(cset, path)
    for ind in cset.indicators:
        _check_indicator(ind, set(codes), path)


def _check_region_override(cset: CriteriaSet, path: Path) -> None:
    known_regions = set(region_ids())
    ov = cset.region_override
    if ov is None:
        return
    unknown = [c for r in ov.rules for c in r.categories if c not in special_categories()]
    if ov.region not in known_regions or unknown:
        raise CriteriaSetError(
            t(
                "set_unknown_region",
                file=str(path),
                code="region_override",
                region=", ".join([ov.region] + unknown),
                known=", ".join(sorted(known_regions | set(special_categories()))),
            )
        )


def _check_indicator(ind: Indicator, codes: set[str], path: Path) -> None:
    r = ind.rule
    stated = ind.stated_values()
    if ind.unit_kind == "yes_no" and (
        r.op != "==" or r.relative_to is not None or any(v not in (0, 1) for v in stated)
    ):
        raise CriteriaSetError(t("set_bad_yes_no", file=str(path), code=ind.code))
    known_regions = set(region_ids())
    for case in r.thresholds or []:
        if case.region is not None and case.region not in known_regions:
            raise CriteriaSetError(
                t(
                    "set_unknown_region",
                    file=str(path),
                    code=ind.code,
                    region=case.region,
                    known=", ".join(sorted(known_regions)),
                )
            )
    for ref in (ind.value_from, r.relative_to.indicator if r.relative_to else None):
        if ref is not None and ref not in codes:
            raise CriteriaSetError(
                t("set_relative_unknown", file=str(path), code=ind.code, ref=ref)
            )
    if ind.unit_kind == "percent" and any(not 0 <= v <= 100 for v in stated):
        raise CriteriaSetError(t("set_percent_range", file=str(path), code=ind.code))
    _check_quotes(ind, path)


def _check_quotes(ind: Indicator, path: Path) -> None:
    """A threshold cited from a text (official, guidance) must be the number its quote
    states: a value changed beside an old quote would show evidence for another value."""
    r = ind.rule
    pairs = (
        [(r.threshold, ind.evidence)]
        if r.threshold is not None
        else [(c.value, ind.case_evidence(c)) for c in r.thresholds or [] if c.value is not None]
    )
    for value, ev in pairs:
        if ev.get("kind") in CITED_LEVELS and not quote_supports(ev["quote"], value, ind.unit):
            raise CriteriaSetError(
                t(
                    "set_quote_mismatch",
                    file=str(path),
                    code=ind.code,
                    value=f"{value:g}",
                    quote=ev["quote"],
                )
            )
