"""The board's own documents, drafted from the assessment: the plan (Kế hoạch) and the annual
results report (Báo cáo), in Vietnamese and in the administrative layout.

Every numeric part comes from the assessment (criteria and their status, unmet indicators with
value, requirement and gap, criteria to keep, the roadmap by year with its responsible bodies
and cost by source, what was gained and lost since the year before). What the data cannot say
(purposes, the work by field, organisation, recipients, signature, number and date) is left as
a marked placeholder for the board, never written for it. The outline follows plans such as
Đức Chính's (shared/reference/documents-format.md); none of their sentences is reused.
"""

from __future__ import annotations

from pathlib import Path

from .. import fmt
from ..assess.progress import regressions
from ..criteria.text import gap_text, requirement_text, value_text
from ..i18n import pick, t
from ..intake.plans import SOURCES
from .context import Context
from .docx_writer import Block

ROMAN = ["I", "II", "III", "IV", "V", "VI"]
# The fields of a plan's content (the outline of commune NTM plans): each one the board writes.
FIELDS = [
    "Công tác tuyên truyền, vận động",
    "Công tác đào tạo, tập huấn",
    "Phát triển sản xuất, nâng cao thu nhập",
    "Xây dựng cơ sở hạ tầng",
    "Văn hóa, xã hội",
    "Môi trường và cảnh quan",
    "Xây dựng hệ thống chính trị, giữ vững quốc phòng, an ninh",
]


def _p(text: str) -> Block:
    return Block("paragraph", text)


def _todo(text: str) -> Block:
    return Block("placeholder", text)


def _legal_bases(ctx: Context) -> list[Block]:
    """One "Căn cứ" line per decision behind the set: the set's own and its parents'."""
    from ..criteria.catalogue import load_set

    seen, out = set(), []
    sets = sorted(
        (load_set(set_id) for set_id in ctx.cset.files),  # national, then provincial
        key=lambda c: (c.province is not None, c.legal_basis.date, c.legal_basis.number),
    )
    for cset in sets:
        lb = cset.legal_basis
        if lb.number in seen:
            continue
        seen.add(lb.number)
        out.append(
            _p(
                f"Căn cứ Quyết định số {lb.number} ngày {lb.date.strftime('%d/%m/%Y')} "
                f"của {pick(lb.issuer.model_dump(), 'vi')} ban hành "
                f"{pick(cset.title, 'vi')};"
            )
        )
        for amendment in lb.amended_by:
            if amendment.number not in seen:
                seen.add(amendment.number)
                out.append(
                    _p(
                        f"Căn cứ Quyết định số {amendment.number} ngày "
                        f"{amendment.date.strftime('%d/%m/%Y')} sửa đổi, bổ sung "
                        f"Quyết định số {lb.number};"
                    )
                )
    return out


def _header(ctx: Context, kind: str) -> Block:
    name = ctx.commune["name"]
    left = [(f"UBND XÃ {str(name).upper()}", False), ("BAN QUẢN LÝ XÂY DỰNG NÔNG THÔN MỚI", False)]
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number = [("Số: ", False), ("số", True), (f"/{kind}-BQL", False)]
    place_date = [
        (f"{name}, ngày ", False),
        ("ngày", True),
        (" tháng ", False),
        ("tháng", True),
        (" năm ", False),
        ("năm", True),
    ]
    return Block("header", rows=[left, right, number, place_date])


def _signature() -> Block:
    return Block(
        "signature",
        parts=[
            ("TM. BAN QUẢN LÝ", False),
            ("TRƯỞNG BAN", False),
            ("ký, đóng dấu", True),
            ("họ và tên", True),
        ],
    )


def _recipients() -> list[Block]:
    return [
        Block("paragraph", parts=[("Nơi nhận:", False)], align="left"),
        _todo("danh sách nơi nhận"),
    ]


def _mine(frame, ctx: Context, year: int | None = None):
    return frame[
        (frame["commune_id"].astype(str) == ctx.commune_id) & (frame["year"] == (year or ctx.year))
    ]


