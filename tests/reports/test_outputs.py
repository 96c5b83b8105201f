"""What officers print, read and pass around (issue 26): words not codes, honest marks, file
names a person can find, communes named by name, two tiers (no district since July 2025)."""

import base64
import re
import shutil
from xml.etree import ElementTree

import pandas as pd
import pytest
from conftest import SAMPLE
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ntm_lib import fmt
from ntm_lib.assess.pipeline import assess
from ntm_lib.assess.resolve import resolve_commune
from ntm_lib.criteria.catalogue import EVIDENCE_LEVELS, list_sets, load_set, region_ids, units
from ntm_lib.errors import NoDataError, UsageError
from ntm_lib.intake.inputs import load_inputs, read_register
from ntm_lib.provenance import files
from ntm_lib.reports import charts, marks, svg_charts, terminal
from ntm_lib.reports.naming import file_stem
from ntm_lib.reports.workbooks import write_assessment
from ntm_lib.tables import spreadsheet_safe, write_csv

SVG = "{http://www.w3.org/2000/svg}"

SET = "hd-2022-advanced"
DATA, REGISTER = SAMPLE / "indicators.csv", SAMPLE / "communes.csv"


@pytest.fixture(scope="module")
def sample():
    cset = load_set(SET)
    inputs = load_inputs([str(DATA)], str(REGISTER), cset)
    return cset, inputs.register, assess(cset, inputs.register, inputs.data)


# --- the CSV formula guard: real formulas only


