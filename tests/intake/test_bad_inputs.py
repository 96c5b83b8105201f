"""The corpus of bad inputs (tests/data/bad/cases.yaml): each file gets its located messages,
never a traceback and never a wrong value."""

from pathlib import Path

import pytest
import yaml
from conftest import HERE, SAMPLE

from ntm_lib.assess.scoring import score
from ntm_lib.criteria.catalogue import load_set
from ntm_lib.errors import InputError
from ntm_lib.intake.inputs import load_inputs

BAD = HERE / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
SET = load_set("hd-2022-advanced")
REGISTER_DATA = "commune_id,year,indicator,value\n10912,2024,17.4,55\n"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert all((BAD / c["file"]).is_file() for c in CASES)


def _args(case: dict, tmp_path: Path) -> tuple:
    path = BAD / case["file"]
    if case.get("register") == "self":
        data = tmp_path / "data.csv"
        data.write_text(REGISTER_DATA, encoding="utf-8")
        return [data], path
    return [path], BAD / case["register"] if case.get("register") else SAMPLE / "communes.csv"


def _scored_as_typed(case: dict, inputs, cset) -> None:
    """Each value the case names is read, and scored, as typed; each verdict it names holds."""
    a = score(cset, inputs.register, inputs.data)
    for table in (inputs.data, a.indicators[a.indicators["value"].notna()]):
        got = {
            f"{c}/{i}": v
            for c, i, v in zip(
                table["commune_id"].astype(str), table["indicator"].astype(str), table["value"]
            )
        }
        for key, expected in case.get("values", {}).items():
            key = key if "/" in key else next(k for k in got if k.endswith("/" + key))
            assert got[key] == pytest.approx(expected), key
    ind = a.indicators
    keys = ind["commune_id"].astype(str) + "/" + ind["indicator"].astype(str)
    status = dict(zip(keys, ind["status"].astype(str)))
    for key, expected in case.get("statuses", {}).items():
        assert status[key] == expected, key
    households = inputs.register.set_index("commune_id").get("households")
    for commune, expected in case.get("households", {}).items():
        assert households[commune] == expected


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input(case, monkeypatch, tmp_path):
    monkeypatch.setenv("NTM_LANG", case.get("lang", "vi"))
    cset = load_set(case["set"]) if case.get("set") else SET
    try:
        inputs = load_inputs(*_args(case, tmp_path), cset)
        problems, failed = inputs.warnings, False
    except InputError as exc:
        problems, failed = exc.problems, True
    assert failed != case["ok"], [p.message() for p in problems]
    found = {(p.key, p.row, p.column) for p in problems}
    expected = {(e["key"], e["row"], e["column"]) for e in case["expect"]}
    assert found == expected, [p.message() for p in problems]
    for p in problems:
        for lang in ("vi", "en"):
            text = p.message(lang)
            assert Path(p.file).name in text or case["file"] in text
    if case["ok"]:
        _scored_as_typed(case, inputs, cset)


def test_a_200_mb_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.write(b"commune_id,year,indicator,value\n")
        fh.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written to disk
    with pytest.raises(InputError) as err:
        load_inputs([big], SAMPLE / "communes.csv", SET)
    assert [p.key for p in err.value.problems] == ["file_too_large"]
    assert "200 MB" in err.value.problems[0].message()