def criteria_table(ctx: Context) -> Block:
    crit = _mine(ctx.assessment.criteria, ctx)
    rows = [["TT", "Tiêu chí", "Số chỉ tiêu đạt", "Kết quả"]]
    for k, r in enumerate(crit.itertuples(), start=1):
        rows.append(
            [
                str(k),
                f"{r.criterion}. {r.name_vi}",
                f"{r.indicators_met}/{r.indicators_total}",
                fmt.status(r.status, "vi"),
            ]
        )
    return Block("table", rows=rows, widths=[10, 90, 30, 35])


def unmet_table(ctx: Context) -> Block | None:
    ind = _mine(ctx.assessment.indicators, ctx)
    unmet = ind[ind["status"].isin(["not_met", "missing", "no_threshold"])]
    if unmet.empty:
        return None
    rows = [["Chỉ tiêu", "Nội dung", "Hiện trạng", "Yêu cầu", "Còn thiếu"]]
    for r in unmet.itertuples():
        name = ctx.cset.indicator(str(r.indicator)).name["vi"]
        rows.append(
            [
                str(r.indicator),
                name,
                value_text(r.value, r.unit, "vi") or fmt.status(r.status, "vi"),
                requirement_text(r.rule, r.threshold, r.unit, "vi", r.status),
                gap_text(r.gap, r.unit, "vi"),
            ]
        )
    return Block("table", rows=rows, widths=[18, 70, 28, 28, 22])


def keep_blocks(ctx: Context) -> list[Block]:
    """Giữ vững: the criteria met, and the met indicators at risk next year."""
    crit = _mine(ctx.assessment.criteria, ctx)
    met = [f"{r.criterion}" for r in crit.itertuples() if r.status == "met"]
    out = [
        _p(
            f"Các tiêu chí đã đạt cần giữ vững ({len(met)}/{len(crit)}): "
            f"{', '.join(met) if met else 'chưa có'}."
        )
    ]
    ind = _mine(ctx.assessment.indicators, ctx)
    if "at_risk" in ind:
        risky = ind[ind["at_risk"]]
        if len(risky):
            items = "; ".join(
                f"{r.indicator} ({value_text(r.value, r.unit, 'vi')}, yêu cầu "
                f"{requirement_text(r.rule, r.next_threshold, r.unit, 'vi')} năm sau)"
                for r in risky.itertuples()
            )
            out.append(_p(f"Chỉ tiêu đang đạt có nguy cơ không đạt năm {ctx.year + 1}: {items}."))
        fragile = ind[ind["fragile"]]
        if len(fragile):
            out.append(
                _p(
                    "Kết quả sát ngưỡng, cần rà soát số liệu: "
                    + ", ".join(str(r.indicator) for r in fragile.itertuples())
                    + "."
                )
            )
    return out


def roadmap_blocks(ctx: Context) -> list[Block]:
    road = ctx.roadmap
    if road is None or road.roadmap.empty:
        return [
            _todo(
                "lộ trình theo năm và theo tiêu chí: chưa có kế hoạch giải pháp (ntm plan / --plan)"
            )
        ]
    rows = [["Năm", "Tiêu chí", "Giải pháp", "Đơn vị thực hiện", "Kinh phí (triệu đồng)"]]
    money = [["Năm", "Tiêu chí"] + [t(f"source_{s}", "vi") for s in SOURCES]]
    for r in road.roadmap.itertuples():
        year = str(r.year_scheduled) if r.funded else "chưa bố trí được vốn"
        rows.append(
            [
                year,
                str(r.criterion),
                str(r.solution).replace(" | ", "; "),
                str(r.responsible).replace(" | ", "; "),
                fmt.number(r.cost, "vi"),
            ]
        )
        money.append([year, str(r.criterion)] + [fmt.number(getattr(r, s), "vi") for s in SOURCES])
    totals = {s: float(road.roadmap[s].sum()) for s in SOURCES}
    funding = "; ".join(
        f"{t(f'source_{s}', 'vi')} {fmt.number(v, 'vi')}" for s, v in totals.items() if v
    )
    return [
        Block("table", rows=rows, widths=[16, 16, 75, 38, 20]),
        _p("Cơ cấu nguồn vốn theo lộ trình (triệu đồng):"),
        Block("table", rows=money, widths=[16, 16] + [26.6] * len(SOURCES)),
        _p(
            f"Tổng kinh phí theo lộ trình: {fmt.number(road.roadmap['cost'].sum(), 'vi')} "
            f"triệu đồng ({funding})."
        ),
    ]


