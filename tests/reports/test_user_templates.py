"""A board's own Word template is untrusted input: the work it can cause is bounded (loops,
strings, the rendered size, memory, time) and every fault is refused with its place, in the
user's language, with the way out."""

import multiprocessing
import time

import pytest
from conftest import SAMPLE
from docx import Document

from ntm_lib.cli import main
from ntm_lib.reports import template_sandbox
from ntm_lib.reports.docx_writer import DocumentError, render

FIELDS = {
    "commune": {"name": "Đức Chính", "code": "10912"},
    "doc": {"number": "15/KH-BQL", "warnings": []},
    "roadmap": [{"year": 2026, "criterion": "17", "work": "Xây khu xử lý rác"}] * 3,
    "criteria": [{"number": "1", "name": "Quy hoạch", "met": "Đạt"}],
}
RAW = ("Traceback", "jinja", "Jinja", "dict object", "undefined", "unexpected", "Error")


def _template(path, paragraphs=(), cells=(), header=None):
    doc = Document()
    doc.add_paragraph("Mở đầu")
    for text in paragraphs:
        doc.add_paragraph(text)
    if cells:
        table = doc.add_table(rows=1, cols=len(cells))
        for cell, text in zip(table.rows[0].cells, cells):
            cell.text = text
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    doc.save(str(path))
    return path


def _refusal(tmp_path, **template) -> str:
    """The message refusing a template, after checking nothing was written."""
    own = _template(tmp_path / "mau-cua-xa.docx", **template)
    out = tmp_path / "kh.docx"
    with pytest.raises(DocumentError) as caught:
        render(own, FIELDS, out, own=True)
    assert not out.exists()
    message = str(caught.value)
    assert "mau-cua-xa.docx" in message
    assert not any(word in message for word in RAW), message
    return message


def test_a_good_template_still_fills(tmp_path):
    own = _template(
        tmp_path / "mau.docx",
        ["Xã {{ commune.name }} ({{ commune.code }})", "{%p for r in roadmap %}",
         "{{ r.year }}: {{ r.work }}", "{%p endfor %}"],
        header="Số {{ doc.number }}",
    )  # fmt: skip
    out = render(own, FIELDS, tmp_path / "kh.docx", own=True)
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert "Xã Đức Chính (10912)" in texts and texts.count("2026: Xây khu xử lý rác") == 3
    assert doc.sections[0].header.paragraphs[0].text == "Số 15/KH-BQL"


# ---------------------------------------------------------------------------------------------
# Bounds

LOOPS = {
    "a range too large": "{% for i in range(100000000) %}x{% endfor %}",
    "nested ranges": "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}",  # noqa: E501
    "nested ranges, no output": "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",  # noqa: E501
    "nested loops over a long string": "{% set s = 'ab' * 400000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",  # noqa: E501
    "a huge lipsum": "{{ lipsum(n=1000000) }}",
    "a cycler in nested loops": "{% set c = cycler('a', 'b') %}{% for i in range(5000) %}{% for j in range(5000) %}{{ c.next() }}{% endfor %}{% endfor %}",  # noqa: E501
    "a range summed": "{{ range(100000000) | sum }}",
    "a range past any index": "{{ range(10 ** 60) | length }}",
}  # fmt: skip


@pytest.mark.parametrize("case", list(LOOPS))
def test_loops_are_bounded_by_a_budget_of_steps(tmp_path, case):
    start = time.monotonic()
    message = _refusal(tmp_path, paragraphs=[LOOPS[case]])
    assert "1.000.000 bước" in message and "vòng for lồng nhau" in message
    assert "đoạn «{" in message  # the paragraph, by its text
    assert time.monotonic() - start < 30


STRINGS = {
    "joined with ~": "{% set s = 'x' * 900000 %}{% set t = s ~ s %}{% set u = t ~ t %}{{ u|length }}",  # noqa: E501
    "added with +": "{% set s = 'x' * 900000 %}{{ (s + s)|length }}",
    "repeated": "{{ 'x' * 100000000 }}",
    "a centre filter": "{{ 'x' | center(1000000000) }}",
    "an indent filter": "{{ 'a\nb' | indent(1000000000) }}",
    "a batch filter": "{{ [1] | batch(1000000000, 'x') | list | length }}",
    "a string method": "{{ 'x'.ljust(1000000000) }}",
    "a format width": "{{ '{:>999999999}'.format(1) }}",
    "a printf width": "{{ '%999999999d' | format(1) }}",
    "a replace": "{% set s = 'x' * 5000 %}{{ s.replace('', s) | length }}",
    "a join": "{% set s = 'x' * 5000 %}{{ s.join([s] * 200) | length }}",
}  # fmt: skip