def test_the_guard_leaves_a_rules_signs_and_stops_real_formulas(tmp_path):
    cells = ["=", "≥", ">=", "<=", ">", "<", '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0"]
    cells += ["-2+3", "@SUM(1,2)", "=1+1", "==1", "==", "\tx"]
    safe = spreadsheet_safe(pd.DataFrame({"c": cells}))["c"].tolist()
    assert safe[:6] == ["=", "≥", ">=", "<=", ">", "<"]  # a sign alone is not a formula
    assert all(s.startswith("'") for s in safe[6:]), safe  # '==' is: LibreOffice's Err:520
    write_csv(pd.DataFrame({"rule": ["≥", "="] * 3000, "n": range(6000)}), tmp_path / "r.csv")
    assert "'" not in (tmp_path / "r.csv").read_text()  # the fast path writes them as they are


def test_libreoffice_reads_no_guarded_cell_as_a_formula(tmp_path, libreoffice):
    cells = [">=", '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1;2)"]
    write_csv(pd.DataFrame({"c": cells}), tmp_path / "g.csv")
    libreoffice(tmp_path / "g.csv", "xlsx")
    sheet = load_workbook(tmp_path / "g.xlsx").active
    kinds = [(c.value, c.data_type) for c in sheet["A"][1:]]
    assert all(kind == "s" for _, kind in kinds), kinds
    assert kinds[0][0] == ">="


def test_the_rule_column_opens_as_signs_in_libreoffice(tmp_path, libreoffice, sample):
    cset, register, a = sample
    write_assessment(a, tmp_path, cset, register, lang="vi")
    libreoffice(tmp_path / "indicators.csv", "xlsx")
    sheet = load_workbook(tmp_path / "indicators.xlsx").active
    header = [c.value for c in sheet[1]]
    rules = {c.value for c in sheet[get_column_letter(header.index("rule") + 1)][1:]}
    assert rules and rules <= {"≥", ">", "≤", "<", "="}, rules  # no error cell, no code
    assert "=" in rules  # the sample has yes/no indicators: their rule is equality


# --- communes by name


def test_a_commune_is_found_by_its_name_with_or_without_accents():
    register, _ = read_register(str(REGISTER))
    for typed in ("10912", "Đức Chính", "duc chinh", "xã Đức Chính", "DUC  CHINH"):
        assert resolve_commune(register, typed) == "10912", typed


def test_an_ambiguous_name_lists_the_communes_it_fits():
    register = pd.DataFrame(
        {
            "commune_id": ["1", "2", "3"],
            "name": ["Cẩm Giang", "Cẩm Giàng", "Yết Kiêu"],
            "district": ["", "", ""],
            "province": ["Hải Phòng"] * 3,
        }
    )
    assert resolve_commune(register, "Cẩm Giàng") == "2"  # as typed, accents and all
    with pytest.raises(UsageError) as err:
        resolve_commune(register, "cam giang")
    assert "Cẩm Giang (1" in str(err.value) and "Cẩm Giàng (2" in str(err.value)
    with pytest.raises(NoDataError) as err:
        resolve_commune(register, "Yet Kieu x")
    assert "Yết Kiêu" in str(err.value)  # the nearest name


def test_show_takes_a_name_and_says_what_is_missing(capsys):
    from ntm_lib.cli import main

    args = [str(DATA), "--communes", str(REGISTER), "--set", SET]
    assert main(["show", "cam hoang"] + args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cẩm Hoàng (10897), 2025:")
    assert main(["show", "Cẩm Hoàng"] + args + ["--year", "2030"]) == 1
    err = capsys.readouterr().err
    assert "Cẩm Hoàng (10897) năm 2030" in err and "2021, 2022" in err


# --- file names


def test_file_names_carry_the_communes_name_and_stay_safe():
    assert file_stem("10912", 2025, "Đức Chính") == "10912_duc-chinh-2025"
    assert file_stem("10912", 2025) == "10912-2025"
    hostile = [
        ("a/b", "../../x"),
        ("a_b", "x"),
        ("a-b", "<script>"),
        ("10912", "duc"),
        ("10912-duc", ""),
        ("x" * 300, "y" * 300),
        ("Xã Đông", "Xã Đông"),
    ]
    stems = [file_stem(i, 2025, n) for i, n in hostile]
    assert len(set(stems)) == len(hostile)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", s) and len(s) <= 100 for s in stems), stems


# --- words, not codes, in the terminal

CODES = set(units()) | set(EVIDENCE_LEVELS) | set(region_ids()) | {"basic", "advanced", "model"}
OLD_HEADERS = {"set", "level", "title", "legal_basis", "parent", "unverified", "thresholds"}


@pytest.mark.parametrize("which", ["sets", "criteria", "criteria-2026"])
def test_terminal_tables_are_vietnamese_and_fit_a_terminal(which):
    if which == "sets":
        text = terminal.sets_text("vi")
    else:
        text = terminal.criteria_text(load_set("vn-2026-ntm" if "2026" in which else SET), "vi")
    assert max(len(line) for line in text.splitlines()) <= terminal.WIDTH
    for code in list_sets() + ["--unverified"]:  # set ids in their own column; an option
        text = text.replace(code, "")
    words = set(re.findall(r"[A-Za-z_]+", text))
    assert not (words & (CODES | OLD_HEADERS)), words & (CODES | OLD_HEADERS)


def test_show_and_assess_carry_the_marks(sample):
    cset, register, a = sample
    inputs = files([str(DATA)], "data")
    shown = terminal.show_text(a, cset, register, "10912", 2025, inputs, "vi")
    assert "Số liệu minh họa" in shown and "Ngưỡng tạm thời" in shown
    assert "Số liệu minh họa" not in terminal.show_text(a, cset, register, "10912", 2025, [], "vi")
    summary = terminal.assess_text(a, cset, inputs, "en")
    assert "Illustrative data" in summary and "Provisional thresholds" in summary


def test_illustrative_is_recognised_by_hash_not_by_name(tmp_path):
    copy = shutil.copy(DATA, tmp_path / "renamed.csv")
    assert marks.notes(load_set(SET), files([copy], "data"), "vi")[0].startswith("Số liệu minh")
    edited = tmp_path / "edited.csv"
    edited.write_text(DATA.read_text(encoding="utf-8").replace("10912", "10913", 1))
    assert len(marks.notes(load_set(SET), files([str(edited)], "data"), "vi")) == 1


# --- result files: marks in every CSV, words in the workbook


def test_result_tables_say_provisional_and_illustrative(sample, tmp_path):
    cset, register, a = sample
    write_assessment(a, tmp_path, cset, register, "vi", inputs=files([str(DATA)], "data"))
    for name in ("indicators", "criteria", "communes"):
        frame = pd.read_csv(tmp_path / f"{name}.csv")  # still read by pandas as it is
        assert frame["illustrative"].all() and frame["provisional"].dtype == bool
    ind = pd.read_csv(tmp_path / "indicators.csv", dtype=str)
    judged = ind["status"].isin(["met", "not_met"])
    assert (ind.loc[judged, "provisional"] == "True").all()  # no threshold is official yet
    assert (ind.loc[~judged, "provisional"] == "False").all()
    wb = load_workbook(tmp_path / "assessment.xlsx")
    notes = [c.value for c in wb.worksheets[0]["A"]]
    assert wb.sheetnames[0] == "Ghi chú"
    assert any(str(n).startswith("Số liệu minh họa") for n in notes)
    assert any(str(n).startswith("Ngưỡng tạm thời") for n in notes)


def test_the_fast_and_the_general_provisional_flags_agree(sample):
    _, _, a = sample
    weak, by_criterion, by_commune = marks.provisional_rows(a)
    keys = ["commune_id", "year", "criterion"]
    assert (marks._any_by(a.indicators, weak, keys, a.criteria) == by_criterion).all()
    assert (marks._any_by(a.criteria, by_criterion, keys[:2], a.communes) == by_commune).all()
    shuffled = type(a)(a.set_id, a.indicators.iloc[::-1], a.criteria, a.communes)
    assert marks._as_blocks(shuffled, weak[::-1]) is None  # not laid out as scoring writes


def test_the_indicator_sheet_speaks_in_words(sample, tmp_path):
    cset, register, a = sample
    write_assessment(a, tmp_path, cset, register, "vi")
    sheet = load_workbook(tmp_path / "assessment.xlsx")["Chỉ tiêu"]
    head = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    col = {h: head.index(h) for h in ("Giá trị", "Đơn vị", "Sát ngưỡng", "Chỉ tiêu có nguy cơ")}
    yes_no = [r[col["Giá trị"]] for r in rows if r[col["Đơn vị"]] == "Đạt/Chưa đạt"]
    assert yes_no and set(yes_no) <= {"Đạt", "Chưa đạt", None}
    assert {r[col["Sát ngưỡng"]] for r in rows} <= {"Có", "Không"}
    assert {r[col["Chỉ tiêu có nguy cơ"]] for r in rows} <= {"Có", "Không"}
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c for c in cells if c.data_type == "b"]  # no TRUE/FALSE (0 when printed)


def test_the_district_summary_workbook_labels_what_it_holds(tmp_path):
    from ntm_lib.reports.district_report import export_tables, prepare

    s = prepare(str(DATA), str(REGISTER), SET, district_name="Cẩm Giàng")
    wb = load_workbook(export_tables(s, tmp_path))
    crit = [c.value for c in wb["Tiêu chí"][1]]
    assert "Số xã đạt" in crit and "Số tiêu chí đạt" not in crit
    gaps = [c.value for c in wb["Chỉ tiêu còn thiếu"][1]]
    assert "Tên chỉ tiêu" in gaps and "Tên tiêu chí" not in gaps
    assert wb.sheetnames[0] == "Ghi chú"


def test_dates_read_as_the_language_writes_them():
    assert fmt.date("2025-11-20", "vi") == "20/11/2025"
    assert fmt.date("2025-11-20", "en") == "2025-11-20"
    assert fmt.date("", "vi") == "" and fmt.date("sắp có", "vi") == "sắp có"


# --- two tiers: a commune without a district


def _two_tier(tmp_path, sample):
    cset, register, a = sample
    reg = register.copy()
    reg.loc[reg["commune_id"] == "10912", "district"] = ""
    reg.loc[reg["commune_id"] == "10912", "province"] = "Hải Phòng"
    return cset, reg, a


def test_a_commune_without_a_district_is_compared_within_its_province(tmp_path, sample):
    from ntm_lib.assess.views import comparison_area, district_comparison

    cset, reg, a = _two_tier(tmp_path, sample)
    assert comparison_area(reg, "10912")[:2] == ("province", "Hải Phòng")
    comp = district_comparison(a, reg, cset, "10912", 2025)
    assert (comp["n"] == 1).all() and comp["rank"].isna().all()  # no rank among one commune
    assert comparison_area(reg, "10894")[0] == "district"


def test_communes_without_a_district_are_summarised_by_their_province(
    tmp_path, sample, monkeypatch
):
    from types import SimpleNamespace

    from ntm_lib.reports import batch

    _, reg, _ = _two_tier(tmp_path, sample)
    made = []

    def render(folder, run, year, district, province, lang):
        made.append((district, province))
        folder.mkdir(parents=True)
        (folder / "summary.html").write_text("")
        return folder / "summary.html"

    monkeypatch.setattr(batch, "render_summary", render)
    links = batch.summaries(tmp_path, SimpleNamespace(register=reg), 2025, ["10912", "10894"], "vi")
    district = reg.loc[reg["commune_id"] == "10894", "district"].iloc[0]
    assert sorted(made, key=str) == sorted([(None, "Hải Phòng"), (district, None)], key=str)
    assert set(links) == {"Hải Phòng", district} and "" not in links


def test_the_reports_district_section_never_says_district_for_such_a_commune(tmp_path, sample):
    from ntm_lib.reports.commune_report import Context, district_html, peers_html

    cset, reg, a = _two_tier(tmp_path, sample)
    ctx = Context(cset, reg, a, "10912", 2025, "vi", {"inputs": []})
    text = district_html(ctx) + peers_html(ctx)
    assert "trong huyện" not in text and "cùng huyện" not in text and "1/1" not in text
    assert "tỉnh Hải Phòng" in text


def test_a_commune_meeting_no_criterion_still_shows_its_scale():
    svg = svg_charts.district_chart(
        pd.DataFrame(
            {
                "commune_id": ["10909"],
                "name": ["Tuệ Tĩnh"],
                "criteria_met": [0],
                "criteria_total": [10],
                "status": ["incomplete"],
            }
        ),
        "vi",
    ).svg()
    root = ElementTree.fromstring(svg)
    grey = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#eeeeee"]
    assert grey and float(grey[0].get("width")) > 200  # the ten criteria, most of the width
    texts = [x.text for x in root.iter(f"{SVG}text")]
    assert "0/10" in texts and "10" in texts  # was an empty axis from -0.045 to 0.045


# --- the data-entry template


def test_the_template_carries_the_evidence_columns_and_they_are_read_back(tmp_path):
    from ntm_lib.intake.template import HEADERS, write_template

    cset = load_set(SET)
    register, _ = read_register(str(REGISTER))
    path = tmp_path / "t.xlsx"
    write_template(cset, register.head(1), 2025, path)
    wb = load_workbook(path)
    sheet = wb["Số liệu"]
    head = [c.value for c in sheet[1]]
    assert head[-4:] == ["Minh chứng", "Số văn bản", "Ngày văn bản", "Nơi lưu"] == HEADERS[-4:]
    assert any("Minh chứng" in str(c.value) for c in wb["Hướng dẫn"]["A"])
    for row in range(2, sheet.max_row + 1):
        unit = sheet.cell(row, head.index("Đơn vị") + 1).value
        sheet.cell(row, head.index("Giá trị") + 1).value = "Đạt" if unit == "Đạt/Chưa đạt" else 100
        for header, value in zip(head[-4:], ["Báo cáo 12", "12/BC-UBND", "20/11/2025", "UBND"]):
            sheet.cell(row, head.index(header) + 1).value = value
    wb.save(path)
    inputs = load_inputs([str(path)], str(REGISTER), cset)
    assert (inputs.data["proof_date"] == "2025-11-20").all()
    assert (inputs.data["proof_number"] == "12/BC-UBND").all()


# --- messages


def test_a_counts_hint_is_a_whole_number_and_x_is_said(tmp_path):
    from ntm_lib.errors import InputError

    bad = tmp_path / "d.csv"
    bad.write_text("commune_id,year,indicator,value\n10912,2025,13.2,ba\n10912,2025,1.1,x\n")
    with pytest.raises(InputError) as err:
        load_inputs([str(bad)], str(REGISTER), load_set(SET))
    text = "\n".join(p.message("vi") for p in err.value.problems)
    assert "«ba» không phải là số (ví dụ hợp lệ: 3, 12" in text and "95%" not in text
    assert "«x» được đọc là Đạt" in text


def test_valid_data_of_one_year_reads_naturally(tmp_path, capsys):
    from ntm_lib.cli import main

    one = tmp_path / "one.csv"
    frame = pd.read_csv(DATA, dtype=str)
    frame[frame["year"] == "2025"].to_csv(one, index=False)
    assert main(["validate", str(one), "--communes", str(REGISTER), "--set", SET]) == 0
    out = capsys.readouterr().out
    assert "năm 2025." in out and "các năm 2025" not in out


def test_verify_speaks_one_language(tmp_path, capsys):
    from ntm_lib.cli import main

    out = tmp_path / "run"
    args = [str(DATA), "--communes", str(REGISTER), "--set", SET, "--out", str(out)]
    assert main(["assess"] + args) == 0
    with open(out / "criteria.csv", "a", encoding="utf-8") as fh:
        fh.write("x\n")
    capsys.readouterr()
    assert main(["--lang", "en", "verify", str(out)]) == 1
    err = capsys.readouterr().err
    assert "criteria.csv differs from the rerun" in err and "khác" not in err


def test_plan_messages_name_communes_and_criteria(tmp_path, capsys):
    from ntm_lib.cli import main

    budget = tmp_path / "budget.csv"
    budget.write_text(
        "commune_id,year,state_budget,integrated_programmes,people_contributions,credit,"
        "enterprises_other\n10912,2026,10,10,10,10,10\n"
    )
    args = [str(DATA), str(SAMPLE / "model_conditions.csv"), "--communes", str(REGISTER)]
    args += ["--set", "hd-2022-model", "--plan", str(SAMPLE / "plan.csv"), "--budget"]
    assert main(["plan"] + args + [str(budget), "--out", str(tmp_path / "p")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Xã Đức Chính (10912):" in out and "Xã 10912" not in out
    assert "KM Điều kiện xã nông thôn mới kiểu mẫu" in out and "ngân sách nhà nước" in out


def _named_communes(a, register) -> pd.DataFrame:
    com = a.communes[a.communes["year"] == 2025]
    return com.merge(register[["commune_id", "name"]], on="commune_id", how="left")


def test_svg_text_is_never_below_the_font(sample):
    """Every text of every chart of a page at FONT points as shown (the browser test measures
    it on screen): sizes are in the SVG's own units, scaled by the width shown."""
    cset, register, a = sample
    from ntm_lib.assess import views

    crit = views.criteria_view(a, "10912", 2025)
    ind = views.indicator_view(a, cset, "10912", 2025)
    images = [
        svg_charts.criteria_by_group(views.group_counts(crit, cset), cset, "vi").image(),
        svg_charts.achievement_chart(views.achievement(ind), "vi").image(),
        svg_charts.trend_chart(views.trend(a, "10912", 2025), "vi").image(),
        svg_charts.district_chart(_named_communes(a, register), "vi").image(),
    ]
    for uri, width, _ in images:
        svg = base64.b64decode(uri.split(",", 1)[1])
        box = float(re.search(rb'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))
        sizes = [float(x) for x in re.findall(rb"font-size: ([\d.]+)px", svg)]
        sizes += [float(x) for x in re.findall(rb"font: ([\d.]+)px", svg)]
        assert sizes and min(sizes) * width / box >= charts.FONT * 96 / 72 - 0.01, sorted(sizes)
        assert width == round(charts.WIDTH * charts.DPI)


# --- the lesson and the trainer's guide


def test_the_vietnamese_lesson_comments_in_vietnamese():
    for lang, words in (("vi", ("để trống", "mã xã")), ("en", ("empty:", "Parameters"))):
        text = " ".join(comments_of(lang))
        assert all(w in text for w in words), (lang, text[:200])
    vi = " ".join(comments_of("vi"))
    assert not re.search(r"\b(the|empty|Hidden|Parameters|replaces)\b", vi), vi


def comments_of(lang: str) -> list[str]:
    import json

    from ntm_lib.reports.training import NOTEBOOKS

    cells = json.loads((NOTEBOOKS / f"training_{lang}.ipynb").read_text(encoding="utf-8"))
    return [
        line.split("#", 1)[1]
        for c in cells["cells"]
        if c["cell_type"] == "code"
        for line in "".join(c["source"]).splitlines()
        if "#" in line
    ]


def test_the_guides_questions_match_what_the_lesson_shows(sample):
    """The lesson shows Đức Chính (10912) in 2025 meeting all 19 criteria: the guide must not
    ask which of them are unmet; the commune it sends learners to next is as it says."""
    from ntm_lib.reports.training import NOTEBOOKS

    _, _, a = sample
    guide = (NOTEBOOKS / "HUONG-DAN-GIANG-VIEN.md").read_text(encoding="utf-8")
    com = a.communes.set_index([a.communes["commune_id"].astype(str), "year"])
    duc_chinh, cam_hoang = com.loc[("10912", 2025)], com.loc[("10897", 2025)]
    assert duc_chinh["status"] == "met" and duc_chinh["criteria_met"] == 19
    assert "tiêu chí nào của Đức Chính chưa đạt" not in guide
    assert "Đức Chính đạt cả 19 tiêu chí" in guide
    assert f"Cẩm Hoàng, {cam_hoang['criteria_met']}/19 tiêu chí" in guide


def test_dossier_dates_and_every_commands_marks(tmp_path, capsys):
    """The dossier writes dates as dd/mm/yyyy (terminal and workbook), takes a name, and
    ends, like `ntm summary`, with the notes every verdict carries."""
    from ntm_lib.cli import main

    args = [str(DATA), "--communes", str(REGISTER), "--set", SET]
    out = tmp_path / "ho-so.xlsx"
    assert main(["dossier"] + args + ["--commune", "duc chinh", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "15/12/2025" in text and "2025-12-15" not in text
    assert "Số liệu minh họa" in text and "Đức Chính (10912)" in text
    book = load_workbook(out)
    assert book.sheetnames == ["Ghi chú", "Hồ sơ minh chứng"]
    sheet = book["Hồ sơ minh chứng"]
    head = [c.value for c in sheet[1]]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    dates = {r[head.index("Ngày minh chứng")] for r in rows}
    assert "15/12/2025" in dates and not any("-" in str(d) for d in dates if d)
    assert main(["summary"] + args + ["--district", "Cẩm Giàng", "--out", str(tmp_path / "s")]) == 0
    assert "Ngưỡng tạm thời" in capsys.readouterr().out