def plan_blocks(ctx: Context) -> list[Block]:
    """Kế hoạch thực hiện xây dựng xã đạt chuẩn theo bộ tiêu chí của ctx."""
    label = pick(ctx.cset.status_label, "vi")
    period = f"{ctx.cset.period.start} - {ctx.cset.period.end}"
    row = _mine(ctx.assessment.communes, ctx).iloc[0]
    blocks = [
        _header(ctx, "KH"),
        Block(
            "title",
            "KẾ HOẠCH",
            parts=[
                f"Xây dựng xã {ctx.commune['name']} {label[:1].lower() + label[1:]}",
                f"giai đoạn {period}",
            ],
        ),
    ]
    blocks += _legal_bases(ctx)
    blocks.append(
        _p(
            f"Căn cứ kết quả rà soát, đánh giá mức độ đạt các tiêu chí của xã năm "
            f"{ctx.year}, Ban quản lý xây dựng nông thôn mới xã {ctx.commune['name']} "
            f"lập kế hoạch với các nội dung sau:"
        )
    )
    blocks += [
        Block("heading", "I. MỤC ĐÍCH, YÊU CẦU"),
        Block("heading", "1. Mục đích", level=2),
        _todo("mục đích của kế hoạch"),
        Block("heading", "2. Yêu cầu", level=2),
        _todo("yêu cầu của kế hoạch"),
    ]
    blocks += [
        Block("heading", f"II. THỰC TRẠNG NĂM {ctx.year}"),
        _p(
            f"Năm {ctx.year}, xã đạt {int(row['criteria_met'])}/{int(row['criteria_total'])} "
            f"tiêu chí; kết quả chung: {fmt.commune_status(row, ctx.cset.status_label, 'vi')}."
        ),
        criteria_table(ctx),
    ]
    unmet = unmet_table(ctx)
    if unmet is not None:
        blocks += [_p("Các chỉ tiêu chưa đạt hoặc chưa đủ số liệu:"), unmet]
    blocks += [Block("heading", "III. NỘI DUNG THỰC HIỆN")]
    for k, field_name in enumerate(FIELDS, start=1):
        blocks += [
            Block("heading", f"{k}. {field_name}", level=2),
            _todo(f"nội dung công việc về {field_name.lower()}"),
        ]
    blocks += [
        Block("heading", "IV. KẾ HOẠCH THỰC HIỆN"),
        Block("heading", "1. Giữ vững các tiêu chí đã đạt", level=2),
    ]
    blocks += keep_blocks(ctx)
    blocks += [Block("heading", "2. Lộ trình thực hiện theo từng tiêu chí", level=2)]
    blocks += roadmap_blocks(ctx)
    blocks += [
        Block("heading", "3. Tổ chức thực hiện", level=2),
        _todo("phân công ban, ngành, thôn và thời hạn"),
        Block("heading", "4. Huy động và lồng ghép các nguồn vốn", level=2),
        _todo("giải pháp huy động, lồng ghép vốn, tín dụng, doanh nghiệp"),
    ]
    blocks += _recipients() + [_signature()]
    return blocks