@pytest.mark.parametrize("case", list(STRINGS))
def test_strings_are_bounded(tmp_path, case):
    message = _refusal(tmp_path, paragraphs=[STRINGS[case]])
    assert "chuỗi quá dài (quá 1.000.000 ký tự)" in message and "đoạn «" in message


def test_the_rendered_size_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(template_sandbox, "MAX_RENDERED", 200_000)
    message = _refusal(
        tmp_path, paragraphs=["{% for i in range(20000) %}dòng {{ i }} {% endfor %}"]
    )
    assert "văn bản điền ra quá lớn (quá 200.000 ký tự XML" in message


def test_a_recursive_loop_is_bounded(tmp_path):
    message = _refusal(
        tmp_path, paragraphs=["{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"]
    )
    assert "đệ quy quá sâu" in message and "loop([1])" in message


def test_memory_past_the_limit_stops_the_child(tmp_path, monkeypatch):
    # With the string bound lifted, only the child's memory limit stands.
    monkeypatch.setattr(template_sandbox, "MAX_STRING", 10**12)
    monkeypatch.setattr(template_sandbox, "MAX_MEMORY", 300)
    message = _refusal(tmp_path, paragraphs=["{{ 'x' | center(3000000000) }}"])
    assert "quá 300 MB bộ nhớ" in message
    assert not multiprocessing.active_children()


def test_time_past_the_limit_kills_the_child(tmp_path, monkeypatch):
    # With the budget lifted, only the child's timeout stands.
    monkeypatch.setattr(template_sandbox, "MAX_STEPS", 10**15)
    monkeypatch.setattr(template_sandbox, "TIMEOUT", 3)
    start = time.monotonic()
    message = _refusal(tmp_path, paragraphs=[LOOPS["nested ranges, no output"]])
    assert "quá 3 giây" in message and time.monotonic() - start < 20
    assert not multiprocessing.active_children()


