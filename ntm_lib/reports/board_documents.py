"""The board's own documents, drafted from the assessment: the plan (Kế hoạch) and the annual
results report (Báo cáo), in Vietnamese and in the administrative layout.

A draft is a Word template (reports.document_templates, or the board's own copy) filled with
*fields*: plain data built here from one Context per criteria set (advanced and model, or basic
and advanced, in one document), the document's options and the board's own text
(reports.board_text). Every number comes from the assessment, the plan and the budget: the
status against each set, the unmet indicators with value, requirement and gap, the provisional
thresholds, the roadmap by year then criterion with its late work, the funds arranged and,
apart, those not yet arranged, the general tasks by field of work, who does what. The heading
and the signature come from options or the register's optional columns. What neither the data
nor the board's text gives is a highlighted placeholder in the template, never written for the
board. `ntm document fields` lists the fields (templates/documents/fields.yaml).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import fmt
from ..assess.progress import regressions
from ..assess.roadmap import by_year, funding
from ..criteria.catalogue import EVIDENCE_LEVELS, unverified
from ..criteria.text import gap_text, requirement_text, value_text
from ..i18n import pick, t
from ..illustrative import inputs_illustrative
from ..intake.inputs import DOCUMENT_COLUMNS
from ..intake.plans import GENERAL, SOURCES, work_fields
from ..intake.values import fold
from .context import Context, commune_context

HEAD_COLUMNS = DOCUMENT_COLUMNS
DEFAULT_ISSUER = "Ban quản lý xây dựng nông thôn mới"
UNFUNDED = "Chưa bố trí được vốn"


@dataclass
class DocumentOptions:
    """What a document says of itself: heading, number, date and signature. Unset values come
    from the register's optional columns (HEAD_COLUMNS), then from defaults or placeholders."""

    issuer_parent: str | None = None
    issuer: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    number: str | None = None
    place: str | None = None
    date: datetime.date | None = None
    template: Path | None = None
    texts: list = field(default_factory=list)


def _mine(frame: pd.DataFrame, ctx: Context, year: int | None = None) -> pd.DataFrame:
    return frame[(frame["commune_id"] == ctx.commune_id) & (frame["year"] == (year or ctx.year))]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# ---------------------------------------------------------------------------------------------
# Heading and signature


def _from_register(ctx: Context, name: str) -> str:
    value = ctx.commune.get(name) if name in ctx.commune.index else None
    return "" if value is None or pd.isna(value) else str(value).strip()


