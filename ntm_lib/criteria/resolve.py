"""Loading a set file and resolving its overlays into a CriteriaSet.

Each set is one YAML file. A set may name a `parent` whose criteria it inherits; `overrides`
replace single indicators of the parent (a provincial set lists only what differs), `criteria`
add new ones (the model conditions on top of the advanced set), and `also_overlay` applies the
overrides of sibling sets (a provincial model set inherits the provincial advanced overrides).
A set file is input like any other: its text may not hold control or text-direction
characters, and its ids are checked before they name a file.
"""

from __future__ import annotations

import hashlib
import threading
from contextvars import ContextVar
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from .. import yaml_text
from ..atomic import settled_stamp
from ..errors import UNPRINTABLE, CriteriaSetError
from ..i18n import t
from .checks import check_set
from .folders import check_set_id, is_shipped, related_path, set_path
from .model import CriteriaSet, Criterion, Indicator
from .regions import units
from .schema import Evidence, IndicatorSpec, OverrideSpec, SetFile, Source

# Inside a set's text only tabs and line feeds may appear among the control characters.
LINE_BREAKS = {"\t", "\n"}

# Sets resolved in this process, by their file's path: (the stamps of every file read to resolve
# it: itself, its parents, the siblings it overlays; the set). A process that lives on
# (`ntm report --watch`) reads a set again when any of them changed, not only its own file.
_resolved: dict[str, tuple[tuple, CriteriaSet]] = {}
_reading: ContextVar[list | None] = ContextVar("ntm_set_files_read", default=None)
_lock = threading.RLock()
MAX_RESOLVED = 32


def load_set(set_id: str) -> CriteriaSet:
    """The resolved criteria set `set_id` (a shipped id, or the path of a YAML file)."""
    path = str(set_path(set_id).resolve())
    with _lock:
        hit = _resolved.get(path)
        settled = hit is not None and all(stamp is not None for _, stamp in hit[0])
        if settled and hit[0] == _stamps(name for name, _ in hit[0]):
            return hit[1]  # (a file changed a moment ago has no stamp: never a hit)
        read: list[tuple] = []
        token = _reading.set(read)
        try:
            cset = _resolve(Path(path), seen=())
        finally:
            _reading.reset(token)
        if len(_resolved) >= MAX_RESOLVED:
            _resolved.pop(next(iter(_resolved)))
        _resolved[path] = (tuple(dict.fromkeys(read)), cset)  # kept for set_files too
        return cset


def set_files(set_id: str) -> list[Path]:
    """Every file the set `set_id` is resolved from (itself first, then its parents and the
    siblings it overlays): what a command that watches its inputs watches of a set."""
    load_set(set_id)
    path = str(set_path(set_id).resolve())
    return [Path(name) for name, _ in _resolved[path][0]]


def _stamps(names) -> tuple:
    return tuple((name, settled_stamp(name)) for name in names)


def resolve_text(text: str, path: Path) -> CriteriaSet:
    """The set a YAML text describes, resolved as if it were the file `path` (its parent
    found beside it or among the sets), without writing it: a set is checked before it is
    written."""
    raw = text.encode("utf-8")
    spec = parse_spec(raw, path)
    return _resolve_spec(spec, hashlib.sha256(raw).hexdigest(), path, (), shipped=False)


def parse_spec(raw: bytes, path: Path) -> SetFile:
    """A set file's bytes, validated: YAML, printable text, the schema, a valid id equal to
    the file's name."""
    try:
        data = yaml_text.load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CriteriaSetError(t("set_yaml_invalid", file=str(path), error=str(exc))) from exc
    _check_printable(data, path)
    try:
        spec = SetFile.model_validate(data)
    except ValidationError as exc:
        lines = [
            t("set_schema_error", file=str(path), key=_loc(err["loc"], data), error=err["msg"])
            for err in exc.errors()
        ]
        raise CriteriaSetError("\n".join(lines)) from exc
    check_set_id(spec.id, str(path))
    for other in ([spec.parent] if spec.parent else []) + spec.also_overlay:
        check_set_id(other, str(path))
    if spec.id != path.stem:
        raise CriteriaSetError(t("set_id_mismatch", file=str(path), id=spec.id))
    return spec


