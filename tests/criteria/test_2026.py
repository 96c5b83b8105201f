"""The 2026-2030 set: commune groups, thresholds not known yet, criteria without indicators."""

import numpy as np
from conftest import write

from ntm_lib.assess.scoring import score
from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import load_set, unverified
from ntm_lib.intake.inputs import load_inputs
from ntm_lib.reports.batch import exit_code, run_report

REGISTER = (
    "commune_id,name,district,province,region,group\n"
    "10909,Tuệ Tĩnh,,Hải Phòng,Đồng bằng sông Hồng,2\n"
)
DATA = (
    "commune_id,year,indicator,value\n10909,2026,3.1,8.5\n10909,2026,3.2,Đạt\n"
    '10909,2026,3.3,Đạt\n10909,2026,6.1,"0,9%"\n10909,2026,8.1,96\n10909,2026,8.2,Chưa đạt\n'
)


def test_the_2026_set_is_what_the_reference_verifies():
    cset = load_set("vn-2026-ntm")
    assert [c.number for c in cset.criteria] == [str(n) for n in range(1, 11)]
    assert cset.uses_groups and cset.period.start == 2026
    assert len(unverified(cset)) == len(cset.indicators) == 6
    for ind in cset.indicators:
        for case in ind.rule.thresholds or []:
            assert case.value is None  # no group threshold was read: none is guessed


def test_scoring_under_2026_set(tmp_path):
    cset = load_set("vn-2026-ntm")
    inputs = load_inputs(
        [write(tmp_path / "d.csv", DATA)], write(tmp_path / "c.csv", REGISTER), cset
    )
    a = score(cset, inputs.register, inputs.data)
    ind = a.indicators.set_index("indicator")["status"]
    assert ind["3.1"] == ind["6.1"] == ind["8.1"] == "no_threshold"
    assert ind["3.2"] == "met" and ind["8.2"] == "not_met"
    crit = a.criteria.set_index("criterion")["status"]
    assert crit["1"] == "no_threshold" and crit["3"] == "incomplete" and crit["8"] == "not_met"
    assert a.communes["status"].tolist() == ["not_met"]
    assert np.isnan(a.indicators.set_index("indicator").loc["3.1", "threshold"])


def test_criteria_listing_says_what_remains(capsys):
    assert main(["criteria", "vn-2026-ntm", "--unverified"]) == 0
    out = capsys.readouterr().out
    assert "6/6" in out and "1, 2, 4, 5, 7, 9, 10" in out


def test_commune_report_under_the_2026_set(tmp_path):
    data = write(tmp_path / "d.csv", DATA)
    register = write(tmp_path / "c.csv", REGISTER)
    manifest = run_report([str(data)], str(register), "vn-2026-ntm", tmp_path / "out", jobs=1)
    assert exit_code(manifest) == 0, manifest["communes"]
    html = (tmp_path / "out" / "communes" / "10909_tue-tinh-2026.html").read_text(encoding="utf-8")
    assert "Chưa có ngưỡng" in html and "Tuệ Tĩnh" in html
    assert "<dt>Nhóm xã</dt><dd>2</dd>" in html


def test_tue_tinh_from_its_three_predecessors(tmp_path, capsys):
    """The sample's three old communes rolled up into Tuệ Tĩnh (new code 10909), carried over
    to the 2026 set, and reported with each predecessor's last verdict under the old set."""
    import csv
    import re

    from conftest import SAMPLE

    merged = tmp_path / "merged.csv"
    assert (
        main(
            [
                "merge",
                str(SAMPLE / "indicators.csv"),
                "--communes",
                str(SAMPLE / "communes.csv"),
                "--set",
                "hd-2022-advanced",
                "--to",
                "new",
                "--new-set",
                "vn-2026-ntm",
                "--group",
                "2",
                "--out",
                str(merged),
            ]
        )
        == 0
    )
    baseline = tmp_path / "merged.vn-2026-ntm.csv"
    with open(baseline, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["commune_id"] == "10909"]
    assert sorted(r["indicator"] for r in rows) == ["3.1", "6.1", "8.1", "8.2"]
    assert all(r["year"] == "2026" and "10912" in r["source"] for r in rows)

    out = tmp_path / "report"
    manifest = run_report(
        [str(baseline)],
        str(tmp_path / "merged.communes.csv"),
        "vn-2026-ntm",
        out,
        communes=["10909"],
        jobs=1,
        predecessors={
            "data": [str(SAMPLE / "indicators.csv")],
            "communes": str(SAMPLE / "communes.csv"),
            "set": "hd-2022-advanced",
        },
    )
    assert exit_code(manifest) == 0, manifest["communes"]
    html = (out / "communes" / "10909_tue-tinh-2026.html").read_text(encoding="utf-8")
    assert "Các xã trước sáp nhập (2025)" in html
    with open(SAMPLE / "communes.csv", encoding="utf-8") as fh:
        names = {r["commune_id"]: r["name"] for r in csv.DictReader(fh)}
    for old in ("10900", "10909", "10912"):
        assert re.search(
            f">{old}</td><td[^>]*>{re.escape(names[old])}</td><td[^>]*>2025</td>", html
        ), old


def test_modern_framework_never_judges_a_commune_modern_alone(tmp_path):
    cset = load_set("vn-2026-modern")
    assert cset.lineage == ("vn-2026-modern", "vn-2026-ntm") and cset.level == "modern"
    assert [c.number for c in cset.criteria][-1] == "HĐ" and not cset.criteria[-1].indicators
    inputs = load_inputs(
        [write(tmp_path / "d.csv", DATA)], write(tmp_path / "c.csv", REGISTER), cset
    )
    a = score(cset, inputs.register, inputs.data)
    assert a.criteria.set_index("criterion").loc["HĐ", "status"] == "no_threshold"
    assert a.communes["status"].tolist() != ["met"]
