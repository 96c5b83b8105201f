"""A data-entry workbook in Vietnamese: one row per commune and indicator, ready to fill in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..atomic import atomic_file
from ..criteria.catalogue import NOT_APPLICABLE, CriteriaSet, commune_zones, units
from ..criteria.catalogue import cell as threshold_cell
from ..criteria.text import requirement_text
from ..errors import UsageError
from ..i18n import pick, t
from ..tables import keep_text, make_zip_deterministic, print_setup_openpyxl

# Header labels are accepted back by the intake (locale/columns.yaml).
HEADERS = [
    "Mã xã",
    "Tên xã",
    "Năm",
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Đơn vị",
    "Yêu cầu",
    "Giá trị",
    "Ghi chú",
    "Nguồn số liệu",
    # The evidence behind the value, read back by the intake (locale/columns.yaml) and
    # checked by `ntm dossier`.
    "Minh chứng",
    "Số văn bản",
    "Ngày văn bản",
    "Nơi lưu",
]
WIDTHS = [10, 16, 7, 11, 60, 14, 14, 12, 20, 20, 28, 14, 13, 20]
INSTRUCTIONS = [
    "Mẫu nhập số liệu đánh giá tiêu chí nông thôn mới (ntm-assess).",
    "Điền cột «Giá trị» cho từng dòng; không sửa các cột mã (Mã xã, Năm, Mã chỉ tiêu).",
    "Tỷ lệ: nhập 95 hoặc 95% hoặc 95,5. Chỉ tiêu Đạt/Chưa đạt: chọn trong danh sách.",
    "Ghi nguồn số liệu (báo cáo, biên bản...) để người kiểm tra truy được.",
    "Minh chứng (bốn cột cuối): tên văn bản chứng minh số liệu (báo cáo, biên bản, quyết "
    "định...), số văn bản (ví dụ 128/BC-UBND), ngày văn bản (dd/mm/yyyy) và nơi lưu (ví dụ: "
    "Văn phòng UBND xã). Hồ sơ công nhận cần minh chứng cho từng số liệu: lệnh ntm dossier "
    "liệt kê số liệu chưa có minh chứng, không ghi ngày hoặc quá 24 tháng.",
    "Kiểm tra trước khi nộp: ntm validate <tệp này> --communes <danh sách xã> --set <bộ tiêu chí>",
]


def check_year(cset: CriteriaSet, year: int) -> None:
    """UsageError for a year outside the set's period: every row of such a workbook would be
    refused when the data come back, so none is written."""
    period = cset.period
    if not period.start <= year <= period.end:
        raise UsageError(
            t(
                "template_year_outside",
                year=year,
                set_id=cset.id,
                start=period.start,
                end=period.end,
            )
        )


def template_rows(cset: CriteriaSet, register: pd.DataFrame, year: int) -> list[list]:
    unit_labels = units()
    zones = commune_zones(register)
    rows = []
    for _, commune in register.iterrows():
        zone = zones[str(commune["commune_id"])]
        for ind in cset.indicators:
            if ind.value_from:
                continue
            x = threshold_cell(cset, ind.code, zone, year)
            status = "not_applicable" if x.state == NOT_APPLICABLE else None
            rows.append(
                [
                    commune["commune_id"],
                    commune["name"],
                    year,
                    ind.code,
                    ind.name["vi"],
                    pick(unit_labels[ind.unit]["label"], "vi"),
                    requirement_text(ind.rule.op, x.value, ind.unit, "vi", status),
                ]
                + [None] * (len(HEADERS) - 7)
            )
    return rows


def t_title(cset: CriteriaSet) -> str:
    """What every printed page of an entry workbook says at its top."""
    return f"Nhập số liệu — {pick(cset.title, 'vi')}"


def _save(wb, path: Path) -> None:
    """The workbook, text kept as text, with the same bytes for the same content."""

    def save(tmp: Path) -> None:
        keep_text(wb)
        wb.save(tmp)
        make_zip_deterministic(tmp)

    atomic_file(path, save)


def write_template(cset: CriteriaSet, register: pd.DataFrame, year: int, path: Path) -> int:
    rows = template_rows(cset, register, year)
    wb = Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    for line in INSTRUCTIONS + ["", f"{pick(cset.title, 'vi')} — {cset.legal_text('vi')}"]:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    sheet = wb.create_sheet("Số liệu")
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True)
    yes_no = DataValidation(type="list", formula1='"Đạt,Chưa đạt"', allow_blank=True)
    sheet.add_data_validation(yes_no)
    yes_no_codes = {i.code for i in cset.indicators if i.unit_kind == "yes_no"}
    for n, row in enumerate(rows, start=2):
        sheet.append(row)
        if row[3] in yes_no_codes:
            yes_no.add(f"H{n}")
    for n, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    date_column = get_column_letter(HEADERS.index("Ngày văn bản") + 1)
    for row in range(2, len(rows) + 2):
        sheet[f"{date_column}{row}"].number_format = "@"  # dd/mm/yyyy kept as typed
    print_setup_openpyxl(sheet, f"{t_title(cset)} — {year}", landscape=True, lang="vi")
    print_setup_openpyxl(guide, t_title(cset), lang="vi")

    _save(wb, path)
    return len(rows)


PLAN_HEADERS = [
    "Mã xã",
    "Tên xã",
    "Lĩnh vực",
    "Tiêu chí",
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Hiện trạng",
    "Yêu cầu",
    "Giải pháp",
    "Đơn vị chịu trách nhiệm",
    "Năm hoàn thành",
    "Kinh phí (triệu đồng)",
    "Ngân sách nhà nước",
    "Lồng ghép chương trình",
    "Nhân dân đóng góp",
    "Tín dụng",
    "Doanh nghiệp và khác",
    "Mức độ khó",
]
BUDGET_HEADERS = [
    "Mã xã",
    "Năm",
    "Ngân sách nhà nước",
    "Lồng ghép chương trình",
    "Nhân dân đóng góp",
    "Tín dụng",
    "Doanh nghiệp và khác",
]
PLAN_INSTRUCTIONS = [
    "Mẫu kế hoạch thực hiện các tiêu chí chưa đạt (ntm-assess).",
    "Trang «Kế hoạch»: mỗi dòng là một chỉ tiêu chưa đạt; ghi giải pháp, đơn vị chịu trách nhiệm,",
    "năm hoàn thành, kinh phí (triệu đồng) và phân theo nguồn: tổng các nguồn phải bằng kinh phí.",
    "Có thể thêm dòng cho việc giữ vững tiêu chí đã đạt (ghi số tiêu chí hoặc mã chỉ tiêu).",
    "Trang «Nhiệm vụ chung»: việc không gắn với một tiêu chí (tuyên truyền, tập huấn, tín dụng),",
    "theo lĩnh vực; năm hoàn thành có thể ghi «Thường xuyên».",
    "Dòng để trống phần giải pháp, đơn vị, năm và kinh phí là không có nhiệm vụ: bỏ qua.",
    "Mức độ khó: 1 (dễ) đến 5 (rất khó). Trang «Ngân sách»: số vốn dự kiến mỗi năm theo nguồn.",
    "Lập lộ trình: ntm plan <số liệu> --communes <xã> --set <bộ> --plan <tệp này> "
    "--budget <tệp này> --out <thư mục>",
]


def _plan_rows(cset: CriteriaSet, names: pd.Series, unmet: pd.DataFrame) -> list[list]:
    """One row per unmet indicator, its task columns left for the board."""
    from ..criteria.text import value_text

    rows = []
    for r in unmet.itertuples():
        ind = cset.indicator(str(r.indicator))
        rows.append(
            [
                str(r.commune_id),
                names.get(str(r.commune_id), ""),
                None,
                ind.criterion,
                ind.code,
                ind.name["vi"],
                value_text(r.value, ind.unit, "vi"),
                requirement_text(r.rule, r.threshold, ind.unit, "vi", r.status),
            ]
            + [None] * (len(PLAN_HEADERS) - 8)
        )
    return rows


def _general_rows(communes: list[str], names: pd.Series) -> list[list]:
    """One row per commune and field of work, for the general tasks."""
    from .plans import work_fields

    labels = [spec["vi"] for key, spec in work_fields()["fields"].items() if key != "other"]
    return [
        [cid, names.get(cid, ""), label] + [None] * (len(PLAN_HEADERS) - 3)
        for cid in communes
        for label in labels
    ]


def _style(sheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = "A2"


def write_plan_template(
    cset: CriteriaSet,
    register: pd.DataFrame,
    indicators: pd.DataFrame,
    year: int,
    path: Path,
    budget_years: int = 3,
) -> int:
    """Plan rows for every unmet indicator of `year`, a row per field of work for the general
    tasks, and an empty budget for the next years. Rows left untouched are read back as no
    task (intake.plans)."""
    names = register.set_index(register["commune_id"])["name"]
    unmet = indicators[
        (indicators["year"] == year) & indicators["status"].isin(["not_met", "missing"])
    ]
    communes = sorted(set(unmet["commune_id"].astype(str)))
    wb = Workbook()
    guide = wb.active
    guide.title = "Hướng dẫn"
    for line in PLAN_INSTRUCTIONS:
        guide.append([line])
    guide.column_dimensions["A"].width = 110
    sheets = []
    for title, rows in (
        ("Kế hoạch", _plan_rows(cset, names, unmet)),
        ("Nhiệm vụ chung", _general_rows(communes, names)),
    ):
        sheet = wb.create_sheet(title)
        sheet.append(PLAN_HEADERS)
        for row in rows:
            sheet.append(row)
        for col, width in (("C", 28), ("F", 50), ("I", 40)):
            sheet.column_dimensions[col].width = width
        sheets.append(sheet)
    budget = wb.create_sheet("Ngân sách")
    budget.append(BUDGET_HEADERS)
    for cid in communes:
        for y in range(year + 1, year + 1 + budget_years):
            budget.append([cid, y] + [None] * 5)
    for sheet in sheets + [budget]:
        _style(sheet)
    for sheet in [guide, *sheets, budget]:  # A4, one page wide, titled, numbered
        landscape = sheet in sheets
        print_setup_openpyxl(sheet, f"Kế hoạch — {pick(cset.title, 'vi')}", landscape, "vi")
    _save(wb, path)
    return len(unmet)
