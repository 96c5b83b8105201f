"""A completed set workbook (compact or per-cell grid) to a set file, checked before a byte is
written.

`read_set_workbook` reads the workbook (intake.set_workbook, intake.set_cells), checks every
indicator (intake.set_build) and returns the set as the dict of its YAML file: an overlay of
the parent holding only what differs, or a whole new set when the workbook names no parent.
The set is then resolved as it would be once written, every cell of the indicators it states
must be declared, and `import_set` writes it atomically into the given folder: a refused import
changes no file, and the set id (checked against a strict pattern) never names a path outside
the folder. The set file records its origin: the workbook's name and SHA-256, the decision
file `ntm set read` read, who checked it and when.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import yaml

from .. import __version__
from ..atomic import atomic_file, check_target_file
from ..criteria.authoring import INFO_FIELDS, INFO_SHEET, STATUS_LABELS
from ..criteria.catalogue import (
    UNDECLARED,
    CriteriaSet,
    cell,
    coverage_zones,
    load_set,
    resolve_text,
    valid_set_id,
)
from ..criteria.folders import related_path, shipped_digests
from ..criteria.words import level_of
from ..errors import CriteriaSetError, InputError, Problem, UsageError, cap_problems, printable
from ..i18n import t
from ..provenance import run_time
from .set_build import (
    changed_indicators,
    finish,
    indicator_spec,
    no_disagreeing_twins,
    stale_evidence,
)
from .set_cells import Draft, Reader, compact_drafts, grid_drafts, parse_date
from .set_workbook import COMPACT, SetWorkbook, read_cells

SHA256 = re.compile(r"[0-9a-f]{64}")


class SetWorkbookError(InputError):
    """A set workbook failed its checks: no set file was written."""

    summary_key = "cli_set_invalid"


def _fail(problems: list[Problem]) -> None:
    if [p for p in problems if p.severity == "error"]:
        raise SetWorkbookError(cap_problems(problems))


def _info_problem(wb: SetWorkbook, key: str, info_key: str, **params) -> Problem:
    return Problem(
        wb.file,
        key,
        wb.info_rows.get(info_key),
        dict(INFO_FIELDS).get(info_key),
        INFO_SHEET,
        params,
    )


def _parent(wb: SetWorkbook, where: Path, problems: list[Problem]) -> CriteriaSet | None:
    parent_id = wb.info.get("parent", "")
    if not parent_id:
        return None
    try:
        return load_set(str(related_path(where / "_.yaml", parent_id)))
    except CriteriaSetError as exc:
        problems.append(_info_problem(wb, "set_import_parent", "parent", error=str(exc)))
        return None


def _check_id(wb: SetWorkbook, parent: CriteriaSet | None) -> list[Problem]:
    """The new set's id: typed, a strict pattern (it names a file), not a shipped set's."""
    new_id = wb.info.get("id", "")
    if not new_id:
        return [_info_problem(wb, "set_import_new_id", "id")]
    if not valid_set_id(new_id):
        return [_info_problem(wb, "set_import_bad_id", "id", value=new_id)]
    if parent is not None and new_id == parent.id:
        return [_info_problem(wb, "set_import_same_id", "id", value=new_id)]
    if new_id in shipped_digests():
        return [_info_problem(wb, "set_import_id_shipped", "id", value=new_id)]
    return []


def _check_info(wb: SetWorkbook, parent: CriteriaSet | None, problems: list[Problem]) -> None:
    info = wb.info
    problems += _check_id(wb, parent)
    required = ["legal_number", "legal_date", "issuer_vi"]
    if parent is None and not info.get("parent"):
        required += ["title_vi", "level", "period"]
    for key in required:
        if not info.get(key):
            label = dict(INFO_FIELDS)[key]
            problems.append(_info_problem(wb, "set_import_info_missing", key, field=label))
    for key in ("legal_date", "checked_on"):
        if info.get(key) and parse_date(info[key]) is None:
            problems.append(_info_problem(wb, "set_import_bad_date", key, value=info[key]))
    if parent is None and info.get("level") and level_of(info["level"]) is None:
        problems.append(_info_problem(wb, "set_import_bad_level", "level", value=info["level"]))
    if parent is None and info.get("period") and _period(info["period"]) is None:
        problems.append(_info_problem(wb, "set_import_bad_period", "period", value=info["period"]))
    sha = info.get("decision_sha256", "")
    if sha and not SHA256.fullmatch(sha):
        problems.append(_info_problem(wb, "set_import_bad_sha", "decision_sha256", value=sha))


def _period(text: str) -> tuple[int, int] | None:
    m = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", text or "")
    if m is None or int(m.group(1)) > int(m.group(2)):
        return None
    return int(m.group(1)), int(m.group(2))


def _grid_years(drafts: dict[str, Draft], rd: Reader) -> None:
    """Grid rows state single years: runs of equal years become one statement from their
    first year; a year missing in between is a deleted row, never filled by its neighbour."""
    start, end = rd.period
    for d in drafts.values():
        by_zone: dict = {}
        for s in d.statements:
            by_zone.setdefault(s.zone, []).append(s)
        kept = []
        for zone, stated in by_zone.items():
            years = {s.year or start: s for s in stated}
            missing = [y for y in range(start, end + 1) if y not in years]
            if missing:
                rd.bad(
                    "set_import_year_missing",
                    stated[0].row,
                    stated[0].header,
                    value=d.code,
                    years=", ".join(map(str, missing)),
                )
            previous = None
            for y in sorted(years):
                s = years[y]
                if previous is None or s.signature() != previous.signature():
                    s.year = None if y == start else y
                    kept.append(s)
                previous = s
        d.statements = kept


def _drafts(wb: SetWorkbook, period: tuple[int, int], problems: list[Problem]) -> tuple:
    rd = Reader(wb.file, wb.sheet, period)
    if wb.form == COMPACT:
        drafts, criteria = compact_drafts(wb.rows, rd)
    else:
        drafts, criteria = grid_drafts(wb.rows, rd)
        for d in drafts.values():
            no_disagreeing_twins(d, rd)
        _grid_years(drafts, rd)
    finish(drafts, rd)
    problems += rd.problems
    return drafts, criteria, rd


def _overlay(wb: SetWorkbook, drafts: dict, criteria: dict, parent: CriteriaSet, rd) -> dict:
    """Every indicator of the workbook, as overrides of the parent's or additions."""
    where = {i.code: i.criterion for i in parent.indicators}
    numbers = {c.number for c in parent.criteria}
    overrides, additions = [], {}
    for code, d in drafts.items():
        if code in where:
            if d.criterion and d.criterion != where[code]:
                rd.bad("set_import_moved", d.row, "Tiêu chí", value=code, criterion=where[code])
            overrides.append(indicator_spec(d, parent.period.start))
            continue
        if not d.criterion:
            rd.bad("set_import_criterion_needed", d.row, "Tiêu chí", value=code)
            continue
        if d.criterion not in numbers and not criteria.get(d.criterion):
            rd.bad("set_import_criterion_unknown", d.row, "Tiêu chí", value=d.criterion)
        additions.setdefault(d.criterion, []).append(indicator_spec(d, parent.period.start))
    for code in where:
        if code not in drafts:
            rd.bad("set_import_indicator_missing", None, None, value=code)
    out: dict = {}
    if additions:
        out["criteria"] = [
            {"number": n, "indicators": inds}
            | ({} if n in numbers else {"name": {"vi": criteria[n], "en": criteria[n]}})
            for n, inds in additions.items()
        ]
    if overrides:
        out["overrides"] = overrides
    return out