def document_date(day: datetime.date) -> str:
    """'ngày 05 tháng 02 năm 2026': days below 10 and months below 3 with a leading zero
    (Decree 30/2020, Annex I)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def heading_fields(ctx: Context, options: DocumentOptions) -> dict:
    name = str(ctx.commune["name"])

    def pick_value(attr: str, default: str = "") -> str:
        return getattr(options, attr) or _from_register(ctx, attr) or default

    return {
        "issuer_parent": pick_value("issuer_parent", f"UBND xã {name}").upper(),
        "issuer": pick_value("issuer", DEFAULT_ISSUER).upper(),
        "number": options.number or "",
        "place": pick_value("place", name),
        "date": document_date(options.date) if options.date else "",
    }


def signature_fields(ctx: Context, options: DocumentOptions) -> dict:
    """TM. <issuing body>; for a deputy, KT. <the head's title>; the signer's title and name."""
    issuer = (options.issuer or _from_register(ctx, "issuer") or DEFAULT_ISSUER).upper()
    title = (options.signer_title or _from_register(ctx, "signer_title")).strip()
    deputy = ""
    words = title.split()
    if words and fold(words[0]) == "pho":
        head = " ".join(w for w in words[1:] if fold(w) not in ("thuong", "truc"))
        deputy = f"KT. {head.upper()}"
    return {
        "on_behalf": f"TM. {issuer}",
        "deputy": deputy,
        "title": title.upper(),
        "name": options.signer_name or _from_register(ctx, "signer_name"),
    }


# ---------------------------------------------------------------------------------------------
# Status against each set


def provisional_note(ctx: Context) -> str:
    """How many of the set's indicators rest on thresholds not read in the official text, by
    level, and which: the verdicts that use them are provisional."""
    weak = unverified(ctx.cset)
    if not weak:
        return ""
    levels = []
    for level in EVIDENCE_LEVELS[1:] + ("none",):
        codes = [i.code for i in weak if i.weakest == level]
        if codes:
            levels.append(f"{t(f'evidence_{level}', 'vi')} ({len(codes)}): {', '.join(codes)}")
    return t(
        "document_provisional",
        "vi",
        count=len(weak),
        total=len(ctx.cset.indicators),
        levels="; ".join(levels),
    )


def criteria_rows(ctx: Context) -> list[dict]:
    crit = _mine(ctx.assessment.criteria, ctx)
    return [
        {
            "no": str(k),
            "number": str(r.criterion),
            "name": str(r.name_vi),
            "met": f"{r.indicators_met}/{r.indicators_total}",
            "status": fmt.status(r.status, "vi"),
        }
        for k, r in enumerate(crit.itertuples(), start=1)
    ]


def unmet_rows(ctx: Context) -> list[dict]:
    ind = _mine(ctx.assessment.indicators, ctx)
    unmet = ind[ind["status"].isin(["not_met", "missing", "no_threshold"])]
    return [
        {
            "indicator": str(r.indicator),
            "name": ctx.cset.indicator(str(r.indicator)).name["vi"],
            "value": value_text(r.value, r.unit, "vi") or fmt.status(r.status, "vi"),
            "requirement": requirement_text(r.rule, r.threshold, r.unit, "vi", r.status),
            "gap": gap_text(r.gap, r.unit, "vi"),
        }
        for r in unmet.itertuples()
    ]


def _requirement(r) -> str:
    return requirement_text(r.rule, r.threshold, r.unit, "vi", r.status)


def _result(r) -> str:
    return value_text(r.value, r.unit, "vi") or fmt.status(r.status, "vi")


def self_assessment_rows(ctx: Context) -> list[dict]:
    """Per criterion: its requirements, the results, the self-assessment."""
    ind = _mine(ctx.assessment.indicators, ctx)
    rows = []
    for k, c in enumerate(_mine(ctx.assessment.criteria, ctx).itertuples(), start=1):
        mine = ind[ind["criterion"].astype(str) == str(c.criterion)]
        rows.append(
            {
                "no": str(k),
                "number": str(c.criterion),
                "name": str(c.name_vi),
                "requirements": "; ".join(
                    f"{r.indicator}: {_requirement(r)}" for r in mine.itertuples()
                ),
                "results": "; ".join(f"{r.indicator}: {_result(r)}" for r in mine.itertuples()),
                "status": fmt.status(c.status, "vi"),
            }
        )
    return rows


def set_fields(ctx: Context) -> dict:
    row = _mine(ctx.assessment.communes, ctx).iloc[0]
    cset = ctx.cset
    title = pick(cset.title, "vi")
    return {
        "id": cset.id,
        "label": _lower_first(pick(cset.status_label, "vi")),
        "title": title,
        "period": f"{cset.period.start} - {cset.period.end}",
        "criteria_met": int(row["criteria_met"]),
        "criteria_total": int(row["criteria_total"]),
        "status": fmt.commune_status(row, cset.status_label, "vi"),
        "summary": (
            f"Theo {title} ({cset.legal_text('vi')}), năm {ctx.year} xã đạt "
            f"{int(row['criteria_met'])}/{int(row['criteria_total'])} tiêu chí; kết quả chung: "
            f"{fmt.commune_status(row, cset.status_label, 'vi')}."
        ),
        "criteria": criteria_rows(ctx),
        "unmet": unmet_rows(ctx),
        "self_assessment": self_assessment_rows(ctx),
        "provisional": provisional_note(ctx),
    }


def legal_bases(contexts: list[Context]) -> list[str]:
    """One "Căn cứ" line per decision behind the sets, national first, each once."""
    from ..criteria.catalogue import load_set

    seen, out = set(), []
    sets = sorted(
        {set_id: load_set(set_id) for ctx in contexts for set_id in ctx.cset.files}.values(),
        key=lambda c: (c.province is not None, c.legal_basis.date, c.legal_basis.number),
    )
    for cset in sets:
        lb = cset.legal_basis
        if lb.number not in seen:
            seen.add(lb.number)
            out.append(
                f"Căn cứ Quyết định số {lb.number} ngày {lb.date.strftime('%d/%m/%Y')} "
                f"của {pick(lb.issuer.model_dump(), 'vi')} ban hành {pick(cset.title, 'vi')};"
            )
        for amendment in lb.amended_by:
            if amendment.number not in seen:
                seen.add(amendment.number)
                out.append(
                    f"Căn cứ Quyết định số {amendment.number} ngày "
                    f"{amendment.date.strftime('%d/%m/%Y')} sửa đổi, bổ sung "
                    f"Quyết định số {lb.number};"
                )
    return out


def keep_lines(ctx: Context) -> list[str]:
    """Giữ vững: the criteria met, and the met indicators at risk next year."""
    crit = _mine(ctx.assessment.criteria, ctx)
    met = [str(r.criterion) for r in crit.itertuples() if r.status == "met"]
    out = [
        f"Các tiêu chí đã đạt cần giữ vững ({len(met)}/{len(crit)}): "
        f"{', '.join(met) if met else 'chưa có'}."
    ]
    ind = _mine(ctx.assessment.indicators, ctx)
    if "at_risk" in ind:
        risky = ind[ind["at_risk"].astype(bool)]
        if len(risky):
            items = "; ".join(
                f"{r.indicator} ({value_text(r.value, r.unit, 'vi')}, yêu cầu "
                f"{requirement_text(r.rule, r.next_threshold, r.unit, 'vi')} năm sau)"
                for r in risky.itertuples()
            )
            out.append(f"Chỉ tiêu đang đạt có nguy cơ không đạt năm {ctx.year + 1}: {items}.")
        fragile = ind[ind["fragile"].astype(bool)]
        if len(fragile):
            codes = ", ".join(str(r.indicator) for r in fragile.itertuples())
            out.append(f"Kết quả sát ngưỡng, cần rà soát số liệu: {codes}.")
    return out


# ---------------------------------------------------------------------------------------------
# Roadmap, funds, general tasks, who does what


def _target(r) -> str:
    if r.kind == GENERAL:
        return str(r.name_vi)
    return f"Tiêu chí {r.criterion}"


def _note(r) -> str:
    deadline = str(r.deadline) if pd.notna(r.deadline) and str(r.deadline) else ""
    if r.late and pd.notna(r.target_year):
        return f"Hạn {int(r.target_year)}; chậm {int(r.year_scheduled) - int(r.target_year)} năm"
    return f"Hạn {deadline}" if deadline.isdigit() else deadline


def _money(value) -> str:
    return fmt.number(float(value), "vi")


def _sources_text(values: dict) -> str:
    return "; ".join(f"{t(f'source_{s}', 'vi')} {_money(v)}" for s, v in values.items() if v)


def roadmap_rows(road: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """The roadmap (by year, then criterion) and its money by source, as table rows."""
    rows, money = [], []
    for r in road.itertuples():
        year = str(int(r.year_scheduled)) if r.funded else UNFUNDED
        rows.append(
            {
                "year": year,
                "target": _target(r),
                "solution": str(r.solution).replace(" | ", "; "),
                "responsible": str(r.responsible).replace(" | ", "; "),
                "cost": _money(r.cost),
                "late": bool(r.late),
                "note": _note(r),
            }
        )
        money.append(
            {"year": year, "target": _target(r)} | {s: _money(getattr(r, s)) for s in SOURCES}
        )
    return rows, money


def funding_lines(road: pd.DataFrame) -> list[str]:
    """The total arranged, by source; apart, what is not yet arranged, item by item."""
    money = funding(road)
    arranged, missing = money["arranged"], money["not_arranged"]
    lines = [
        f"Tổng kinh phí đã bố trí theo lộ trình: {_money(arranged['total'])} triệu đồng"
        + (f" ({_sources_text(arranged['by_source'])})." if arranged["total"] else ".")
    ]
    if missing["items"]:
        unfunded = road[~road["funded"].astype(bool)]
        items = "; ".join(
            f"{_target(r)}: {str(r.solution).replace(' | ', '; ')} ({_money(r.cost)} triệu đồng)"
            for r in unfunded.itertuples()
        )
        lines.append(
            f"{UNFUNDED} (không tính vào tổng trên): {_money(missing['total'])} triệu đồng "
            f"({_sources_text(missing['by_source'])}), gồm: {items}."
        )
    return lines


def task_rows(road: pd.DataFrame) -> dict[str, list[dict]]:
    """General tasks (not tied to a criterion) by field of work, for their sections."""
    out = {key: [] for key in work_fields()["fields"]}
    general = road[road["kind"] == GENERAL] if len(road) else road
    for r in general.itertuples():
        out[r.field].append(
            {
                "solution": str(r.solution),
                "responsible": str(r.responsible),
                "deadline": str(r.deadline),
                "cost": _money(r.cost),
                "sources": _sources_text({s: getattr(r, s) for s in SOURCES}),
                "year": str(int(r.year_scheduled)) if r.funded else UNFUNDED,
            }
        )
    return out


def assignment_rows(road: pd.DataFrame) -> list[dict]:
    """Who does what: each body named responsible, with its tasks, in the roadmap's order."""
    bodies: dict[str, list[str]] = {}
    for r in road.itertuples():
        for body in str(r.responsible).replace(" | ", ";").split(";"):
            body = body.strip()
            if body:
                bodies.setdefault(body, []).append(f"{_target(r)} ({r.year_text})")
    return [{"body": body, "tasks": "; ".join(tasks)} for body, tasks in bodies.items()]


