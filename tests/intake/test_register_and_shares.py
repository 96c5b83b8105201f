"""The register's counts, its duplicates and emptiness; the `--shares` file of `ntm merge`; the
template's year: each read through the same intake, with located messages."""

import pandas as pd
import pytest
from conftest import SAMPLE, write
from openpyxl import Workbook

from ntm_lib.cli import main
from ntm_lib.errors import InputError
from ntm_lib.intake.register import read_register
from ntm_lib.intake.shares import read_shares

HEAD = "commune_id,name,district,province,region,households,population\n"


@pytest.mark.parametrize(
    "lang, typed, households, keys",
    [
        ("vi", "3.102", 3102, ["value_ambiguous"]),
        ("vi", '"3.102,0"', 3102, []),
        ("vi", "3102", 3102, []),
        ("vi", '"3,5"', None, ["value_not_whole"]),
        ("en", '"3,102"', 3102, ["value_ambiguous"]),
        ("en", "3.102", None, ["value_not_whole"]),
        ("vi", "-5", None, ["value_negative"]),
        ("vi", "nhiều", None, ["value_not_number"]),
        ("vi", "", None, []),
    ],
)
def test_households_are_counts_read_by_the_language(
    tmp_path, monkeypatch, lang, typed, households, keys
):
    monkeypatch.setenv("NTM_LANG", lang)
    path = write(tmp_path / "c.csv", HEAD + f"10912,A,H,Hải Dương,dbsh,{typed},9944\n")
    register, problems = read_register(path)
    assert [p.key for p in problems] == keys
    if households is not None:
        assert register.loc[0, "households"] == households
    assert all(p.row == 2 and p.column == "households" for p in problems)


def test_an_excel_number_cell_is_not_read_by_a_convention(tmp_path):
    wb = Workbook()
    wb.active.append(HEAD.strip().split(","))
    wb.active.append(["10912", "A", "H", "Hải Dương", "dbsh", 3102, 9944.0])
    wb.save(tmp_path / "c.xlsx")
    register, problems = read_register(tmp_path / "c.xlsx")
    assert problems == [] and register.loc[0, "population"] == 9944


def test_a_duplicate_commune_names_both_rows(tmp_path):
    path = write(
        tmp_path / "c.csv",
        HEAD + "10912,A,H,Hải Dương,dbsh,3102,1\n10900,B,H,Hải Dương,dbsh,2,1\n"
        "10912,C,H,Hải Dương,dbsh,3102,1\n",
    )
    register, problems = read_register(path)
    (p,) = problems
    assert (p.key, p.row, p.column, p.severity) == ("commune_duplicate", 4, "commune_id", "error")
    for lang in ("vi", "en"):
        text = p.message(lang)
        assert "c.csv:2" in text and ("dòng 4" in text or "row 4" in text) and "name" in text
    assert register["commune_id"].tolist() == ["10912", "10900"]


def test_a_register_with_only_its_header_is_said_to_be_empty(tmp_path):
    register, problems = read_register(write(tmp_path / "c.csv", HEAD))
    assert register.empty and [p.key for p in problems] == ["register_empty"]


def test_a_noncharacter_in_a_name_is_refused_with_its_cell(tmp_path):
    path = write(tmp_path / "c.csv", HEAD + "10912,Đức\ufffeChính,H,Hải Dương,dbsh,1,1\n")
    _, problems = read_register(path)
    assert [(p.key, p.row, p.column) for p in problems] == [("cell_noncharacter", 2, "name")]
    assert "\\ufffe" in problems[0].message()  # shown as a visible escape


def _shares(tmp_path, text: str, name: str = "s.csv"):
    return read_shares(write(tmp_path / name, text))