def _only_changes(spec: dict, parent: CriteriaSet, drafts: dict, where: Path, rd) -> dict:
    """The overlay keeps the overrides that change something; a changed cell must not keep the
    parent's evidence."""
    if not spec.get("overrides"):
        return spec
    candidate = _resolve(spec, rd.file, where)
    changed = changed_indicators(parent, candidate)
    for code in changed:
        stale_evidence(parent, candidate, code, drafts[code], rd)
    kept = [o for o in spec["overrides"] if o["code"] in changed]
    out = {k: v for k, v in spec.items() if k != "overrides"}
    return out | ({"overrides": kept} if kept else {})


def _resolve(spec: dict, file: str, where: Path) -> CriteriaSet:
    try:
        return resolve_text(set_yaml(spec), where / f"{spec['id']}.yaml")
    except CriteriaSetError as exc:
        _fail([Problem(file, "set_import_invalid", params={"error": str(exc)})])


def _whole(drafts: dict, criteria: dict, start: int, rd: Reader) -> dict:
    """Every criterion and indicator of a new set, in the workbook's order."""
    order = list(criteria) + [d.criterion for d in drafts.values() if d.criterion not in criteria]
    out = []
    for number in dict.fromkeys(order):
        if not number:
            continue
        inds = [indicator_spec(d, start) for d in drafts.values() if d.criterion == number]
        name = criteria.get(number, "")
        if not name:
            rd.bad("set_import_criterion_needed", None, "Tên tiêu chí", value=number)
        out.append({"number": number, "name": {"vi": name, "en": name}, "indicators": inds})
    for d in drafts.values():
        if not d.criterion:
            rd.bad("set_import_criterion_needed", d.row, "Tiêu chí", value=d.code)
    return {"criteria": out}


def file_name(path: str) -> str:
    """A file's name as data: never a path, every control character (line breaks too)
    written as a visible escape."""
    return printable(Path(path).name).replace("\n", "\\n").replace("\t", "\\t")