def period_warnings(contexts: list[Context], road: pd.DataFrame) -> list[str]:
    """Work planned after a set's period ends: the years, per set."""
    if road.empty:
        return []
    years = set(road["year_scheduled"].dropna().astype(int)) | set(
        road["target_year"].dropna().astype(int)
    )
    out = []
    for ctx in contexts:
        after = sorted(y for y in years if y > ctx.cset.period.end)
        if after:
            out.append(
                t(
                    "document_after_period",
                    "vi",
                    years=", ".join(map(str, after)),
                    start=ctx.cset.period.start,
                    end=ctx.cset.period.end,
                    set=pick(ctx.cset.title, "vi"),
                )
            )
    return out


def _roadmap_of(contexts: list[Context]) -> tuple[Context, pd.DataFrame]:
    """The context that holds the plan (the last given with one) and its roadmap by year."""
    ctx = next((c for c in reversed(contexts) if c.roadmap is not None), contexts[-1])
    if ctx.roadmap is None or ctx.roadmap.roadmap.empty:
        return ctx, pd.DataFrame()
    road = by_year(ctx.roadmap.roadmap, ctx.cset)
    year_text = road["year_scheduled"].map(lambda y: UNFUNDED.lower() if pd.isna(y) else str(y))
    return ctx, road.assign(year_text=year_text)


