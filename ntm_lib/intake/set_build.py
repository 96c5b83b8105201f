"""Indicator drafts to a set: each checked as a whole, then written as an overlay of the parent
(only what differs) or as a whole new set.

Checked here, with the rows they come from: a unit and a comparator for every indicator; a
zone and year stated twice alike; thresholds plausible for their unit, a share typed as a
fraction judged by the indicator and by the file (a lone small value is not a slip: 0 never
is, nor a small ceiling such as poverty ≤ 1 %); a value changed from the parent's with its old
quote, address or checker kept; an indicator of the parent missing from the workbook (a
deleted row never becomes an undeclared cell silently).
"""

from __future__ import annotations

import pandas as pd

from .. import fmt
from ..criteria.grid import cell, coverage_zones
from ..criteria.model import CriteriaSet
from ..criteria.regions import units
from ..criteria.requirement import TIMES, quote_supports
from ..criteria.schema import CITED_LEVELS
from ..criteria.spreadsheet import cells
from ..criteria.words import ALL, evidence_word, zone_order
from ..i18n import pick
from .plausibility import range_text, slips
from .set_cells import Draft, Reader, Statement

CHANGE_KEYS = ("quote", "article", "url", "checked_by", "checked_on")


def finish(drafts: dict[str, Draft], rd: Reader) -> None:
    """Each draft's unit and comparator settled, and its statements checked."""
    for d in drafts.values():
        if d.failed:
            continue  # its refused cells say what is wrong
        _unit_and_op(d, rd)
        no_disagreeing_twins(d, rd)
        for s in d.statements:
            _check_statement(d, s, rd)
    plausible(drafts, rd)


def _check_statement(d: Draft, s: Statement, rd: Reader) -> None:
    """A cell's own evidence: a basis for «không áp dụng»; for a level that cites a text, the
    document and a quote that states this very value."""
    ev = s.evidence
    if s.state == "not_applicable" and not ev.get("document"):
        rd.bad("set_import_basis_needed", s.row, s.header, value="")
    if d.unit and units()[d.unit]["kind"] == "yes_no" and s.value not in (None, 0, 1):
        rd.bad("set_import_bad_yes_no", s.row, s.header, value=fmt.number(s.value, "vi"))
    if s.state == "unknown" or ev.get("kind") not in CITED_LEVELS:
        return
    if not (ev.get("document") and ev.get("quote")):
        rd.bad("set_import_cited_needs_quote", s.row, s.header, level=evidence_word(ev["kind"]))
    elif s.value is not None and d.unit and not quote_supports(ev["quote"], s.value, d.unit):
        rd.bad(
            "set_import_quote_mismatch",
            s.row,
            s.header,
            value=fmt.number(s.value, "vi", 6),
            quote=ev["quote"],
        )


def _unit_and_op(d: Draft, rd: Reader) -> None:
    seen = d.units_seen - {None}
    if TIMES in seen:
        rd.bad("set_import_times", d.row, "Yêu cầu", value=d.code)
        seen.discard(TIMES)
    if d.unit is None and len(seen) == 1:
        d.unit = seen.pop()
    elif d.unit is None:
        rd.bad("set_import_unit_missing", d.row, "Đơn vị", value=d.code)
    elif seen - {d.unit}:
        rd.bad("set_import_unit_differs", d.row, "Đơn vị", value=d.code, unit=", ".join(seen))
    if len(d.ops_seen) > 1:
        rd.bad("set_import_ops_differ", d.row, "Yêu cầu", value=d.code)
    d.op = next(iter(d.ops_seen), None)
    if d.unit and units()[d.unit]["kind"] == "yes_no":
        if d.op not in (None, "=="):
            rd.bad("set_import_bad_yes_no", d.row, "Yêu cầu", value=d.op)
        d.op = "=="
    if d.op is None and d.unit:
        rd.bad("set_import_op_missing", d.row, "Yêu cầu", value=d.code)