def test_a_template_in_english(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_LANG", "en")
    message = _refusal(tmp_path, paragraphs=[LOOPS["nested ranges"]])
    assert "loops too much (over 1.000.000 steps) in the paragraph «{% for i" in message


# ---------------------------------------------------------------------------------------------
# Faults, located


def test_an_unknown_field_names_the_nearest_known_ones(tmp_path):
    message = _refusal(tmp_path, paragraphs=["Xã {{ commune.nmae }}"])
    assert "trường «commune.nmae» không có, ở đoạn «Xã {{ commune.nmae }}»" in message
    assert "Trường gần giống: commune.name." in message and "ntm document fields" in message


def test_an_unknown_top_level_field_is_found_before_rendering(tmp_path, monkeypatch):
    monkeypatch.setattr(template_sandbox, "isolated", None)  # never reached
    message = _refusal(tmp_path, cells=["Năm", "{{ comune.name }}"])
    assert "trường «comune.name» không có, ở ô bảng «{{ comune.name }}»" in message
    assert "commune.name" in message.split("gần giống:")[1]


def test_an_unknown_field_of_a_loop_item(tmp_path):
    message = _refusal(
        tmp_path, paragraphs=["{%p for r in roadmap %}", "Năm {{ r.yeer }}", "{%p endfor %}"]
    )
    assert "«r.yeer»" in message and "đoạn «Năm {{ r.yeer }}" in message
    assert "roadmap[].year" in message


def test_an_unknown_field_in_the_header(tmp_path):
    message = _refusal(tmp_path, header="Số {{ doc.numbr }}")
    assert "đầu trang «Số {{ doc.numbr }}»" in message and "doc.number" in message


@pytest.mark.parametrize(
    "text, close",
    [("Xã {{ commune.name ", "}}"), ("{% if commune.name ", "%}"), ("{# ghi chú", "#}")],
)
def test_a_tag_left_open_is_named(tmp_path, text, close):
    message = _refusal(tmp_path, paragraphs=[text, "Hết {{ commune.code }}"])
    assert f"đoạn «{text.strip()}»" in message and "chưa đóng" in message
    assert f"thêm «{close}»" in message


@pytest.mark.parametrize("block", ["for", "if"])
def test_a_block_without_its_end_is_named(tmp_path, block):
    opening = {"for": "{%p for r in roadmap %}", "if": "{%p if commune.name %}"}[block]
    message = _refusal(tmp_path, paragraphs=["Trước", opening, "{{ commune.name }}", "Sau"])
    assert f"khối «{block}» mở ở đoạn" in message and f"«end{block}»" in message
    assert f"{{% end{block} %}}" in message


def test_an_end_without_its_block_is_named(tmp_path):
    message = _refusal(tmp_path, paragraphs=["{{ commune.name }}", "Cuối {% endfor %}"])
    assert "thẻ «endfor» ở đoạn «Cuối {% endfor %}» không có khối mở" in message


def test_an_unknown_tag_is_named(tmp_path):
    message = _refusal(tmp_path, paragraphs=["{% foor r in roadmap %}"])
    assert "thẻ «foor»" in message and "{% for %}" in message


def test_a_broken_expression_is_located(tmp_path):
    message = _refusal(tmp_path, paragraphs=["Tổng {{ (commune.code + }}"])
    assert "viết sai ở đoạn «Tổng {{ (commune.code + }}»" in message


def test_an_expression_that_cannot_be_computed_is_located(tmp_path):
    message = _refusal(tmp_path, paragraphs=["Tỉ lệ {{ 1 / 0 }}"])
    assert "không tính được" in message and "đoạn «Tỉ lệ {{ 1 / 0 }}»" in message


def test_a_forbidden_attribute_is_located(tmp_path):
    message = _refusal(tmp_path, paragraphs=["{{ commune.name.__class__ }}"])
    assert "không được phép ở đoạn «{{ commune.name.__class__ }}»" in message


def test_a_fault_in_english(tmp_path, monkeypatch):
    monkeypatch.setenv("NTM_LANG", "en")
    message = str(pytest.raises(DocumentError, render, _template(
        tmp_path / "own.docx", ["{{ commune.nmae }}"]), FIELDS, tmp_path / "o.docx", own=True
    ).value)  # fmt: skip
    assert "a field «commune.nmae» that does not exist, in the paragraph" in message
    assert "Nearest known fields: commune.name." in message


# ---------------------------------------------------------------------------------------------
# Through the command, with the document's real fields

ARGS = [str(SAMPLE / "indicators.csv"), "--communes", str(SAMPLE / "communes.csv")]
ARGS += ["--set", "hd-2022-advanced", "--commune", "10912"]


@pytest.mark.parametrize(
    "text, expected",
    [
        (LOOPS["nested ranges"], "1.000.000 bước"),
        ("{{ commune.nmae }}", "commune.name"),
    ],
)
def test_the_command_refuses_with_the_place(tmp_path, capsys, text, expected):
    own = _template(tmp_path / "mau.docx", [text])
    out = tmp_path / "kh.docx"
    code = main(["document", "plan"] + ARGS + ["--template", str(own), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "mau.docx" in err and expected in err and "đoạn «" in err
    assert "ngoài dự kiến" not in err and "Traceback" not in err and not out.exists()


FILTERS = {
    "a replace filter": "{{ ('x' * 900000) | replace('x', 'y' * 900000) | length }}",
    "a join filter": "{{ (['abc'] * 900000) | join('z' * 900000) | length }}",
}


@pytest.mark.parametrize("case", list(FILTERS))
def test_filters_are_bounded_before_they_run(tmp_path, case):
    # Each would allocate about 800 GB: refused before, not stopped by the memory limit after.
    message = _refusal(tmp_path, paragraphs=[FILTERS[case]])
    assert "chuỗi quá dài" in message


def test_output_into_a_set_block_is_bounded(tmp_path):
    # No yield shows what a `set` block gathers: each value written is counted.
    loop = "{% for i in range(900000) %}{{ s }}{% endfor %}"
    text = "{% set s = 'x' * 999999 %}{% set b %}" + loop + "{% endset %}{{ b | length }}"
    start = time.monotonic()
    message = _refusal(tmp_path, paragraphs=[text])
    assert "văn bản điền ra quá lớn" in message and time.monotonic() - start < 30