# ---------------------------------------------------------------------------------------------
# The documents


def _subject(contexts: list[Context]) -> str:
    labels = [_lower_first(pick(c.cset.status_label, "vi")) for c in contexts]
    common = "đạt chuẩn "
    if len(labels) > 1 and all(label.startswith(common) for label in labels):
        return common + ", ".join(label[len(common) :] for label in labels)
    return ", ".join(labels)


def _periods(contexts: list[Context]) -> str:
    periods = list(dict.fromkeys(f"{c.cset.period.start} - {c.cset.period.end}" for c in contexts))
    return "giai đoạn " + ", ".join(periods)


def notices(contexts: list[Context], warnings: list[str]) -> list[str]:
    out = []
    if any(inputs_illustrative(c.provenance.get("inputs", [])) for c in contexts):
        out.append(t("document_illustrative", "vi"))
    return out + warnings


def common_fields(contexts: list[Context], options: DocumentOptions, text: dict, kind: str) -> dict:
    ctx = contexts[0]
    commune = ctx.commune
    plan_ctx, road = _roadmap_of(contexts)
    warnings = period_warnings(contexts, road) if kind == "plan" else []
    rows, money = roadmap_rows(road)
    return {
        "doc": {"kind": kind, "year": ctx.year, "next_year": ctx.year + 1, "warnings": warnings},
        "commune": {
            "id": ctx.commune_id,
            "name": str(commune["name"]),
            "district": str(commune.get("district", "") or ""),
            "province": str(commune.get("province", "") or ""),
        },
        "heading": heading_fields(ctx, options),
        "signature": signature_fields(ctx, options),
        "notices": notices(contexts, warnings),
        "legal_bases": legal_bases(contexts),
        "sets": [set_fields(c) for c in contexts],
        "text": text,
        "keep": keep_lines(plan_ctx),
        "roadmap": rows,
        "money": money,
        "funding": funding_lines(road) if len(road) else [],
        "tasks": task_rows(road),
        "assignment": assignment_rows(road) if len(road) else [],
    }


def plan_fields(contexts: list[Context], options: DocumentOptions, text: dict) -> dict:
    fields = common_fields(contexts, options, text, "plan")
    name = fields["commune"]["name"]
    fields["title"] = {
        "subject": f"Xây dựng xã {name} {_subject(contexts)}",
        "period": _periods(contexts),
    }
    fields["intro"] = (
        f"Căn cứ kết quả rà soát, đánh giá mức độ đạt các tiêu chí của xã năm "
        f"{contexts[0].year}, {fields['heading']['issuer'].capitalize()} xã {name} xây dựng kế "
        f"hoạch với các nội dung sau:"
    )
    return fields


