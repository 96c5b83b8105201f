"""A resolved criteria set: what scoring and reports use, once overlays are applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from ..i18n import pick, t
from .regions import units
from .requirement import requirement_text
from .schema import (
    EVIDENCE_LEVELS,
    OP_SYMBOL,
    Group,
    LegalBasis,
    Period,
    RegionOverride,
    Rule,
    ThresholdCase,
)


@dataclass(frozen=True)
class Indicator:
    code: str
    criterion: str
    name: dict
    unit: str
    unit_kind: str
    rule: Rule
    source: dict
    evidence: dict  # the indicator's own; a threshold case may carry its own instead
    defined_in: str  # id of the set whose file states this indicator's current rule
    value_from: str | None = None
    tolerance: dict | None = None  # the indicator's own; else its unit's

    def tolerance_at(self, threshold: float) -> float:
        """The measurement tolerance around `threshold`, in the indicator's unit (0: exact). A
        threshold at the end of the unit's range (100%: every road, every household) asks for
        all of something, a count rather than an estimate: it has none."""
        unit = units()[self.unit]
        bounds = unit.get("plausible", {})
        if threshold in (bounds.get("max"), bounds.get("min")) and unit["kind"] == "percent":
            return 0.0
        tol = self.tolerance or unit.get("tolerance") or {}
        if tol.get("absolute") is not None:
            return float(tol["absolute"])
        if tol.get("relative") is not None:
            return abs(float(threshold)) * float(tol["relative"])
        return 0.0

    def case_evidence(self, case: ThresholdCase | None = None) -> dict:
        if case is not None and case.evidence is not None:
            return case.evidence.model_dump(exclude_none=True)
        return self.evidence

    def levels(self) -> list[str]:
        """The evidence level of each threshold this indicator states (unknown ones excluded)."""
        r = self.rule
        if r.thresholds is None:
            return [self.evidence["kind"]]
        return [
            self.case_evidence(c)["kind"]
            for c in r.thresholds
            if c.value is not None or c.not_applicable is not None
        ]

    @property
    def weakest(self) -> str:
        """The weakest evidence level of its thresholds; 'none' when no threshold is known."""
        levels = self.levels()
        return max(levels, key=EVIDENCE_LEVELS.index) if levels else "none"

    @property
    def verified(self) -> bool:
        """Every threshold it states was read in the decision's own text."""
        return self.weakest == "official"

    def stated_values(self) -> list[float]:
        """The threshold values the rule states (a single threshold, or its known cases)."""
        r = self.rule
        if r.threshold is not None:
            return [r.threshold]
        return [c.value for c in r.thresholds or [] if c.value is not None]

    def source_text(self) -> str:
        parts = [self.source.get("document"), self.source.get("article")]
        return ", ".join(p for p in parts if p)

    def rule_text(self, lang: str | None = None) -> str:
        """The rule as a person reads it, e.g. '≥ 50%' or '≥ 1,1 × ngưỡng 10.1': the forms
        the requirement parser reads back (criteria.requirement)."""
        r = self.rule
        if self.unit_kind == "yes_no":
            stated = self.stated_values()
            return (
                t("rule_no", lang)
                if stated and all(v == 0 for v in stated)
                else t("rule_yes", lang)
            )
        if r.threshold is not None:
            return requirement_text(r.op, r.threshold, self.unit, lang)
        if r.relative_to is not None:
            return t(
                "rule_relative",
                lang,
                op=OP_SYMBOL[r.op],
                factor=fmt_number(r.relative_to.factor),
                indicator=r.relative_to.indicator,
            )
        return t("rule_by_region_year", lang, op=OP_SYMBOL[r.op])


@dataclass(frozen=True)
class Criterion:
    number: str
    name: dict
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class CriteriaSet:
    id: str
    title: dict
    level: str
    period: Period
    legal_basis: LegalBasis
    status_label: dict
    criteria: tuple[Criterion, ...]
    lineage: tuple[str, ...]  # this set, then its parents
    files: dict = field(default_factory=dict)  # set id -> sha256 of its file
    groups: tuple[Group, ...] = ()
    key_indicators: tuple[str, ...] = ()
    province: str | None = None
    region_override: RegionOverride | None = None
    # set id -> how its file was made: {"shipped": bool, "origin": the file's `origin`}
    origins: dict = field(default_factory=dict)

    @property
    def uses_groups(self) -> bool:
        """True when thresholds depend on the commune group (1, 2, 3) of the register."""
        return any(c.group is not None for i in self.indicators for c in i.rule.thresholds or [])

    @property
    def indicators(self) -> list[Indicator]:
        return list(self._indicators)

    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    # Built once per set (a page looks indicators up thousands of times): the set is frozen.
    @cached_property
    def _indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.criteria for i in c.indicators)

    @cached_property
    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self._indicators}

    def legal_text(self, lang: str | None = None) -> str:
        lb = self.legal_basis
        return t(
            "legal_basis",
            lang,
            number=lb.number,
            date=lb.date.strftime("%d/%m/%Y"),
            issuer=pick(lb.issuer.model_dump(), lang),
        )


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