@pytest.mark.parametrize(
    "text, shares",
    [
        ("old_code;new_code;share\nA;N2;25%\nA;N3;75%\n", [0.25, 0.75]),
        ('old_code,new_code,share\nA,N2,"0,25"\nA,N3,"0,75"\n', [0.25, 0.75]),
        ("old_code,new_code,share\nA,N2,25 %\nA,N3,75 %\n", [0.25, 0.75]),
        ("old_code,new_code,share\nA,N2,25\nA,N3,75\n", [0.25, 0.75]),  # a file of percentages
        ("Mã xã cũ;Mã xã mới;Tỷ lệ\nA;N2;0,25\nA;N3;0,75\n", [0.25, 0.75]),
        ("old_code,new_code,share\nA,N2,0\nA,N3,1\n", [0.0, 1.0]),
    ],
)
def test_shares_as_typed(tmp_path, text, shares):
    frame, problems = _shares(tmp_path, text)
    assert problems == [] and frame["share"].tolist() == pytest.approx(shares)


def test_shares_in_percent_cells(tmp_path):
    wb = Workbook()
    wb.active.append(["old_code", "new_code", "share"])
    for new, share in (("N2", 0.25), ("N3", 0.75)):
        wb.active.append(["A", new, share])
        wb.active.cell(wb.active.max_row, 3).number_format = "0%"
    wb.save(tmp_path / "s.xlsx")
    frame, problems = read_shares(tmp_path / "s.xlsx")
    assert problems == [] and frame["share"].tolist() == pytest.approx([0.25, 0.75])


@pytest.mark.parametrize(
    "text, expected",
    [
        ('old_code,new_code,share\nA,N2,"0,25"\nA,N3,75\n', [("shares_scale_mixed", 3, "share")]),
        ("old_code,new_code,share\nA,N2,70%\nA,N3,60%\n", [("shares_sum_over_one", None, None)]),
        ("old_code,new_code,share\nA,N2,abc\n", [("value_not_number", 2, "share")]),
        ("old_code,new_code,share\nA,N2,\n", [("shares_empty", 2, "share")]),
        ("old_code,new_code,share\n,N2,0.5\n", [("shares_code_empty", 2, "old_code")]),
        ("old_code,new_code,share\nA,N2,150%\n", [("shares_out_of_range", 2, "share")]),
        (
            "old_code,new_code,share\nA,N2,40%\nA,N2,45%\n",
            [("shares_duplicate_conflict", None, None)],
        ),
        ("old_code,new_code\nA,N2\n", [("columns_missing", 1, None)]),
    ],
)
def test_shares_refused_with_their_cell(tmp_path, text, expected):
    _, problems = _shares(tmp_path, text)
    assert [(p.key, p.row, p.column) for p in problems] == expected
    assert all(p.severity == "error" for p in problems)


def _merge_args(tmp_path, *extra):
    return [
        "merge",
        str(SAMPLE / "indicators.csv"),
        "--set",
        "hd-2022-advanced",
        "--out",
        str(tmp_path / "m.csv"),
        *extra,
    ]


def test_merge_reads_a_semicolon_shares_file_with_percent_signs(tmp_path, capsys):
    shares = write(
        tmp_path / "s.csv", "old_code;new_code;share\n10933;10903;40%\n10933;10930;60%\n"
    )
    args = _merge_args(
        tmp_path, "--communes", str(SAMPLE / "communes.csv"), "--shares", str(shares)
    )
    assert main(args) == 0
    flags = pd.read_csv(tmp_path / "m.flags.csv", dtype=str)
    assert "split_without_share" not in set(flags["reason"])
    register = pd.read_csv(tmp_path / "m.communes.csv", dtype={"commune_id": str})
    sample = pd.read_csv(SAMPLE / "communes.csv", dtype={"commune_id": str}).set_index("commune_id")
    expected = sample.loc[["10894", "10903", "10924"], "households"].sum()
    expected += 0.4 * sample.loc["10933", "households"]
    assert register.set_index("commune_id").loc["10903", "households"] == pytest.approx(expected)