def report_fields(contexts: list[Context], options: DocumentOptions, text: dict) -> dict:
    fields = common_fields(contexts, options, text, "report")
    ctx = contexts[0]
    name = fields["commune"]["name"]
    fields["title"] = {
        "subject": f"Kết quả xây dựng xã {name} {_subject(contexts)} năm {ctx.year}",
        "period": "",
    }
    fields["intro"] = (
        f"{fields['heading']['issuer'].capitalize()} xã {name} báo cáo kết quả thực hiện năm "
        f"{ctx.year} như sau:"
    )
    fields["results"] = [line for c in contexts for line in result_lines(c)]
    return fields


def result_lines(ctx: Context) -> list[str]:
    """The year's result against one set, and what changed since the year before."""
    row = _mine(ctx.assessment.communes, ctx).iloc[0]
    label = _lower_first(pick(ctx.cset.status_label, "vi"))
    lines = [
        f"Năm {ctx.year}, theo bộ tiêu chí {label}, xã đạt {int(row['criteria_met'])}/"
        f"{int(row['criteria_total'])} tiêu chí; kết quả chung: "
        f"{fmt.commune_status(row, ctx.cset.status_label, 'vi')}."
    ]
    before = _mine(ctx.assessment.criteria, ctx, ctx.year - 1)
    if len(before):
        now = _mine(ctx.assessment.criteria, ctx)
        was = set(before.loc[before["status"] == "met", "criterion"].astype(str))
        met = set(now.loc[now["status"] == "met", "criterion"].astype(str))
        gained = [str(c.number) for c in ctx.cset.criteria if str(c.number) in met - was]
        lost = regressions(ctx.assessment.criteria, "criterion", ctx.commune_id, ctx.year)
        lost_now = [str(c) for c in lost["criterion"]] if len(lost) else []
        lines.append(
            f"So với năm {ctx.year - 1} (đạt {len(was)} tiêu chí): đạt thêm {len(gained)} tiêu "
            f"chí ({', '.join(gained) or 'không'}); không còn đạt {len(lost_now)} tiêu chí "
            f"({', '.join(lost_now) or 'không'})."
        )
    return lines


KINDS = {"plan": plan_fields, "report": report_fields}


@dataclass
class Draft:
    path: Path
    warnings: list[str]


def document_fields(kind: str, contexts, options: DocumentOptions | None = None) -> dict:
    """The fields of document `kind` for one commune under one or several sets."""
    from .board_text import board_text

    contexts = contexts if isinstance(contexts, (list, tuple)) else [contexts]
    options = options or DocumentOptions()
    return KINDS[kind](list(contexts), options, board_text(options.texts, options.template))


def write_document(kind: str, contexts, out, options: DocumentOptions | None = None) -> Draft:
    """Draft `kind` ("plan" or "report") for one commune into the .docx `out`, written
    completely or not at all; the draft's warnings (work after a set's period) are returned."""
    from ..atomic import atomic_file
    from .document_templates import template_path
    from .docx_writer import render

    options = options or DocumentOptions()
    fields = document_fields(kind, contexts, options)
    template = Path(options.template) if options.template else template_path(kind)
    own = options.template is not None
    path = atomic_file(out, lambda tmp: render(template, fields, Path(tmp), own=own))
    return Draft(Path(path), fields["doc"]["warnings"])


def document_contexts(
    runs, commune_id: str, year: int | None = None, plan_rows=None, budget_rows=None
) -> list[Context]:
    """One Context per set (`runs`: one loaded run each, see assess.loaded.load_runs) for one
    commune; the plan's roadmap, read against the last set (the widest when advanced and
    model are given), is on the last."""
    year = runs[-1].checked_year(year, commune_id)
    return [commune_context(run, commune_id, year, "vi",
                            plan_rows=plan_rows if run is runs[-1] else None,
                            budget_rows=budget_rows)
            for run in runs]  # fmt: skip


def field_listing(fields: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(field, sample value) for every field a template may use: `a.b` for a value, `a[]` for a
    list (a loop), `a[].b` for a value of a list's items."""
    out = []
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += field_listing(value, name + ".")
        elif isinstance(value, list):
            first = value[0] if value else ""
            if isinstance(first, dict):
                out.append((name + "[]", ""))
                out += field_listing(first, name + "[].")
            else:
                out.append((name + "[]", str(first)))
        else:
            out.append((name, str(value)))
    return out


def field_listing_by_kind() -> dict[str, list[list[str]]]:
    """The fields of each document with a sample value (templates/documents/fields.yaml)."""
    from .document_templates import listing

    return listing()


def parse_date(text: str) -> datetime.date:
    """A document's date as typed: 2026-03-15 or 15/3/2026."""
    from ..errors import UsageError

    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise UsageError(t("document_date_invalid", value=text))