def report_blocks(ctx: Context) -> list[Block]:
    """Báo cáo kết quả thực hiện năm ctx.year, with the self-assessment of every criterion."""
    label = pick(ctx.cset.status_label, "vi")
    row = _mine(ctx.assessment.communes, ctx).iloc[0]
    crit_now = _mine(ctx.assessment.criteria, ctx)
    before = _mine(ctx.assessment.criteria, ctx, ctx.year - 1)
    blocks = [
        _header(ctx, "BC"),
        Block(
            "title",
            "BÁO CÁO",
            parts=[
                f"Kết quả xây dựng xã {ctx.commune['name']} "
                f"{label[:1].lower() + label[1:]} năm {ctx.year}"
            ],
        ),
    ]
    blocks += [
        Block("heading", f"I. KẾT QUẢ ĐẠT ĐƯỢC NĂM {ctx.year}"),
        _p(
            f"Năm {ctx.year}, xã đạt {int(row['criteria_met'])}/{int(row['criteria_total'])} "
            f"tiêu chí; kết quả chung: {fmt.commune_status(row, ctx.cset.status_label, 'vi')}."
        ),
    ]
    if len(before):
        was = set(before.loc[before["status"] == "met", "criterion"].astype(str))
        now = set(crit_now.loc[crit_now["status"] == "met", "criterion"].astype(str))
        order = [str(c.number) for c in ctx.cset.criteria]
        gained = [c for c in order if c in now - was]
        lost = regressions(ctx.assessment.criteria, "criterion", ctx.commune_id, ctx.year)
        lost_year = [str(c) for c in lost["criterion"]] if len(lost) else []
        blocks.append(
            _p(
                f"So với năm {ctx.year - 1} (đạt {len(was)} tiêu chí): đạt thêm "
                f"{len(gained)} tiêu chí ({', '.join(gained) or 'không'}); không còn đạt "
                f"{len(lost_year)} tiêu chí ({', '.join(lost_year) or 'không'})."
            )
        )
    blocks.append(_todo("kết quả nổi bật, cách làm hay trong năm"))
    blocks += [Block("heading", "II. TỰ ĐÁNH GIÁ THEO TỪNG TIÊU CHÍ"), self_assessment_table(ctx)]
    blocks += [Block("heading", "III. NHIỆM VỤ CÒN LẠI")]
    unmet = unmet_table(ctx)
    blocks += [unmet] if unmet is not None else [_p("Không còn chỉ tiêu chưa đạt.")]
    blocks += keep_blocks(ctx)
    blocks += [
        _todo("giải pháp cho các nhiệm vụ còn lại"),
        Block("heading", "IV. ĐỀ XUẤT, KIẾN NGHỊ"),
        _todo("đề xuất, kiến nghị"),
    ]
    blocks += _recipients() + [_signature()]
    return blocks


def self_assessment_table(ctx: Context) -> Block:
    """Per criterion: its requirements, the results, the self-assessment."""
    ind = _mine(ctx.assessment.indicators, ctx)
    crit = _mine(ctx.assessment.criteria, ctx)
    rows = [["TT", "Tiêu chí", "Yêu cầu", "Kết quả", "Tự đánh giá"]]
    for k, c in enumerate(crit.itertuples(), start=1):
        mine = ind[ind["criterion"].astype(str) == str(c.criterion)]
        need = "; ".join(
            f"{r.indicator}: {requirement_text(r.rule, r.threshold, r.unit, 'vi', r.status)}"
            for r in mine.itertuples()
        )
        got = "; ".join(
            f"{r.indicator}: {value_text(r.value, r.unit, 'vi') or fmt.status(r.status, 'vi')}"
            for r in mine.itertuples()
        )
        rows.append([str(k), f"{c.criterion}. {c.name_vi}", need, got, fmt.status(c.status, "vi")])
    return Block("table", rows=rows, widths=[10, 45, 50, 40, 25])


KINDS = {"plan": plan_blocks, "report": report_blocks}


def write_document(kind: str, context: Context, out: Path) -> Path:
    """Draft `kind` ("plan" or "report") for the commune of `context` into the .docx `out`."""
    from .docx_writer import write

    return write(KINDS[kind](context), out)