def test_merge_refuses_a_bad_shares_file_with_located_messages(tmp_path, capsys):
    shares = write(tmp_path / "s.csv", "old_code;new_code;share\n10933;10903;abc\n")
    args = _merge_args(
        tmp_path, "--communes", str(SAMPLE / "communes.csv"), "--shares", str(shares)
    )
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "s.csv" in err and "abc" in err and "unexpected" not in err.lower()
    assert not (tmp_path / "m.csv").exists()


def test_merge_warns_of_a_share_the_official_table_has_no_use_for(tmp_path, capsys):
    shares = write(tmp_path / "s.csv", "old_code,new_code,share\n10912,10909,50%\n")
    args = _merge_args(
        tmp_path, "--communes", str(SAMPLE / "communes.csv"), "--shares", str(shares)
    )
    assert main(args) == 0
    assert "10912" in capsys.readouterr().err


def test_registers_households_in_vietnamese_grouping_do_not_shift_merged_values(tmp_path):
    """The same register, households typed 2.694 instead of 2694: the same merged values."""
    plain = (SAMPLE / "communes.csv").read_text(encoding="utf-8")
    lines = plain.splitlines()
    grouped = [lines[0]] + [
        ",".join(f[:5] + [f"{int(f[5]):,}".replace(",", ".")] + f[6:])
        for f in (line.split(",") for line in lines[1:])
    ]
    write(tmp_path / "grouped.csv", "\n".join(grouped) + "\n")
    for name, register in (("a", SAMPLE / "communes.csv"), ("b", tmp_path / "grouped.csv")):
        out = tmp_path / name
        out.mkdir()
        args = _merge_args(out, "--communes", str(register))
        assert main(args) == 0
    for written in ("m.csv", "m.communes.csv"):
        a, b = (pd.read_csv(tmp_path / n / written) for n in ("a", "b"))
        pd.testing.assert_frame_equal(a, b)


def test_a_template_for_a_year_outside_the_set_is_refused_up_front(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    args = ["template", "hd-2022-advanced", "--communes", str(SAMPLE / "communes.csv")]
    assert main(args + ["--year", "2030", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2030" in err and "2021-2025" in err and not out.exists()
    assert main(args + ["--year", "2025", "--out", str(out)]) == 0


def test_every_intake_problem_of_a_shares_file_is_an_input_error(tmp_path):
    from ntm_lib.intake.shares import load_shares

    with pytest.raises(InputError):
        load_shares(write(tmp_path / "s.csv", "old_code,new_code,share\nA,N2,2000%\n"))


def test_a_register_read_again_in_one_process_is_read_anew_once_changed(tmp_path, monkeypatch):
    """A command that lives on (`ntm report --watch`) keeps the register it read while its
    file stays the same: each caller gets its own copy, a saved change (even of the same size)
    and another language are read anew."""
    path = write(tmp_path / "c.csv", HEAD + "10912,A,H,Hải Dương,dbsh,1.102,9944\n")
    first, _ = read_register(path)
    first.loc[0, "name"] = "changed by a caller"
    again, _ = read_register(path)
    assert again.loc[0, "name"] == "A"
    write(path, HEAD + "10912,B,H,Hải Dương,dbsh,1.102,9944\n")  # the same size
    assert read_register(path)[0].loc[0, "name"] == "B"
    monkeypatch.setenv("NTM_LANG", "en")  # 1.102: one thousand one hundred and two no more
    assert read_register(path)[0].loc[0, "households"] != again.loc[0, "households"]


def test_a_file_changed_a_moment_ago_is_not_known_by_its_stamp(tmp_path, monkeypatch):
    """Within a coarse clock's tick (2 s on a memory stick) a file can be written again and keep
    its stamp: what a long-lived command read from it is not kept until it has settled."""
    import time

    from ntm_lib import atomic

    path = write(tmp_path / "c.csv", HEAD + "10912,A,H,Hải Dương,dbsh,1.102,9944\n")
    assert atomic.settled_stamp(path) is None
    now = time.time_ns()
    monkeypatch.setattr(atomic.time, "time_ns", lambda: now + 3_000_000_000)
    assert atomic.settled_stamp(path) == tuple(atomic.stamp(path.stat()))
