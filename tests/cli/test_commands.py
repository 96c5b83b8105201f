"""Every command that writes can be verified: it writes, `ntm verify` finds it identical, one
byte changed is found. And every command chooses its year the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLE
from openpyxl import load_workbook

from ntm_lib.cli import main
from ntm_lib.commands import REGISTRY

DATA = str(SAMPLE / "indicators.csv")
MODEL = str(SAMPLE / "model_conditions.csv")
REGISTER = str(SAMPLE / "communes.csv")
PLAN, BUDGET = str(SAMPLE / "plan.csv"), str(SAMPLE / "budget.csv")
ON_DATA = [DATA, "--communes", REGISTER, "--set", "hd-2022-advanced"]
# The sample plan's tasks include the model-commune conditions (KM).
ON_MODEL = [DATA, MODEL, "--communes", REGISTER, "--set", "hd-2022-model"]


def decision_file(tmp: Path) -> str:
    """A decision's Word file with its annex as one clean table (built like the tests of
    tests/criteria/test_decision.py)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "criteria"))
    from decisions import one_clean_table

    return str(one_clean_table(tmp / "quyet-dinh.docx"))


def filled_set_workbook(tmp: Path) -> str:
    """A set workbook exported by ntm, given the new id an officer types."""
    book = tmp / "bo-tieu-chi.xlsx"
    assert main(["set", "export", "hd-2022-advanced", "--out", str(book)]) == 0
    wb = load_workbook(book)
    info = wb["Thông tin"]
    for row in info.iter_rows():
        if row[0].value == "Mã bộ tiêu chí mới":
            row[1].value = "hd-2022-thu"
    wb.save(book)
    return str(book)


# command -> (its arguments, given a scratch folder; what `ntm verify` is given; the file whose
# first byte is changed)
CASES = {
    "set read": (
        lambda tmp: ["set", "read", decision_file(tmp), "--id", "xx-hp", "--out", f"{tmp}/r.xlsx"],
        "r.xlsx",
        "r.xlsx",
    ),
    "set export": (
        lambda tmp: ["set", "export", "hd-2022-advanced", "--out", f"{tmp}/s.xlsx"],
        "s.xlsx",
        "s.xlsx",
    ),
    "set import": (
        lambda tmp: ["set", "import", filled_set_workbook(tmp), "--out", f"{tmp}/sets"],
        "sets/hd-2022-thu.yaml",
        "sets/hd-2022-thu.yaml",
    ),
    "set diff": (
        lambda tmp: ["set", "diff", "vn-2021-advanced", "hd-2022-advanced", "--out", f"{tmp}/diff"],
        "diff",
        "diff/diff.csv",
    ),
    "template": (
        lambda tmp: [
            "template",
            "hd-2022-advanced",
            "--communes",
            REGISTER,
            "--year",
            "2025",
            "--out",
            f"{tmp}/t.xlsx",
        ],
        "t.xlsx",
        "t.xlsx",
    ),
    "assess": (lambda tmp: ["assess", *ON_DATA, "--out", f"{tmp}/a"], "a", "a/criteria.csv"),
    "template-plan": (
        lambda tmp: ["template-plan", *ON_DATA, "--out", f"{tmp}/p.xlsx"],
        "p.xlsx",
        "p.xlsx",
    ),
    "plan": (
        lambda tmp: ["plan", *ON_MODEL, "--plan", PLAN, "--budget", BUDGET, "--out", f"{tmp}/r"],
        "r",
        "r/roadmap.csv",
    ),
    "summary": (
        lambda tmp: ["summary", *ON_DATA, "--district", "Cẩm Giàng", "--out", f"{tmp}/s"],
        "s",
        "s/summary.xlsx",
    ),
    "merge": (lambda tmp: ["merge", *ON_DATA, "--out", f"{tmp}/m.csv"], "m.csv", "m.communes.csv"),
    "dossier": (
        lambda tmp: ["dossier", *ON_DATA, "--commune", "10912", "--out", f"{tmp}/d.csv"],
        "d.csv",
        "d.csv",
    ),
    "document plan": (
        lambda tmp: [
            "document",
            "plan",
            *ON_MODEL,
            "--commune",
            "10912",
            "--plan",
            PLAN,
            "--budget",
            BUDGET,
            "--out",
            f"{tmp}/k.docx",
        ],
        "k.docx",
        "k.docx",
    ),
    "document report": (
        lambda tmp: [
            "document",
            "report",
            *ON_DATA,
            "--commune",
            "10912",
            "--out",
            f"{tmp}/b.docx",
        ],
        "b.docx",
        "b.docx",
    ),
    "report": (
        lambda tmp: [
            "report",
            *ON_DATA,
            "--commune",
            "10912",
            "--jobs",
            "1",
            "--out",
            f"{tmp}/rep",
        ],
        "rep",
        "rep/results/communes.csv",
    ),
}