def _check_printable(node, path: Path, key: str = "") -> None:
    """Refuse a control, invisible or text-direction character anywhere in the set's text:
    a title or quote is printed on terminals and pages."""
    if isinstance(node, dict):
        for k, v in node.items():
            _check_printable(k, path, key)
            _check_printable(v, path, f"{key}.{k}" if key else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_printable(v, path, f"{key}[{i}]")
    elif isinstance(node, str):
        bad = [m.group() for m in UNPRINTABLE.finditer(node) if m.group() not in LINE_BREAKS]
        if bad:
            raise CriteriaSetError(
                t(
                    "set_schema_error",
                    file=str(path),
                    key=key,
                    error=t("set_text_unprintable", chars=" ".join(f"U+{ord(c):04X}" for c in bad)),
                )
            )


def _read_spec(path: Path) -> tuple[SetFile, str]:
    read = _reading.get()
    if read is not None:  # stamped before it is read: a change meanwhile is seen next time
        read.extend(_stamps([str(path.resolve())]))
    raw = path.read_bytes()
    return parse_spec(raw, path), hashlib.sha256(raw).hexdigest()


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


def _add_criteria(criteria: list[Criterion], spec: SetFile, path: Path) -> list[Criterion]:
    """The set's own criteria: new ones appended, a parent's criterion named again (by number,
    without a name) given more indicators."""
    criteria = list(criteria)
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
        if cspec.number in inherited:
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
    return criteria


def _origin(spec: SetFile, shipped: bool) -> dict:
    made = spec.origin.model_dump(mode="json", exclude_none=True) if spec.origin else None
    return {"shipped": shipped, "origin": made}


def _resolve(path: Path, seen: tuple[str, ...]) -> CriteriaSet:
    spec, digest = _read_spec(path)
    return _resolve_spec(spec, digest, path, seen, shipped=is_shipped(path))


def _resolve_spec(
    spec: SetFile, digest: str, path: Path, seen: tuple[str, ...], shipped: bool
) -> CriteriaSet:
    if spec.id in seen:
        raise CriteriaSetError(t("set_cycle", file=str(path), chain=" → ".join(seen + (spec.id,))))
    if spec.parent is None and spec.overrides:
        raise CriteriaSetError(t("set_override_no_parent", file=str(path)))
    parent = _resolve(related_path(path, spec.parent), seen + (spec.id,)) if spec.parent else None
    files = {spec.id: digest} | (parent.files if parent else {})
    origins = {spec.id: _origin(spec, shipped)} | (parent.origins if parent else {})
    criteria = list(parent.criteria) if parent else []
    for sibling_id in spec.also_overlay:
        sibling_path = related_path(path, sibling_id)
        sibling, files[sibling_id] = _read_spec(sibling_path)
        origins[sibling_id] = _origin(sibling, is_shipped(sibling_path))
        criteria = _apply_overrides(criteria, sibling, sibling_path)
    criteria = _add_criteria(_apply_overrides(criteria, spec, path), spec, path)
    status_label = spec.status_label.model_dump() if spec.status_label else None
    status_label = status_label or (parent.status_label if parent else None)
    if status_label is None:
        raise CriteriaSetError(
            t("set_schema_error", file=str(path), key="status_label", error="required")
        )
    own = {g.id for g in spec.groups}
    groups = [g for g in (parent.groups if parent else ()) if g.id not in own] + spec.groups
    cset = CriteriaSet(
        spec.id,
        spec.title.model_dump(),
        spec.level,
        spec.period,
        spec.legal_basis,
        status_label,
        tuple(criteria),
        (spec.id,) + (parent.lineage if parent else ()),
        files,
        tuple(groups),
        tuple(spec.key_indicators or (parent.key_indicators if parent else ())),
        spec.province or (parent.province if parent else None),
        spec.region_override or (parent.region_override if parent else None),
        origins,
    )
    check_set(cset, path)
    return cset
