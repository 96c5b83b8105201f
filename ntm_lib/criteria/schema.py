"""The criteria-set file format: what a set's YAML may hold, validated by pydantic.

Every model forbids unknown keys, so a typing slip in a set file is refused with its key path
instead of being ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OPS = (">=", ">", "<=", "<", "==")
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    vi: str
    en: str


# How well a threshold is known, strongest first: read in the decision's own text; restated by
# a ministry's implementing guidance; read in the press, a provincial page or a legal Q&A; a
# working value with no source yet.
EVIDENCE_LEVELS = ("official", "guidance", "secondary", "working")


# Levels that claim a text says the value: the text and its words must be named.
CITED_LEVELS = ("official", "guidance")


class Evidence(_Strict):
    kind: Literal["official", "guidance", "secondary", "working"]
    note: Text | None = None
    document: str | None = None
    article: str | None = None
    quote: str | None = None
    url: str | None = None
    checked_by: str | None = None
    checked_on: dt.date | None = None

    @model_validator(mode="after")
    def _cited(self):
        if self.kind in CITED_LEVELS and not (
            (self.document or "").strip() and (self.quote or "").strip()
        ):
            raise ValueError(
                f"evidence of level {self.kind} needs the document and a verbatim quote"
            )
        return self


class Basis(_Strict):
    """The legal text that says an indicator does not apply to a zone or years."""

    document: str
    article: str | None = None
    quote: str | None = None
    url: str | None = None


class Source(_Strict):
    document: str | None = None
    article: str | None = None
    url: str | None = None


class ThresholdCase(_Strict):
    """One cell block of the indicator x zone x year grid: from `from_year` on (until a later
    case), for `region` and/or commune `group` (or every one), the threshold is `value`; or it
    is declared unknown (`value: null`), or not applicable by a cited legal text."""

    value: float | None = None  # None: a threshold that is not known yet
    region: str | None = None
    group: Literal[1, 2, 3] | None = None  # commune group (2026-2030 sets)
    from_year: int | None = None
    evidence: Evidence | None = None  # this case's own; else the indicator's
    not_applicable: Basis | None = None

    @model_validator(mode="after")
    def _value_or_not_applicable(self):
        if self.not_applicable is not None and self.value is not None:
            raise ValueError("a case is either a value or not_applicable, not both")
        return self


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


class Tolerance(_Strict):
    """How far from its threshold a value may lie within measurement error."""

    absolute: float | None = None
    relative: float | None = None
    assumption: bool = True  # no source sets it
    source: str | None = None
    note: Text | None = None


class IndicatorSpec(_Strict):
    code: str
    name: Text
    unit: str
    rule: Rule
    tolerance: Tolerance | None = None  # else the unit's
    value_from: str | None = None  # measured by another indicator's value (no data row of its own)
    source: Source | None = None
    evidence: Evidence | None = None


class OverrideSpec(_Strict):
    code: str
    name: Text | None = None
    unit: str | None = None
    rule: Rule | None = None
    tolerance: Tolerance | None = None
    source: Source | None = None
    evidence: Evidence | None = None


class CriterionSpec(_Strict):
    """A criterion with its indicators. In an overlay, a criterion the parent already has may be
    named again (by number, without a name) to add indicators to it."""

    number: str
    name: Text | None = None
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
    evidence: Evidence | None = None


class OverrideRule(_Strict):
    """Communes of these special categories use another region's thresholds in these years."""

    categories: list[str]
    from_year: int | None = None
    until_year: int | None = None
    evidence: Evidence


class RegionOverride(_Strict):
    """Decision 318 Art. 1 (as replaced by 211): some communes are held to the thresholds of
    another region (the Northern Midlands and Mountains) whatever their own region."""

    region: str
    rules: list[OverrideRule]


class Group(_Strict):
    """A display grouping of criteria, for charts and summaries."""

    id: str
    name: Text
    criteria: list[str]


class FileRecord(_Strict):
    """A file a set was made from: its name (never a path) and its SHA-256."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Origin(_Strict):
    """How ntm made this set file (absent in a set written by hand): from which workbook,
    read from which decision file, and who checked it when."""

    made_by: str  # the command and ntm's version
    made_on: dt.date
    workbook: FileRecord
    decision: FileRecord | None = None  # the decision file `ntm set read` read
    checked_by: str | None = None
    checked_on: dt.date | None = None


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
    region_override: RegionOverride | None = None
    criteria: list[CriterionSpec] = []
    overrides: list[OverrideSpec] = []
    origin: Origin | None = None