def test_every_command_that_writes_has_a_case():
    writers = {name for name, c in REGISTRY.items() if c.replay is not None}
    assert writers == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_written_verified_then_tampered(name, tmp_path, capsys):
    args, verified, tampered = CASES[name]
    assert main(args(tmp_path)) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["verify", str(tmp_path / verified)]) == 0, capsys.readouterr().err
    path = tmp_path / tampered
    raw = path.read_bytes()
    path.write_bytes(bytes([raw[0] ^ 1]) + raw[1:])
    assert main(["verify", str(tmp_path / verified)]) == 1
    assert Path(tampered).name in capsys.readouterr().err


SINGLE_FILES = sorted(n for n, (_, verified, tampered) in CASES.items() if verified == tampered)


@pytest.mark.parametrize("name", SINGLE_FILES)
@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_verify_never_writes_where_a_received_sidecar_says(name, where, tmp_path, capsys):
    """The sidecar comes with the file verified: an `out` pointing elsewhere is refused, and
    the file it names is left as it was."""
    args, verified, _ = CASES[name]
    work = tmp_path / "received"
    work.mkdir()
    assert main(args(work)) == 0, capsys.readouterr().err
    victim = tmp_path / "victim" / Path(verified).name
    victim.parent.mkdir()
    victim.write_text("USER DATA")
    sidecar = work / f"{verified}.ntm.json"
    manifest = json.loads(sidecar.read_text(encoding="utf-8"))
    up = "../" * len(Path(verified).parts)
    named = str(victim) if where == "absolute" else f"{up}victim/{victim.name}"
    manifest["parameters"]["out"] = named
    sidecar.write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(work / verified)]) == 2
    assert repr(named) in capsys.readouterr().err
    assert victim.read_text() == "USER DATA"
    assert sorted(p.name for p in victim.parent.iterdir()) == [victim.name]


def test_single_files_carry_their_manifest_beside_them(tmp_path):
    assert main(CASES["merge"][0](tmp_path)) == 0
    manifest = json.loads((tmp_path / "m.csv.ntm.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "merge"
    assert sorted(manifest["files"]) == ["m.communes.csv", "m.csv", "m.flags.csv"]
    assert [i["role"] for i in manifest["inputs"]] == ["data", "communes"]


YEAR_2019 = {
    "assess": lambda tmp: ["assess", *ON_DATA, "--year", "2019", "--out", f"{tmp}/x"],
    "plan": lambda tmp: [
        "plan",
        *ON_MODEL,
        "--plan",
        PLAN,
        "--budget",
        BUDGET,
        "--year",
        "2019",
        "--out",
        f"{tmp}/x",
    ],
    "report": lambda tmp: ["report", *ON_DATA, "--year", "2019", "--out", f"{tmp}/x"],
    "summary": lambda tmp: ["summary", *ON_DATA, "--year", "2019", "--out", f"{tmp}/x"],
    "template-plan": lambda tmp: [
        "template-plan",
        *ON_DATA,
        "--year",
        "2019",
        "--out",
        f"{tmp}/x.xlsx",
    ],
    "document": lambda tmp: [
        "document",
        "plan",
        *ON_DATA,
        "--commune",
        "10912",
        "--year",
        "2019",
        "--out",
        f"{tmp}/x.docx",
    ],
    "dossier": lambda tmp: ["dossier", *ON_DATA, "--commune", "10912", "--year", "2019"],
    "show": lambda tmp: ["show", "10912", *ON_DATA, "--year", "2019"],
}


@pytest.mark.parametrize("name", sorted(YEAR_2019))
def test_a_year_without_data_is_the_same_error_everywhere(name, tmp_path, capsys):
    assert main(YEAR_2019[name](tmp_path)) == 1
    err = capsys.readouterr().err
    assert "2019" in err and "2021, 2022, 2023, 2024, 2025" in err, err
    assert not list(tmp_path.iterdir()), "nothing is written"


def test_a_commune_the_register_lacks_is_named(capsys):
    assert main(["show", "99999", *ON_DATA]) == 1
    assert "99999" in capsys.readouterr().err
