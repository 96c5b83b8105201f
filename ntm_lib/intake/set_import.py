"""A completed criteria-set workbook (see criteria.spreadsheet) back to a set file.

The workbook names its parent set; the set written is an overlay of that parent holding only
what differs: indicators whose name, unit, rule, thresholds or evidence changed are restated
whole (one threshold case per run of equal years, each with its own evidence), indicators
with a new code are added to their criterion. Every cell is checked first, and every problem
is reported with its sheet, row and column, in the workbook's own Vietnamese headers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import yaml

from ..criteria.catalogue import CriteriaSet, load_set, region_ids, units
from ..criteria.schema import EVIDENCE_LEVELS, OPS
from ..criteria.spreadsheet import (
    COLUMNS,
    GRID_SHEET,
    HEADERS,
    INFO_FIELDS,
    INFO_SHEET,
    OP_WORDS,
    STATE_WORDS,
    cells,
)
from ..errors import CriteriaSetError, InputError, Problem, cap_problems
from .sheets import read_grids
from .values import fold, parse_numbers

EVIDENCE_KEYS = ("document", "article", "quote", "url", "checked_by", "checked_on")
STATE_OF = {fold(w): s for s, w in STATE_WORDS.items()} | {s: s for s in STATE_WORDS}
OP_OF = (
    {fold(w): op for op, w in OP_WORDS.items()}
    | {op: op for op in OPS}
    | {"=": "==", "bang": "==", ">=": ">=", "<=": "<="}
)


def _info(grid, file: str, problems: list[Problem]) -> dict:
    labels = {fold(label): key for key, label in INFO_FIELDS}
    out = {}
    for r in range(len(grid.text)):
        row = grid.text.iloc[r].tolist() + ["", ""]
        key = labels.get(fold(row[0]))
        if key:
            out[key] = str(row[1]).strip()
    for key in ("id", "parent", "legal_number", "legal_date", "issuer_vi"):
        if not out.get(key):
            label = dict(INFO_FIELDS)[key]
            problems.append(
                Problem(file, "set_import_info_missing", sheet=INFO_SHEET, params={"field": label})
            )
    return out


def _date(text: str) -> dt.date | None:
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    return None


def _grid(grid, file: str, problems: list[Problem]) -> pd.DataFrame:
    frame = grid.text
    header = [fold(h) for h in frame.iloc[0].tolist()] if len(frame) else []
    by_header = {fold(h): key for key, h, _ in COLUMNS}
    mapping = {j: by_header[h] for j, h in enumerate(header) if h in by_header}
    missing = [
        HEADERS[k]
        for k in ("indicator", "region", "year", "value", "state", "op", "unit")
        if k not in mapping.values()
    ]
    if missing:
        problems.append(
            Problem(
                file,
                "columns_missing",
                row=1,
                sheet=GRID_SHEET,
                params={"missing": ", ".join(missing), "found": ", ".join(frame.iloc[0].tolist())},
            )
        )
        return pd.DataFrame(columns=list(HEADERS))
    body = frame.iloc[1:, list(mapping)].copy()
    body.columns = [mapping[j] for j in mapping]
    body.index = pd.Index(body.index + 1, name="row")
    body = body.apply(lambda c: c.str.strip())
    for key in HEADERS:
        if key not in body:
            body[key] = ""
    return body[(body != "").any(axis=1)]


def _check_rows(
    rows: pd.DataFrame, cset: CriteriaSet, file: str, problems: list[Problem]
) -> pd.DataFrame:
    def bad(mask, key, column, **params):
        for r in rows.index[mask]:
            problems.append(
                Problem(
                    file,
                    key,
                    int(r),
                    HEADERS[column],
                    GRID_SHEET,
                    params | {"value": rows.at[r, column]},
                )
            )

    rows = rows[rows["indicator"] != ""].copy()
    regions, unit_ids = set(region_ids()), set(units())
    bad(
        ~rows["unit"].isin(unit_ids),
        "set_import_bad_choice",
        "unit",
        allowed=", ".join(sorted(unit_ids)),
    )
    op = rows["op"].map(lambda o: OP_OF.get(fold(o)))
    bad(op.isna(), "set_import_bad_choice", "op", allowed=", ".join(OP_WORDS.values()))
    rows["op"] = op
    bad(
        ~rows["region"].isin(regions),
        "set_import_bad_choice",
        "region",
        allowed=", ".join(region_ids()),
    )
    bad(
        ~rows["group"].isin(["", "1", "2", "3"]),
        "set_import_bad_choice",
        "group",
        allowed="1, 2, 3",
    )
    year = pd.to_numeric(rows["year"].where(rows["year"].str.fullmatch(r"\d{4}")), errors="coerce")
    period = cset.period
    bad(
        year.isna() | (year < period.start) | (year > period.end),
        "set_import_bad_year",
        "year",
        start=period.start,
        end=period.end,
    )
    state = rows["state"].map(lambda s: STATE_OF.get(fold(s)) if s else None)
    bad(state.isna(), "set_import_bad_choice", "state", allowed=", ".join(STATE_WORDS.values()))
    value = parse_numbers(rows["value"], "en")
    bad((state == "value") & value.isna(), "set_import_value_needed", "value")
    bad((state != "value") & (rows["value"] != ""), "set_import_value_not_expected", "value")
    bad(
        rows["unit"].map(lambda u: units().get(u, {}).get("kind")).eq("percent")
        & ((value < 0) | (value > 100)),
        "value_percent_range",
        "value",
    )
    decided = state.isin(["value", "not_applicable"])
    bad(
        decided & ~rows["evidence"].isin(EVIDENCE_LEVELS),
        "set_import_bad_choice",
        "evidence",
        allowed=", ".join(EVIDENCE_LEVELS),
    )
    bad(
        (state == "not_applicable") & (rows["document"] == ""),
        "set_import_basis_needed",
        "document",
    )
    checked = rows["checked_on"].map(lambda s: _date(s) if s else dt.date(1, 1, 1))
    bad(checked.isna(), "set_import_bad_date", "checked_on")
    bad(rows["name_vi"] == "", "set_import_value_needed", "name_vi")
    rows["year"], rows["state"], rows["value"] = year, state, value
    return rows


def _evidence(row) -> dict:
    ev = {"kind": row["evidence"]}
    for key in EVIDENCE_KEYS:
        if row[key]:
            ev[key] = _date(row[key]) if key == "checked_on" else row[key]
    return ev


def _signature(row) -> tuple:
    value = None if row["state"] != "value" else float(row["value"])
    return (row["state"], value) + (
        (row["evidence"],) + tuple(str(row[k]) for k in EVIDENCE_KEYS)
        if row["state"] != "unknown"
        else ()
    )


def _cases(rows: pd.DataFrame, cset: CriteriaSet) -> list[dict]:
    """Threshold cases for one indicator: a case per run of years with the same cell."""
    out = []
    for (region, group), zone in rows.groupby(["region", "group"], sort=False):
        previous = None
        for _, row in zone.sort_values("year").iterrows():
            sig = _signature(row)
            if sig == previous:
                continue
            previous = sig
            case: dict = {"region": region}
            if group:
                case["group"] = int(group)
            if int(row["year"]) > cset.period.start:
                case["from_year"] = int(row["year"])
            if row["state"] == "not_applicable":
                ev = _evidence(row)
                case["not_applicable"] = {
                    k: ev[k] for k in ("document", "article", "quote", "url") if k in ev
                }
                case["evidence"] = ev
            elif row["state"] == "value":
                case["value"] = float(row["value"])
                case["evidence"] = _evidence(row)
            else:
                case["value"] = None
            out.append(case)
    return out


def _same_as_parent(rows: pd.DataFrame, mine: pd.DataFrame) -> bool:
    key = ["region", "group", "year"]
    if len(rows) != len(mine):
        return False
    a = rows.assign(group=rows["group"].astype(str), year=rows["year"].astype(int))
    b = mine.assign(
        group=mine["group"].astype(str),
        year=mine["year"].astype(int),
        value=mine["value"].astype(float),
    )
    b = b.assign(value=b["value"].where(b["state"] == "value"))
    a = a.assign(value=a["value"].where(a["state"] == "value"))
    cols = ["name_vi", "name_en", "unit", "op", "state", "evidence", *EVIDENCE_KEYS]
    merged = a.merge(b, on=key, how="outer", suffixes=("", "_p"), indicator=True)
    if (merged["_merge"] != "both").any():
        return False
    for c in cols:
        left = merged[c].fillna("").astype(str)
        right = merged[f"{c}_p"].fillna("").astype(str)
        if c == "evidence":
            right = right.where(merged["state_p"] != "unknown", "")
            left = left.where(merged["state"] != "unknown", "")
        if not left.equals(right):
            return False
    values = merged["value"].astype(float).fillna(-1e300)
    return bool((values - merged["value_p"].astype(float).fillna(-1e300)).abs().max() < 1e-9)


def read_set_workbook(path: str | Path) -> dict:
    """The overlay set (as the dict of its YAML file) a completed workbook describes; raises
    InputError with every located problem."""
    path = Path(path)
    file = str(path)
    grids, problems = read_grids(path)
    by_sheet = {g.sheet: g for g in grids}
    for sheet in (INFO_SHEET, GRID_SHEET):
        if sheet not in by_sheet and not [p for p in problems if p.severity == "error"]:
            problems.append(Problem(file, "set_import_sheet_missing", sheet=sheet))
    if [p for p in problems if p.severity == "error"]:
        raise InputError(problems)
    info = _info(by_sheet[INFO_SHEET], file, problems)
    parent = None
    if info.get("parent"):
        try:
            parent = load_set(info["parent"])
        except CriteriaSetError as exc:
            problems.append(
                Problem(file, "set_import_parent", sheet=INFO_SHEET, params={"error": str(exc)})
            )
    legal_date = _date(info.get("legal_date", "")) if info.get("legal_date") else None
    if info.get("legal_date") and legal_date is None:
        problems.append(
            Problem(
                file,
                "set_import_bad_date",
                sheet=INFO_SHEET,
                column=dict(INFO_FIELDS)["legal_date"],
                params={"value": info["legal_date"]},
            )
        )
    if parent is not None and info.get("id") == parent.id:
        problems.append(
            Problem(file, "set_import_same_id", sheet=INFO_SHEET, params={"value": info["id"]})
        )
    if problems or parent is None:
        raise InputError(
            cap_problems(problems or [Problem(file, "set_import_parent", params={"error": "-"})])
        )
    rows = _check_rows(_grid(by_sheet[GRID_SHEET], file, problems), parent, file, problems)
    if problems:
        raise InputError(cap_problems(problems))

    mine = cells(parent)
    known = {i.code: i for i in parent.indicators}
    overrides, additions = [], {}
    for code, own in rows.groupby("indicator", sort=False):
        first = own.iloc[0]
        decided = own[own["state"] != "unknown"]
        default_ev = _evidence(decided.iloc[0]) if len(decided) else {"kind": "working"}
        spec = {
            "code": code,
            "name": {"vi": first["name_vi"], "en": first["name_en"] or first["name_vi"]},
            "unit": first["unit"],
            "rule": {"op": first["op"], "thresholds": _cases(own, parent)},
            "evidence": default_ev,
        }
        if code in known:
            if _same_as_parent(own, mine[mine["indicator"] == code]):
                continue
            overrides.append(spec)
        else:
            additions.setdefault(str(first["criterion"]), []).append(spec)
    unknown_crit = [c for c in additions if c not in {x.number for x in parent.criteria}]
    for number in unknown_crit:
        problems.append(
            Problem(
                file,
                "set_import_criterion_unknown",
                sheet=GRID_SHEET,
                column=HEADERS["criterion"],
                params={"value": number},
            )
        )
    if problems:
        raise InputError(cap_problems(problems))
    spec = {
        "id": info["id"],
        "title": {
            "vi": info.get("title_vi") or info["id"],
            "en": info.get("title_en") or info.get("title_vi") or info["id"],
        },
        "level": parent.level,
        "period": {"start": parent.period.start, "end": parent.period.end},
        "parent": parent.id,
        "legal_basis": {
            "number": info["legal_number"],
            "date": legal_date,
            "issuer": {"vi": info["issuer_vi"], "en": info.get("issuer_en") or info["issuer_vi"]},
        }
        | ({"url": info["legal_url"]} if info.get("legal_url") else {}),
        "defaults": {"source": {"document": info["legal_number"]}},
    }
    if info.get("province"):
        spec["province"] = info["province"]
    if additions:
        spec["criteria"] = [{"number": n, "indicators": inds} for n, inds in additions.items()]
    if overrides:
        spec["overrides"] = overrides
    return spec


def set_yaml(spec: dict, workbook: str) -> str:
    header = (
        f"# Written by `ntm set import` from {Path(workbook).name}: an overlay of "
        f"{spec['parent']} holding only what differs.\n"
    )
    return header + yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=100)
