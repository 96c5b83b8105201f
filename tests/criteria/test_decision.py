"""`ntm set read`: decision files built here (tests/criteria/decisions.py, every value synthetic)
read back cell by cell, round-tripped to a set and to verdicts, and hostile files refused or
read safely."""

import hashlib
import os

import pandas as pd
import pytest
from conftest import write
from decisions import (
    REGION_IDS,
    national_by_region,
    one_clean_table,
    provincial_by_group,
    scanned_pdf,
    to_pdf,
    with_external_links,
    with_formula,
    with_huge_table,
    with_macros,
)
from openpyxl import load_workbook

from ntm_lib.assess.scoring import score
from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import coverage, load_set, threshold_of
from ntm_lib.errors import InputError
from ntm_lib.intake.decision import read_decision
from ntm_lib.intake.inputs import load_inputs
from ntm_lib.intake.set_import import import_set


def by_code(book) -> dict:
    out = {}
    for row in book.rows:
        if row.get("indicator"):
            out.setdefault(row["indicator"], []).append(row)
    return out


def test_a_national_decision_by_region_is_read_cell_by_cell(tmp_path):
    path = national_by_region(tmp_path / "quyet-dinh.docx")
    book = read_decision(path, "xx-national")
    info = book.info
    assert (info["legal_number"], info["legal_date"]) == ("901/QĐ-TTg", "08/03/2022")
    assert info["issuer_vi"] == "Thủ tướng Chính phủ" and info["period"] == "2021-2025"
    assert info["title_vi"].startswith("Bộ tiêu chí quốc gia về xã nông thôn mới")
    assert info["decision_file"] == "quyet-dinh.docx"
    assert info["decision_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    rows = by_code(book)
    assert list(rows) == ["1.1", "1.2", "2.1", "2.2", "10.1", "11.1"] + [
        f"{n}.1" for n in range(12, 20)
    ]
    # a value merged over every region: each region's cell, with the general column
    assert set(rows["1.1"][0]["zones"].values()) == {"Đạt"} and len(rows["1.1"][0]["zones"]) == 8
    road = rows["2.2"][0]
    assert [road["zones"][(r, None)] for r in REGION_IDS] == [
        "≥ 70%",
        "100%",
        "≥ 80%",
        "≥ 80%",
        "≥ 70%",
        "100%",
        "≥ 75%",
    ]
    assert road["requirement"] == "≥" and road["unit"] == "%"
    # income by year: one row per year, the first year the base row
    income = rows["10.1"]
    assert [r["year"] for r in income] == ["", 2022, 2023, 2024, 2025]
    assert (
        income[3]["zones"][("dbsh", None)] == "≥ 40" and income[0]["unit"] == "triệu đồng/người/năm"
    )
    for row in book.rows:
        if row.get("indicator"):
            assert row["evidence"] == "văn bản chính thức" and row["document"] == "901/QĐ-TTg"
            assert row["article"].startswith("Phụ lục I, bảng 2, dòng ")
            for text in row["zones"].values():
                assert text in row["quote"]  # the evidence quotes the very cell
    # the footnote: the value read, the footnote to check with its text
    assert rows["11.1"][0]["zones"][("dbsh", None)] == "≤ 2%(1)"
    (note,) = book.review
    assert note["indicator"] == "11.1" and "huyện đảo" in note["text"]


def test_a_clean_table_gives_a_complete_set_with_no_cell_typed(tmp_path, capsys):
    decision = one_clean_table(tmp_path / "qd-903.docx")
    book = tmp_path / "hp.xlsx"
    assert main(["set", "read", str(decision), "--id", "xx-hp", "--out", str(book)]) == 0
    assert "0 mục cần kiểm tra" in capsys.readouterr().out
    assert "Cần kiểm tra" not in load_workbook(book).sheetnames
    target, _ = import_set(book, tmp_path / "sets")
    cset = load_set(str(target))
    assert set(coverage(cset)["state"]) == {"value"}
    for ind in cset.indicators:  # every threshold official, quoting its own cell
        assert ind.verified
    assert cset.origins["xx-hp"]["origin"]["decision"]["name"] == "qd-903.docx"
    assert threshold_of(cset, "2.1", "dbsh", 2027) == 60
    assert cset.indicator("3.1").rule.op == "<"  # «dưới 1,5%» stays strict
    assert threshold_of(cset, "3.1", "tn", 2030) == 1.5
    assert threshold_of(cset, "4.1", "dbsh", 2026) == 80


HAND_WRITTEN = """id: hand-hp
title: {vi: "Viết tay", en: "By hand"}
level: advanced
period: {start: 2026, end: 2030}
status_label: {vi: "Đạt", en: "Met"}
legal_basis: {number: "903/QĐ-UBND", date: 2026-03-02, issuer: {vi: "T", en: "T"}}
defaults: {source: {document: "903/QĐ-UBND"}, evidence: {kind: working}}
criteria:
  - number: "1"
    name: {vi: "Quy hoạch", en: "Planning"}
    indicators:
      - {code: "1.1", name: {vi: "a", en: "a"}, unit: yes_no, rule: {op: "==", threshold: 1}}
  - number: "2"
    name: {vi: "Môi trường", en: "Environment"}
    indicators:
      - {code: "2.1", name: {vi: "b", en: "b"}, unit: percent, rule: {op: ">=", threshold: 60}}
      - {code: "2.2", name: {vi: "c", en: "c"}, unit: percent, rule: {op: ">=", threshold: 90}}
  - number: "3"
    name: {vi: "Giảm nghèo", en: "Poverty"}
    indicators:
      - {code: "3.1", name: {vi: "d", en: "d"}, unit: percent, rule: {op: "<", threshold: 1.5}}
  - number: "4"
    name: {vi: "Thu nhập", en: "Income"}
    indicators:
      - {code: "4.1", name: {vi: "e", en: "e"}, unit: million_vnd_per_person_year,
         rule: {op: ">=", threshold: 80}}
"""


def test_decision_to_workbook_to_set_to_verdicts_equals_a_hand_written_set(tmp_path):
    decision = one_clean_table(tmp_path / "qd-903.docx")
    assert (
        main(["set", "read", str(decision), "--id", "xx-hp", "--out", str(tmp_path / "b.xlsx")])
        == 0
    )
    target, _ = import_set(tmp_path / "b.xlsx", tmp_path / "sets")
    read = load_set(str(target))
    hand = load_set(str(write(tmp_path / "hand-hp.yaml", HAND_WRITTEN)))
    register = write(
        tmp_path / "c.csv",
        "commune_id,name,district,province,region\na,A,,Hải Phòng,dbsh\nb,B,,Hải Phòng,tdmnpb\n",
    )
    data = write(
        tmp_path / "d.csv",
        "commune_id,year,indicator,value\n"
        'a,2026,1.1,Đạt\na,2026,2.1,60\na,2026,2.2,89\na,2026,3.1,"1,5"\na,2026,4.1,80\n'
        'b,2027,1.1,Chưa đạt\nb,2027,2.1,59\nb,2027,2.2,95\nb,2027,3.1,"1,4"\nb,2027,4.1,81\n',
    )
    verdicts = []
    for cset in (read, hand):
        inputs = load_inputs([data], register, cset)
        ind = score(cset, inputs.register, inputs.data).indicators
        verdicts.append(ind[["commune_id", "year", "indicator", "threshold", "status"]])
    pd.testing.assert_frame_equal(verdicts[0], verdicts[1])
    assert {"met", "not_met"} <= set(verdicts[0]["status"])


def test_a_group_decision_over_two_tables_with_an_unread_cell(tmp_path):
    path = provincial_by_group(tmp_path / "qd.docx", split=True, unreadable=True)
    book = read_decision(path, "xx-groups")
    rows = by_code(book)
    assert list(rows) == ["1.1", "2.1", "3.1", "6.1", "8.1", "8.2"]  # both tables, once
    assert book.info["issuer_vi"] == "UBND tỉnh Hải Dương" and book.info["province"] == "Hải Dương"
    assert rows["8.1"][0]["zones"] == {
        (None, 1): "≥ 95%",
        (None, 2): "chưa biết",
        (None, 3): "≥ 70%",
    }
    (item,) = book.review  # exactly the cell left, with the text found
    assert (item["indicator"], item["column"], item["text"]) == (
        "8.1",
        "Xã nhóm 2",
        "theo hướng dẫn của Bộ",
    )
    assert rows["3.1"][0]["unit"] == "%/năm"  # from the indicator's own text
    book_path = tmp_path / "g.xlsx"
    assert main(["set", "read", str(path), "--id", "xx-groups", "--out", str(book_path)]) == 0
    target, _ = import_set(book_path, tmp_path / "sets")
    cset = load_set(str(target))
    assert threshold_of(cset, "8.1", "dbsh", 2026, group=1) == 95
    assert threshold_of(cset, "8.1", "dbsh", 2026, group=2) != threshold_of(
        cset, "8.1", "dbsh", 2026, group=2
    )
    assert threshold_of(cset, "6.1", "tn", 2030, group=3) == 5


def test_with_a_parent_each_indicator_is_new_changed_or_missing(tmp_path):
    path = provincial_by_group(tmp_path / "qd.docx")
    book = read_decision(path, "xx-over", load_set("vn-2026-ntm"))
    compared = {r["indicator"]: r["compared"] for r in book.rows if r.get("indicator")}
    assert compared["1.1"] == compared["2.1"] == "mới"
    assert compared["8.1"].startswith("thay đổi") and compared["6.1"].startswith("thay đổi")
    assert compared["3.2"] == compared["3.3"] == "thiếu trong văn bản (giữ như bộ gốc)"
    assert compared["8.2"] == "giống bộ gốc"  # Đạt, as the parent says
    out = tmp_path / "over.xlsx"
    assert (
        main(
            [
                "set",
                "read",
                str(path),
                "--id",
                "xx-over",
                "--parent",
                "vn-2026-ntm",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    target, spec = import_set(out, tmp_path / "sets")
    cset = load_set(str(target))
    assert cset.lineage == ("xx-over", "vn-2026-ntm")
    assert threshold_of(cset, "8.1", "dbsh", 2028, group=3) == 70
    assert cset.indicator("8.1").verified and cset.indicator("8.2").verified
    assert {i.code for i in cset.indicators} >= {"1.1", "2.1", "3.2", "3.3"}
    assert cset.indicator("3.2") == load_set("vn-2026-ntm").indicator("3.2")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    national = national_by_region(folder / "national.docx")
    split = provincial_by_group(folder / "split.docx", split=True, unreadable=True)
    made = to_pdf(national, folder), to_pdf(split, folder)
    if made[0] is None:
        if os.environ.get("NTM_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here (NTM_REQUIRE_LIBREOFFICE) but not installed")
        pytest.skip("LibreOffice is not installed: no PDF to read")
    return {"national": (national, made[0]), "split": (split, made[1])}


@pytest.mark.parametrize("name", ["national", "split"])
def test_a_pdf_reads_as_its_word_file(pdfs, name):
    docx, pdf = pdfs[name]
    from_word, from_pdf = read_decision(docx, "xx-a"), read_decision(pdf, "xx-a")
    for key in ("legal_number", "legal_date", "issuer_vi", "period", "title_vi"):
        assert from_pdf.info[key] == from_word.info[key], key
    assert from_pdf.info["decision_sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    word, paper = by_code(from_word), by_code(from_pdf)
    assert list(paper) == list(word)
    for code in word:
        assert [r["zones"] for r in paper[code]] == [r["zones"] for r in word[code]], code
        assert [r["year"] for r in paper[code]] == [r["year"] for r in word[code]], code
    assert [(i["indicator"], i["column"]) for i in from_pdf.review] == [
        (i["indicator"], i["column"]) for i in from_word.review
    ]


def _refused(path, key):
    with pytest.raises(InputError) as err:
        read_decision(path, "xx-bad")
    assert [p.key for p in err.value.problems] == [key]
    for lang in ("vi", "en"):
        assert str(path) in err.value.problems[0].message(lang)


def test_hostile_or_unreadable_files_are_refused_with_a_way_out(tmp_path):
    _refused(with_macros(tmp_path / "macro.docx"), "decision_macros")
    _refused(with_huge_table(tmp_path / "huge.docx"), "decision_table_too_large")
    _refused(scanned_pdf(tmp_path / "scan.pdf"), "decision_scanned")
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    _refused(old, "decision_old_or_encrypted")
    _refused(write(tmp_path / "x.txt", "QUYẾT ĐỊNH"), "decision_kind")
    _refused(write(tmp_path / "broken.docx", "not a zip"), "decision_not_readable")


def test_external_links_are_never_followed(tmp_path):
    book = read_decision(with_external_links(tmp_path / "links.docx"), "xx-links")
    assert len(by_code(book)) == 6 and not book.review
    text = repr(book.rows) + repr(book.info)
    assert "root:" not in text and "passwd" not in text


def test_a_word_formula_is_never_taken_as_the_decisions_text(tmp_path):
    book = read_decision(with_formula(tmp_path / "formula.docx"), "xx-f")
    (item,) = book.review
    assert item["indicator"] == "8.1" and item["text"] == "95"
    assert by_code(book)["8.1"][0]["zones"][(None, 1)] == "chưa biết"


def test_set_read_checks_its_id_and_target_before_reading(tmp_path, capsys):
    decision = one_clean_table(tmp_path / "qd.docx")
    out = tmp_path / "out.xlsx"
    assert main(["set", "read", str(decision), "--id", "../x", "--out", str(out)]) == 2
    assert not out.exists() and "hp-2026-ntm" in capsys.readouterr().err
    out.write_text("mine", encoding="utf-8")
    assert main(["set", "read", str(decision), "--id", "xx-a", "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "mine"
    assert main(["set", "read", str(decision), "--id", "xx-a", "--out", str(decision)]) == 2
    assert (
        main(
            [
                "set",
                "read",
                str(tmp_path / "scan.pdf"),
                "--id",
                "xx-a",
                "--out",
                str(tmp_path / "o.xlsx"),
            ]
        )
        == 1
    )


def test_sections_numbered_rows_unit_column_and_two_annexes(tmp_path):
    from decisions import sections_and_two_annexes

    path = sections_and_two_annexes(tmp_path / "nghe-an.docx")
    book = read_decision(path, "xx-na")
    rows = by_code(book)
    assert list(rows) == ["1.1", "1.2", "2.1"]
    assert rows["1.1"][0]["unit"] == "Đạt/Chưa đạt" and rows["1.2"][0]["unit"] == "%"
    assert rows["1.2"][0]["zones"] == {(None, 1): "100", (None, 2): "≥ 90", (None, 3): "≥ 80"}
    income = rows["2.1"]
    assert [r["year"] for r in income] == ["", 2028] and income[0]["unit"] == "triệu đồng/người/năm"
    assert income[1]["zones"][(None, 3)] == "≥ 52"
    assert book.info["issuer_vi"] == "UBND tỉnh Nghệ An" and book.info["period"] == "2026-2030"
    reasons = [(i["indicator"], i["reason"]) for i in book.review]
    assert sum("ntm đặt mã" in r for _, r in reasons) == 3  # codes numbered by ntm, said so
    assert any("nhiều phụ lục" in r for _, r in reasons)
    assert not any("Ghi chú" in i["column"] for i in book.review)  # remarks are not values
    assert all(r["article"].startswith("Phụ lục I,") for r in book.rows if r.get("indicator"))
    second = read_decision(path, "xx-na", annex="II")
    assert list(by_code(second)) == ["1.1", "1.2"]
    assert all(r["article"].startswith("Phụ lục II,") for r in second.rows if r.get("indicator"))
    out = tmp_path / "na.xlsx"
    assert main(["set", "read", str(path), "--id", "xx-na", "--out", str(out)]) == 0
    target, _ = import_set(out, tmp_path / "sets")
    cset = load_set(str(target))
    assert threshold_of(cset, "2.1", "btb", 2027, group=2) == 60
    assert threshold_of(cset, "2.1", "btb", 2029, group=2) == 70
    assert threshold_of(cset, "1.2", "btb", 2029, group=1) == 100


def test_roman_criteria_and_a_column_numbering_row(tmp_path):
    from decisions import roman_numbers_in_tt

    book = read_decision(roman_numbers_in_tt(tmp_path / "tb.docx"), "xx-tb")
    rows = by_code(book)
    assert list(rows) == ["1.1", "1.2", "2.1"]
    assert book.info["level"] == "kiểu mẫu"
    assert rows["2.1"][0]["zones"] == {"all": "trên 80%"} and rows["2.1"][0]["requirement"] == ">"
    assert [r["criterion_name"] for r in book.rows if r.get("indicator")] == [
        "QUY HOẠCH",
        "QUY HOẠCH",
        "MÔI TRƯỜNG",
    ]
