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
from dataclasses import dataclass, field
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
    OP_SYMBOL,
    Evidence,
    Group,
    IndicatorSpec,
    LegalBasis,
    OverrideSpec,
    Period,
    Rule,
    SetFile,
    Source,
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
    verified: bool
    evidence: dict
    defined_in: str
    value_from: str | None = None  # id of the set whose file states this indicator's current rule

    def source_text(self) -> str:
        parts = [self.source.get("document"), self.source.get("article")]
        return ", ".join(p for p in parts if p)

    def rule_text(self, lang: str | None = None) -> str:
        """The rule as a person reads it, e.g. '≥ 50' or '≥ 1,1 × ngưỡng 10.1'."""
        r = self.rule
        sym = OP_SYMBOL[r.op]
        if self.unit_kind == "yes_no":
            return t("rule_yes", lang) if r.threshold == 1 else t("rule_no", lang)
        if r.threshold is not None:
            return f"{sym} {fmt_number(r.threshold)}"
        if r.relative_to is not None:
            return t("rule_relative", lang, op=sym, factor=fmt_number(r.relative_to.factor),
                     indicator=r.relative_to.indicator)
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
        return t("legal_basis", lang, number=lb.number, date=lb.date.strftime("%d/%m/%Y"),
                 issuer=pick(lb.issuer.model_dump(), lang))


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@lru_cache(maxsize=1)
def common() -> dict:
    return yaml.safe_load(COMMON_FILE.read_text(encoding="utf-8"))


def region_ids() -> list[str]:
    return [r["id"] for r in common()["regions"]]


def units() -> dict:
    return common()["units"]


def list_sets(directory: Path = SETS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def set_path(set_id: str, directory: Path = SETS_DIR) -> Path:
    candidate = Path(set_id)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    path = directory / f"{set_id}.yaml"
    if not path.exists():
        raise CriteriaSetError(t("unknown_set", set_id=set_id, known=", ".join(list_sets())))
    return path


def load_set(set_id: str) -> CriteriaSet:
    """The resolved criteria set `set_id` (a shipped id, or the path of a YAML file)."""
    path = set_path(set_id)
    return _load_resolved(str(path.resolve()))


@lru_cache(maxsize=32)
def _load_resolved(path_str: str) -> CriteriaSet:
    return _resolve(Path(path_str), seen=())


def _read_spec(path: Path) -> tuple[SetFile, str]:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CriteriaSetError(t("set_yaml_invalid", file=str(path), error=str(exc))) from exc
    try:
        spec = SetFile.model_validate(data)
    except ValidationError as exc:
        lines = [t("set_schema_error", file=str(path), key=_loc(err["loc"], data),
                   error=err["msg"]) for err in exc.errors()]
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


def _make_indicator(spec: IndicatorSpec | OverrideSpec, base: Indicator | None, criterion: str,
                    set_spec: SetFile, crit_source: Source | None, path: Path) -> Indicator:
    d = set_spec.defaults
    unit = spec.unit or (base.unit if base else None)
    known_units = units()
    if unit not in known_units:
        raise CriteriaSetError(t("set_unknown_unit", file=str(path), code=spec.code, unit=unit,
                                 known=", ".join(known_units)))
    restates_rule = base is None or spec.rule is not None
    verified = spec.verified if spec.verified is not None else d.verified
    evidence = spec.evidence or d.evidence
    if restates_rule and (verified is None or evidence is None):
        raise CriteriaSetError(t("set_missing_evidence", file=str(path), code=spec.code))
    if base is not None and not restates_rule:
        verified = base.verified if verified is None else verified
        evidence = evidence or Evidence.model_validate(base.evidence)
    if verified and evidence.kind != "official":
        raise CriteriaSetError(t("set_verified_not_official", file=str(path), code=spec.code))
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
        verified=bool(verified),
        evidence=evidence.model_dump(exclude_none=True),
        defined_in=set_spec.id if restates_rule else base.defined_in,
        value_from=getattr(spec, "value_from", None) or (base.value_from if base else None),
    )