def no_disagreeing_twins(d: Draft, rd: Reader) -> None:
    """A zone and year stated twice must say the same; the later never wins silently."""
    seen: dict[tuple, Statement] = {}
    kept = []
    for s in d.statements:
        key = (s.zone, s.year)
        first = seen.get(key)
        if first is None:
            seen[key] = s
            kept.append(s)
        elif first.signature() != s.signature():
            rd.bad(
                "set_import_cell_twice",
                s.row,
                s.header,
                value=d.code,
                other=first.row,
            )
    d.statements = kept


def plausible(drafts: dict[str, Draft], rd: Reader) -> None:
    """Thresholds checked against their unit as data values are (intake.plausibility), and
    shares typed as fractions judged by indicator and file."""
    cells = [(d, s) for d in drafts.values() if d.unit for s in d.statements if s.value is not None]
    if not cells:
        return
    code = pd.Series([d.code for d, _ in cells], dtype=object)
    value = pd.Series([s.value for _, s in cells], dtype=float)
    sign = pd.Series([s.percent_sign for _, s in cells])
    kind = pd.Series([units()[d.unit]["kind"] for d, _ in cells])
    # The lone-value fraction rule of data does not fit thresholds (a ceiling of 0.5 % is
    # real): percent cells are passed as explicit percentages and judged by fractions() below.
    flag = pd.Series(["percent" if k == "percent" else "" for k in kind], dtype=object)
    found = slips(code, value, sign, flag, {d.code: d.unit for d, _ in cells})
    for key, (mask, hints) in found.items():
        for i in mask[mask].index:
            d, s = cells[i]
            rd.bad(
                key,
                s.row,
                s.header,
                value=fmt.number(s.value, "vi", 6),
                unit=pick(units()[d.unit]["label"]),
                range=range_text(d.unit),
                **({"hint": fmt.number(hints[i], "vi", 6)} if hints is not None else {}),
            )
    for i in ((kind == "percent") & ((value < 0) | (value > 100)))[lambda m: m].index:
        d, s = cells[i]
        rd.bad("value_percent_range", s.row, s.header, value=fmt.number(s.value, "vi", 6))
    fractions([(d, s) for d, s in cells if units()[d.unit]["kind"] == "percent"], rd)


def fractions(cells: list[tuple[Draft, Statement]], rd: Reader) -> None:
    """A share typed as a fraction: a minimum (≥, >) below 1 % typed without % or a percent
    format (no NTM requirement asks for less than 1 % of anything: 0,8 meant 80 %), or every
    non-zero percentage of the file at or below 1. A small ceiling alone (poverty ≤ 0,5) is
    real, and 0 is never a slip."""
    shown = [(d, s) for d, s in cells if not s.percent_sign and s.value]
    whole_file = len(shown) >= 2 and all(s.value <= 1 for _, s in shown)
    for d, s in shown:
        if whole_file or (d.op in (">=", ">") and s.value < 1):
            rd.bad(
                "set_import_fraction",
                s.row,
                s.header,
                value=fmt.number(s.value, "vi", 6),
                hint=fmt.number(s.value * 100, "vi", 6),
            )


def changed_indicators(parent: CriteriaSet, candidate: CriteriaSet) -> list[str]:
    """Codes of the parent's indicators that `candidate` (the workbook's set, every indicator
    restated) states differently: name, unit, rule or any cell's threshold and evidence, over
    every zone and year, whatever the layout that stated them."""
    mine, theirs = _by_indicator(candidate), _by_indicator(parent)
    out = []
    for ind in parent.indicators:
        other = candidate.indicator(ind.code)
        # a relative rule and the values it gives are the same statement
        same = (ind.name, ind.unit, ind.rule.op) == (other.name, other.unit, other.rule.op)
        if not (same and mine[ind.code].equals(theirs[ind.code])):
            out.append(ind.code)
    return out


