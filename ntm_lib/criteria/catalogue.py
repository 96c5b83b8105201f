"""Criteria sets as data: loading, overlay resolution, threshold lookup (file format: schema).

Each set is one YAML file in `criteria/sets/`. A set may name a `parent` whose criteria it
inherits; `overrides` replace single indicators of the parent (a provincial set lists only what
differs), `criteria` add new ones (the model conditions on top of the advanced set), and
`also_overlay` applies the overrides of sibling sets (a provincial model set inherits the
provincial advanced overrides).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from ..errors import CriteriaSetError
from ..i18n import pick, t
from .schema import (
    EVIDENCE_LEVELS,
    OP_SYMBOL,
    Evidence,
    Group,
    IndicatorSpec,
    LegalBasis,
    OverrideSpec,
    Period,
    RegionOverride,
    Rule,
    SetFile,
    Source,
    ThresholdCase,
)

SETS_DIR = Path(str(resources.files("ntm_lib").joinpath("criteria/sets")))
COMMON_FILE = Path(str(resources.files("ntm_lib").joinpath("criteria/regions.yaml")))

# ---------------------------------------------------------------------------------------------
# Resolved form: what scoring and reports use.


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

    def source_text(self) -> str:
        parts = [self.source.get("document"), self.source.get("article")]
        return ", ".join(p for p in parts if p)

    def rule_text(self, lang: str | None = None) -> str:
        """The rule as a person reads it, e.g. '≥ 50' or '≥ 1,1 × ngưỡng 10.1'."""
        r = self.rule
        sym = OP_SYMBOL[r.op]
        if self.unit_kind == "yes_no":
            stated = (
                [r.threshold]
                if r.threshold is not None
                else [c.value for c in r.thresholds or [] if c.value is not None]
            )
            return (
                t("rule_no", lang)
                if stated and all(v == 0 for v in stated)
                else t("rule_yes", lang)
            )
        if r.threshold is not None:
            return f"{sym} {fmt_number(r.threshold)}"
        if r.relative_to is not None:
            return t(
                "rule_relative",
                lang,
                op=sym,
                factor=fmt_number(r.relative_to.factor),
                indicator=r.relative_to.indicator,
            )
        return t("rule_by_region_year", lang, op=sym)


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

    @property
    def uses_groups(self) -> bool:
        """True when thresholds depend on the commune group (1, 2, 3) of the register."""
        return any(c.group is not None for i in self.indicators for c in i.rule.thresholds or [])

    @property
    def indicators(self) -> list[Indicator]:
        return [i for c in self.criteria for i in c.indicators]

    def indicator(self, code: str) -> Indicator:
        return self._by_code()[code]

    def _by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

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


@lru_cache(maxsize=1)
def common() -> dict:
    return yaml.safe_load(COMMON_FILE.read_text(encoding="utf-8"))


def region_ids() -> list[str]:
    return [r["id"] for r in common()["regions"]]


def units() -> dict:
    return common()["units"]


def special_categories() -> dict[str, dict]:
    """The special commune categories a register may name, by id (see regions.yaml)."""
    return {c["id"]: c for c in common()["special_categories"]}


def sets_dirs() -> list[Path]:
    """Folders searched for criteria sets: those of NTM_SETS_DIR (or --sets-dir), then the
    shipped sets."""
    extra = [Path(p) for p in os.environ.get("NTM_SETS_DIR", "").split(os.pathsep) if p.strip()]
    return extra + [SETS_DIR]


def list_sets() -> list[str]:
    return sorted({p.stem for d in sets_dirs() for p in d.glob("*.yaml")})


def set_path(set_id: str) -> Path:
    """The file of set `set_id`: a path to a YAML file, or an id found in exactly one of the
    folders of sets_dirs()."""
    candidate = Path(set_id)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    found = [d / f"{set_id}.yaml" for d in sets_dirs() if (d / f"{set_id}.yaml").is_file()]
    if not found:
        raise CriteriaSetError(t("unknown_set", set_id=set_id, known=", ".join(list_sets())))
    if len(found) > 1:
        raise CriteriaSetError(
            t("set_id_twice", set_id=set_id, files=", ".join(str(f) for f in found))
        )
    return found[0]


def load_set(set_id: str) -> CriteriaSet:
    """The resolved criteria set `set_id` (a shipped id, or the path of a YAML file)."""
    path = set_path(set_id).resolve()
    stat = path.stat()  # a file rewritten in this process is read again
    return _load_resolved(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load_resolved(path_str: str, mtime_ns: int, size: int) -> CriteriaSet:
    return _resolve(Path(path_str), seen=())


def _related(path: Path, set_id: str) -> Path:
    """A parent or sibling set: beside the file that names it, else wherever sets are found."""
    beside = path.parent / f"{set_id}.yaml"
    return beside if beside.is_file() else set_path(set_id)


def _read_spec(path: Path) -> tuple[SetFile, str]:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CriteriaSetError(t("set_yaml_invalid", file=str(path), error=str(exc))) from exc
    try:
        spec = SetFile.model_validate(data)
    except ValidationError as exc:
        lines = [
            t("set_schema_error", file=str(path), key=_loc(err["loc"], data), error=err["msg"])
            for err in exc.errors()
        ]
        raise CriteriaSetError("\n".join(lines)) from exc
    if spec.id != path.stem:
        raise CriteriaSetError(t("set_id_mismatch", file=str(path), id=spec.id))
    return spec, hashlib.sha256(raw).hexdigest()


def _loc(loc: tuple, data) -> str:
    """A pydantic error location as a readable key path, naming indicators by their code."""
    parts, node = [], data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            node = node[item] if item < len(node) else None
            label = None
            if isinstance(node, dict):
                label = node.get("code") or node.get("number")
            parts[-1] = f"{parts[-1]}[{label if label is not None else item}]"
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _merge_source(*sources: Source | dict | None) -> dict:
    out: dict = {}
    for s in sources:
        if s is None:
            continue
        d = s.model_dump(exclude_none=True) if isinstance(s, BaseModel) else s
        out.update({k: v for k, v in d.items() if v is not None})
    return out


def _make_indicator(
    spec: IndicatorSpec | OverrideSpec,
    base: Indicator | None,
    criterion: str,
    set_spec: SetFile,
    crit_source: Source | None,
    path: Path,
) -> Indicator:
    d = set_spec.defaults
    unit = spec.unit or (base.unit if base else None)
    known_units = units()
    if unit not in known_units:
        raise CriteriaSetError(
            t(
                "set_unknown_unit",
                file=str(path),
                code=spec.code,
                unit=unit,
                known=", ".join(known_units),
            )
        )
    restates_rule = base is None or spec.rule is not None
    evidence = spec.evidence or d.evidence
    if restates_rule and evidence is None:
        raise CriteriaSetError(t("set_missing_evidence", file=str(path), code=spec.code))
    if base is not None and not restates_rule:
        evidence = evidence or Evidence.model_validate(base.evidence)
    if restates_rule:
        source = _merge_source(d.source, crit_source, spec.source)
    else:
        source = _merge_source(base.source, spec.source)
    if not source.get("document"):
        raise CriteriaSetError(t("set_missing_source", file=str(path), code=spec.code))
    return Indicator(
        code=spec.code,
        criterion=criterion,
        name=spec.name.model_dump() if spec.name is not None else base.name,
        unit=unit,
        unit_kind=known_units[unit]["kind"],
        rule=spec.rule or base.rule,
        source=source,
        evidence=evidence.model_dump(exclude_none=True),
        defined_in=set_spec.id if restates_rule else base.defined_in,
        value_from=getattr(spec, "value_from", None) or (base.value_from if base else None),
        tolerance=(
            spec.tolerance.model_dump(exclude_none=True)
            if spec.tolerance is not None
            else (base.tolerance if base else None)
        ),
    )


def _apply_overrides(criteria: list[Criterion], spec: SetFile, path: Path) -> list[Criterion]:
    by_code = {
        i.code: (ci, ii) for ci, c in enumerate(criteria) for ii, i in enumerate(c.indicators)
    }
    out = [list(c.indicators) for c in criteria]
    for ov in spec.overrides:
        if ov.code not in by_code:
            raise CriteriaSetError(
                t("set_override_unknown", file=str(path), code=ov.code, parent=spec.parent)
            )
        ci, ii = by_code[ov.code]
        out[ci][ii] = _make_indicator(ov, out[ci][ii], criteria[ci].number, spec, None, path)
    return [Criterion(c.number, c.name, tuple(inds)) for c, inds in zip(criteria, out)]


def _resolve(path: Path, seen: tuple[str, ...]) -> CriteriaSet:
    spec, digest = _read_spec(path)
    if spec.id in seen:
        raise CriteriaSetError(t("set_cycle", file=str(path), chain=" → ".join(seen + (spec.id,))))
    files = {spec.id: digest}
    lineage: tuple[str, ...] = (spec.id,)
    criteria: list[Criterion] = []
    status_label = spec.status_label.model_dump() if spec.status_label else None
    if spec.parent is None and spec.overrides:
        raise CriteriaSetError(t("set_override_no_parent", file=str(path)))
    groups: list[Group] = []
    key_indicators: list[str] = []
    if spec.parent is not None:
        parent = _resolve(_related(path, spec.parent), seen + (spec.id,))
        criteria = list(parent.criteria)
        files.update(parent.files)
        lineage += parent.lineage
        status_label = status_label or parent.status_label
        groups = list(parent.groups)
        key_indicators = list(parent.key_indicators)
    own = {g.id for g in spec.groups}
    groups = [g for g in groups if g.id not in own] + list(spec.groups)
    for sibling_id in spec.also_overlay:
        sibling_path = _related(path, sibling_id)
        sibling, sibling_digest = _read_spec(sibling_path)
        files[sibling_id] = sibling_digest
        criteria = _apply_overrides(criteria, sibling, sibling_path)
    criteria = _apply_overrides(criteria, spec, path)
    inherited = {c.number for c in criteria}
    seen_here: set[str] = set()
    for cspec in spec.criteria:
        if cspec.number in seen_here:
            raise CriteriaSetError(
                t("set_duplicate_criterion", file=str(path), number=cspec.number)
            )
        seen_here.add(cspec.number)
        inds = tuple(
            _make_indicator(i, None, cspec.number, spec, cspec.source, path)
            for i in cspec.indicators
        )
        if cspec.number in inherited:  # an overlay adds indicators to a parent's criterion
            k = next(k for k, c in enumerate(criteria) if c.number == cspec.number)
            if cspec.name is not None and cspec.name.model_dump() != criteria[k].name:
                raise CriteriaSetError(
                    t("set_duplicate_criterion", file=str(path), number=cspec.number)
                )
            criteria[k] = Criterion(
                criteria[k].number, criteria[k].name, criteria[k].indicators + inds
            )
            continue
        if cspec.name is None:
            raise CriteriaSetError(
                t(
                    "set_schema_error",
                    file=str(path),
                    key=f"criteria[{cspec.number}].name",
                    error="required",
                )
            )
        criteria.append(Criterion(cspec.number, cspec.name.model_dump(), inds))
    if status_label is None:
        raise CriteriaSetError(
            t("set_schema_error", file=str(path), key="status_label", error="required")
        )
    cset = CriteriaSet(
        spec.id,
        spec.title.model_dump(),
        spec.level,
        spec.period,
        spec.legal_basis,
        status_label,
        tuple(criteria),
        lineage,
        files,
        tuple(groups),
        tuple(spec.key_indicators or key_indicators),
        spec.province or (parent.province if spec.parent else None),
        spec.region_override or (parent.region_override if spec.parent else None),
    )
    _check(cset, path)
    return cset


def _check(cset: CriteriaSet, path: Path) -> None:
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
    known_regions = set(region_ids())
    ov = cset.region_override
    if ov is not None:
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
    for ind in cset.indicators:
        r = ind.rule
        stated = (
            [r.threshold]
            if r.threshold is not None
            else [c.value for c in r.thresholds or [] if c.value is not None]
        )
        if ind.unit_kind == "yes_no" and (
            r.op != "==" or r.relative_to is not None or any(v not in (0, 1) for v in stated)
        ):
            raise CriteriaSetError(t("set_bad_yes_no", file=str(path), code=ind.code))
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
        if ind.value_from is not None and ind.value_from not in codes:
            raise CriteriaSetError(
                t("set_relative_unknown", file=str(path), code=ind.code, ref=ind.value_from)
            )
        if r.relative_to is not None and r.relative_to.indicator not in codes:
            raise CriteriaSetError(
                t(
                    "set_relative_unknown",
                    file=str(path),
                    code=ind.code,
                    ref=r.relative_to.indicator,
                )
            )
        values = (
            [r.threshold]
            if r.threshold is not None
            else [c.value for c in r.thresholds or [] if c.value is not None]
        )
        if ind.unit_kind == "percent" and any(not 0 <= v <= 100 for v in values):
            raise CriteriaSetError(t("set_percent_range", file=str(path), code=ind.code))


# ---------------------------------------------------------------------------------------------
# Threshold lookup: a small dense grid, computed once per (set, zones, years).
#
# A zone is a region, a (region, group) pair, or (region, group, special category). Each cell
# of the indicator x zone x year grid is in one of four states: a value; declared unknown
# (no_threshold); declared not applicable by a cited legal text; or undeclared, which is scored
# like unknown: a gap is never read as "does not apply".

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
    best: tuple | None = None
    for case in rule.thresholds or []:
        if case.region not in (None, region) or case.group not in (None, group):
            continue
        if case.from_year is not None and case.from_year > year:
            continue
        # A region- or group-specific value beats a general one; a later year an earlier one.
        rank = (case.region is not None, case.group is not None, case.from_year or -math.inf)
        if best is None or rank > best[0]:
            best = (rank, case)
    if best is None:
        return Cell(UNDECLARED)
    case = best[1]
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
    return pd.Series(zones, index=register["commune_id"].astype(str).to_numpy(), dtype=object)


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


def unverified(cset: CriteriaSet) -> list[Indicator]:
    """Indicators with a threshold below `official` evidence, or none known at all."""
    return [i for i in cset.indicators if not i.verified]


def evidence_counts(cset: CriteriaSet) -> dict[str, int]:
    """Indicators by the weakest evidence of their thresholds ('none': no threshold known)."""
    counts = {k: 0 for k in EVIDENCE_LEVELS + ("none",)}
    for ind in cset.indicators:
        counts[ind.weakest] += 1
    return counts


def checked_by(cset: CriteriaSet) -> list[str]:
    """Who checked the set's thresholds (as its evidence records), for manifests and reports."""
    names = set()
    for ind in cset.indicators:
        for case in [None] + list(ind.rule.thresholds or []):
            who = ind.case_evidence(case).get("checked_by")
            if who:
                names.add(who)
    return sorted(names)


def provenance_of(cset: CriteriaSet) -> dict:
    """What manifests and reports record of a set: its files' SHA-256 and who checked it."""
    return {"id": cset.id, "files": cset.files, "checked_by": checked_by(cset)}