def _origin(wb: SetWorkbook, raw: bytes) -> dict:
    info = wb.info
    origin: dict = {
        "made_by": f"ntm set import (ntm-assess {__version__})",
        "made_on": dt.date.fromisoformat(run_time()[:10]),
        "workbook": {
            "name": file_name(wb.file),
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
    }
    if info.get("decision_file") and info.get("decision_sha256"):
        origin["decision"] = {
            "name": file_name(info["decision_file"]),
            "sha256": info["decision_sha256"],
        }
    if info.get("checked_by"):
        origin["checked_by"] = info["checked_by"]
    if info.get("checked_on"):
        origin["checked_on"] = parse_date(info["checked_on"])
    return origin


def _head(wb: SetWorkbook, parent: CriteriaSet | None) -> dict:
    info = wb.info
    title_vi = info.get("title_vi") or info["id"]
    spec: dict = {
        "id": info["id"],
        "title": {"vi": title_vi, "en": info.get("title_en") or title_vi},
    }
    if parent is not None:
        spec |= {
            "level": parent.level,
            "period": {"start": parent.period.start, "end": parent.period.end},
            "parent": parent.id,
        }
    else:
        level = level_of(info["level"])
        start, end = _period(info["period"])
        spec |= {
            "level": level,
            "period": {"start": start, "end": end},
            "status_label": STATUS_LABELS[level],
        }
    spec["legal_basis"] = {
        "number": info["legal_number"],
        "date": parse_date(info["legal_date"]),
        "issuer": {"vi": info["issuer_vi"], "en": info.get("issuer_en") or info["issuer_vi"]},
    } | ({"url": info["legal_url"]} if info.get("legal_url") else {})
    spec["defaults"] = {"source": {"document": info["legal_number"]}}
    if info.get("province"):
        spec["province"] = info["province"]
    return spec


def _verify(spec: dict, wb: SetWorkbook, drafts: dict, where: Path) -> None:
    """The set resolved as it will be once written, and no cell of the indicators it states
    left undeclared (a deleted row, a zone left blank)."""
    cset = _resolve(spec, wb.file, where)
    problems = []
    years = range(cset.period.start, cset.period.end + 1)
    for ind in cset.indicators:
        if ind.defined_in != cset.id:
            continue
        gaps = [
            (zone, y)
            for zone in coverage_zones(cset)
            for y in years
            if cell(cset, ind.code, zone, y).state == UNDECLARED
        ]
        if gaps:
            zones = sorted(
                {str(z if isinstance(z, str) else "/".join(map(str, z))) for z, _ in gaps}
            )
            d = drafts.get(ind.code)
            problems.append(
                Problem(
                    wb.file,
                    "set_import_undeclared",
                    d.row if d else None,
                    sheet=wb.sheet,
                    params={
                        "value": ind.code,
                        "zones": ", ".join(zones[:8]) + (" …" if len(zones) > 8 else ""),
                        "years": ", ".join(sorted({str(y) for _, y in gaps})),
                    },
                )
            )
    _fail(problems)


def read_set_workbook(path: str | Path, where: Path | None = None) -> dict:
    """The set (as the dict of its YAML file) a completed workbook describes, checked as it
    would be once written in folder `where` (default: the workbook's); raises
    SetWorkbookError with every located problem."""
    path = Path(path)
    where = Path(where) if where is not None else path.parent
    wb, problems = read_cells(path)
    _fail(problems)
    parent = _parent(wb, where, problems)
    _check_info(wb, parent, problems)
    _fail(problems)
    period = (parent.period.start, parent.period.end) if parent else _period(wb.info["period"])
    drafts, criteria, rd = _drafts(wb, period, problems)
    _fail(problems)
    spec = _head(wb, parent)
    if parent is not None:
        spec |= _overlay(wb, drafts, criteria, parent, rd)
        _fail(rd.problems)
        spec = _only_changes(spec, parent, drafts, where, rd)
    else:
        spec |= _whole(drafts, criteria, period[0], rd)
    _fail(rd.problems)
    spec["origin"] = _origin(wb, path.read_bytes())
    _verify(spec, wb, drafts, where)
    return spec


def set_yaml(spec: dict) -> str:
    kind = (
        f"an overlay of {spec['parent']} holding only what differs"
        if spec.get("parent")
        else "a whole set"
    )
    header = f"# Written by `ntm set import`: {kind}. Its origin is recorded below.\n"
    return header + yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=100)


def prepare_import(
    workbook: str | Path, out_folder: str | Path, force: bool = False
) -> tuple[Path, dict, str]:
    """Check the workbook and the target before anything is written: (the set file to write
    in `out_folder`, the set's dict, its text). An existing file may be replaced only with
    --force (and only by a set that passed every check); nothing outside the folder."""
    folder = Path(out_folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(t("set_import_out_not_folder", path=str(folder)))
    spec = read_set_workbook(workbook, where=folder)
    target = check_target_file(folder / f"{spec['id']}.yaml", force, [workbook])
    if target.parent.resolve() != folder.resolve():
        raise UsageError(t("set_import_out_not_folder", path=str(folder)))
    return target, spec, set_yaml(spec)


def import_set(
    workbook: str | Path, out_folder: str | Path, force: bool = False
) -> tuple[Path, dict]:
    """The workbook's set written into `out_folder` as ID.yaml, atomically, after every check
    (prepare_import). Returns (the file written, the set's dict)."""
    target, spec, text = prepare_import(workbook, out_folder, force)
    atomic_file(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return target, spec
