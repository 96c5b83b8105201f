"""The criteria-set file format: what a set's YAML may hold, validated by pydantic.

Every model forbids unknown keys, so a typing slip in a set file is refused with its key path
instead of being ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

OPS = (">=", ">", "<=", "<", "==")
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    vi: str
    en: str


class Evidence(_Strict):
    kind: Literal["official", "secondary", "working"]
    note: Text | None = None
    url: str | None = None
    document: str | None = None


class Source(_Strict):
    document: str | None = None
    article: str | None = None
    url: str | None = None


class ThresholdCase(_Strict):
    value: float | None  # None: this case has a threshold that is not known yet
    region: str | None = None
    group: Literal[1, 2, 3] | None = None  # commune group (2026-2030 sets)
    from_year: int | None = None


class RelativeTo(_Strict):
    indicator: str
    factor: float


class Rule(_Strict):
    op: Literal[">=", ">", "<=", "<", "=="]
    threshold: float | None = None
    thresholds: list[ThresholdCase] | None = None
    relative_to: RelativeTo | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        given = [x is not None for x in (self.threshold, self.thresholds, self.relative_to)]
        if sum(given) != 1:
            raise ValueError("a rule needs exactly one of threshold, thresholds, relative_to")
        return self


class IndicatorSpec(_Strict):
    code: str
    name: Text
    unit: str
    rule: Rule
    value_from: str | None = None  # measured by another indicator's value (no data row of its own)
    source: Source | None = None
    verified: bool | None = None
    evidence: Evidence | None = None


class OverrideSpec(_Strict):
    code: str
    name: Text | None = None
    unit: str | None = None
    rule: Rule | None = None
    source: Source | None = None
    verified: bool | None = None
    evidence: Evidence | None = None


class CriterionSpec(_Strict):
    number: str
    name: Text
    source: Source | None = None
    indicators: list[IndicatorSpec] = []  # empty: the criterion's indicators are not known yet


class Amendment(_Strict):
    number: str
    date: dt.date
    note: Text | None = None


class LegalBasis(_Strict):
    number: str
    date: dt.date
    issuer: Text
    url: str | None = None
    amended_by: list[Amendment] = []


class Period(_Strict):
    start: int
    end: int


class Defaults(_Strict):
    source: Source | None = None
    verified: bool | None = None
    evidence: Evidence | None = None


class Group(_Strict):
    """A display grouping of criteria, for charts and summaries."""

    id: str
    name: Text
    criteria: list[str]


class SetFile(_Strict):
    id: str
    title: Text
    level: Literal["basic", "advanced", "model", "modern"]
    period: Period
    legal_basis: LegalBasis
    status_label: Text | None = None
    province: str | None = None  # a provincial set applies to the communes of this province
    parent: str | None = None
    also_overlay: list[str] = []
    defaults: Defaults = Defaults()
    groups: list[Group] = []
    key_indicators: list[str] = []  # compared across communes in reports
    criteria: list[CriterionSpec] = []
    overrides: list[OverrideSpec] = []