def _by_indicator(cset: CriteriaSet) -> dict[str, pd.DataFrame]:
    grid = cells(cset)
    grid = grid[grid["indicator"] != ""].drop(
        columns=["criterion_name", "name_vi", "name_en", "rule_note"]
    )
    grid = grid.astype(object).where(grid.notna(), "").astype(str).reset_index(drop=True)
    return {code: g.reset_index(drop=True) for code, g in grid.groupby("indicator", sort=False)}


def stale_evidence(
    parent: CriteriaSet, candidate: CriteriaSet, code: str, draft: Draft, rd: Reader
) -> None:
    """A cell whose threshold changed from the parent's must not keep the parent's quote,
    address or checker: that evidence was for the old value."""
    years = range(parent.period.start, parent.period.end + 1)
    found: dict[tuple, list] = {}
    for zone in coverage_zones(parent):
        for year in years:
            old, new = cell(parent, code, zone, year), cell(candidate, code, zone, year)
            if (old.state, _num(old.value)) == (new.state, _num(new.value)):
                continue
            kept = [
                k
                for k in CHANGE_KEYS
                if new.evidence.get(k) and new.evidence.get(k) == old.evidence.get(k)
            ]
            if kept:
                key = (_num(old.value), _num(new.value), ", ".join(kept))
                found.setdefault(key, []).append(zone if isinstance(zone, str) else zone[0])
    for (old, new, fields), zones in found.items():
        rd.bad(
            "set_import_stale_evidence",
            draft.row,
            None,
            value=new,
            old=old,
            fields=fields,
            code=code,
            zones=", ".join(dict.fromkeys(zones)),
        )


def _num(x: float) -> str:
    return "?" if x != x else fmt.number(x, "vi", 6)


def _shown(s: Statement) -> str:
    return fmt.number(s.value, "vi", 6) if s.value is not None else s.state


def _case(s: Statement, start: int) -> dict:
    case: dict = {}
    if s.zone != ALL:
        region, group = s.zone
        if region is not None:
            case["region"] = region
        if group is not None:
            case["group"] = int(group)
    if s.year is not None and s.year > start:
        case["from_year"] = int(s.year)
    if s.state == "not_applicable":
        basis = {
            k: s.evidence[k] for k in ("document", "article", "quote", "url") if k in s.evidence
        }
        case["not_applicable"] = basis
        case["evidence"] = dict(s.evidence) | {"kind": s.evidence.get("kind", "working")}
    elif s.state == "value":
        case["value"] = float(s.value)
        case["evidence"] = dict(s.evidence)
    else:
        case["value"] = None
    return case


def _shared(statements: list[Statement]) -> list[Statement]:
    """A zone's cell that says what the «Tất cả» cell of its year says (a value a decision
    prints once per region) is stated once."""
    general = {s.year: s.signature() for s in statements if s.zone == ALL}
    return [s for s in statements if s.zone == ALL or general.get(s.year) != s.signature()]


def indicator_spec(d: Draft, start: int) -> dict:
    """The YAML of one indicator (restated whole)."""
    d.statements = _shared(d.statements)
    decided = [s for s in d.statements if s.state != "unknown"]
    rule: dict = {"op": d.op}
    one = d.statements[0] if len(d.statements) == 1 else None
    if d.relative is not None:
        rule["relative_to"] = {"indicator": d.relative[1], "factor": float(d.relative[0])}
    elif one is not None and one.zone == ALL and one.year is None and one.state == "value":
        rule["threshold"] = float(one.value)
    else:
        ordered = sorted(d.statements, key=lambda s: (zone_order(s.zone), s.year or 0))
        rule["thresholds"] = [_case(s, start) for s in ordered]
    evidence = dict(decided[0].evidence) if decided else dict(d.row_evidence or {})
    return {
        "code": d.code,
        "name": {"vi": d.name_vi, "en": d.name_en or d.name_vi},
        "unit": d.unit,
        "rule": rule,
        "evidence": evidence if evidence.get("kind") else {"kind": "working"},
    }