def _apply_overrides(criteria: list[Criterion], spec: SetFile, path: Path) -> list[Criterion]:
    by_code = {i.code: (ci, ii) for ci, c in enumerate(criteria) for ii, i in enumerate(c.indicators)}
    out = [list(c.indicators) for c in criteria]
    for ov in spec.overrides:
        if ov.code not in by_code:
            raise CriteriaSetError(t("set_override_unknown", file=str(path), code=ov.code,
                                     parent=spec.parent))
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
        parent = _resolve(path.parent / f"{spec.parent}.yaml", seen + (spec.id,))
        criteria = list(parent.criteria)
        files.update(parent.files)
        lineage += parent.lineage
        status_label = status_label or parent.status_label
        groups = list(parent.groups)
        key_indicators = list(parent.key_indicators)
    own = {g.id for g in spec.groups}
    groups = [g for g in groups if g.id not in own] + list(spec.groups)
    for sibling_id in spec.also_overlay:
        sibling, sibling_digest = _read_spec(path.parent / f"{sibling_id}.yaml")
        files[sibling_id] = sibling_digest
        criteria = _apply_overrides(criteria, sibling, path.parent / f"{sibling_id}.yaml")
    criteria = _apply_overrides(criteria, spec, path)
    numbers = {c.number for c in criteria}
    for cspec in spec.criteria:
        if cspec.number in numbers:
            raise CriteriaSetError(t("set_duplicate_criterion", file=str(path), number=cspec.number))
        numbers.add(cspec.number)
        inds = tuple(_make_indicator(i, None, cspec.number, spec, cspec.source, path)
                     for i in cspec.indicators)
        criteria.append(Criterion(cspec.number, cspec.name.model_dump(), inds))
    if status_label is None:
        raise CriteriaSetError(t("set_schema_error", file=str(path), key="status_label",
                                 error="required"))
    cset = CriteriaSet(spec.id, spec.title.model_dump(), spec.level, spec.period, spec.legal_basis,
                       status_label, tuple(criteria), lineage, files, tuple(groups),
                       tuple(spec.key_indicators or key_indicators),
                       spec.province or (parent.province if spec.parent else None))
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
        raise CriteriaSetError(t("set_relative_unknown", file=str(path), code="key_indicators",
                                 ref=", ".join(unknown_keys)))
    known_regions = set(region_ids())
    for ind in cset.indicators:
        r = ind.rule
        if ind.unit_kind == "yes_no" and (r.op != "==" or r.threshold not in (0, 1)):
            raise CriteriaSetError(t("set_bad_yes_no", file=str(path), code=ind.code))
        for case in r.thresholds or []:
            if case.region is not None and case.region not in known_regions:
                raise CriteriaSetError(t("set_unknown_region", file=str(path), code=ind.code,
                                         region=case.region, known=", ".join(sorted(known_regions))))
        if ind.value_from is not None and ind.value_from not in codes:
            raise CriteriaSetError(t("set_relative_unknown", file=str(path), code=ind.code,
                                     ref=ind.value_from))
        if r.relative_to is not None and r.relative_to.indicator not in codes:
            raise CriteriaSetError(t("set_relative_unknown", file=str(path), code=ind.code,
                                     ref=r.relative_to.indicator))
        values = [r.threshold] if r.threshold is not None else [
            c.value for c in r.thresholds or [] if c.value is not None]
        if ind.unit_kind == "percent" and any(not 0 <= v <= 100 for v in values):
            raise CriteriaSetError(t("set_percent_range", file=str(path), code=ind.code))


# ---------------------------------------------------------------------------------------------
# Threshold lookup: a small dense table, computed once per (set, regions, years).


def _case(cset: CriteriaSet, code: str, region: str, year: int,
          group: int | None = None) -> tuple[bool, float]:
    """(found, value) of the threshold case that applies; value NaN when the case is there but
    its value is not known (the set says so rather than guessing)."""
    rule = cset.indicator(code).rule
    if rule.threshold is not None:
        return True, float(rule.threshold)
    if rule.relative_to is not None:
        found, ref = _case(cset, rule.relative_to.indicator, region, year, group)
        return found, ref * rule.relative_to.factor
    best: tuple | None = None
    for case in rule.thresholds or []:
        if case.region not in (None, region) or case.group not in (None, group):
            continue
        if case.from_year is not None and case.from_year > year:
            continue
        # A region- or group-specific value beats a general one; a later year an earlier one.
        rank = (case.region is not None, case.group is not None, case.from_year or -math.inf)
        if best is None or rank > best[0]:
            best = (rank, case.value)
    if best is None:
        return False, math.nan
    return True, math.nan if best[1] is None else float(best[1])


def threshold_of(cset: CriteriaSet, code: str, region: str, year: int,
                 group: int | None = None) -> float:
    """The threshold of indicator `code` for a commune of `region` (and commune `group`, for sets
    that have groups) in `year`; NaN if there is none or it is not known."""
    return _case(cset, code, region, year, group)[1]


def _zone(zone) -> tuple[str, int | None]:
    return (zone, None) if isinstance(zone, str) else (zone[0], zone[1])


def commune_zones(register: pd.DataFrame) -> pd.Series:
    """Each commune's (region, group) pair, by commune_id; group None where not given."""
    groups = (pd.to_numeric(register["group"], errors="coerce") if "group" in register
              else pd.Series(np.nan, index=register.index))
    zones = [(r, None if pd.isna(g) else int(g)) for r, g in zip(register["region"], groups)]
    return pd.Series(zones, index=register["commune_id"].astype(str).to_numpy(), dtype=object)


def threshold_table(cset: CriteriaSet, zones: list, years: list[int],
                    unknown: bool = False) -> np.ndarray:
    """Array [indicator, zone, year] of thresholds, in the set's indicator order. A zone is a
    region, or a (region, commune group) pair. With `unknown`, a boolean array instead: True
    where a threshold applies but its value is not known."""
    codes = [i.code for i in cset.indicators]
    table = np.full((len(codes), len(zones), len(years)), False if unknown else np.nan,
                    dtype=bool if unknown else float)
    for a, code in enumerate(codes):
        for b, zone in enumerate(zones):
            region, group = _zone(zone)
            for c, year in enumerate(years):
                found, value = _case(cset, code, region, year, group)
                table[a, b, c] = (found and math.isnan(value)) if unknown else value
    return table


def unverified(cset: CriteriaSet) -> list[Indicator]:
    return [i for i in cset.indicators if not i.verified]
