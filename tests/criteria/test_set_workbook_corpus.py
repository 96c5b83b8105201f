"""The corpus of set workbooks (tests/data/set_workbooks/cases.yaml): each attack or slip gets
its located messages and no set file; each legitimate file is accepted and read as typed."""

import pytest
import yaml
from conftest import HERE

from ntm_lib.criteria.catalogue import load_set, threshold_of
from ntm_lib.intake.set_import import SetWorkbookError, read_set_workbook, set_yaml

CORPUS = HERE / "data" / "set_workbooks"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def test_the_corpus_covers_every_class():
    assert len(CASES) >= 30
    assert all((CORPUS / c["file"]).is_file() for c in CASES)
    assert sum(c["ok"] for c in CASES) >= 8  # legitimate files: false refusals are bugs too


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_set_workbook(case, tmp_path):
    path = CORPUS / case["file"]
    try:
        spec = read_set_workbook(path, where=tmp_path)
        problems, failed = [], False
    except SetWorkbookError as exc:
        problems, failed = exc.problems, True
    assert failed != case["ok"], [p.message() for p in problems]
    found = {(p.key, p.row, p.column) for p in problems}
    expected = {(e["key"], e["row"], e["column"]) for e in case["expect"]}
    assert found == expected, [p.message() for p in problems]
    for p in problems:
        for lang in ("vi", "en"):
            text = p.message(lang)
            assert case["file"] in text and "{" not in text, text
    if not failed:
        target = tmp_path / f"{spec['id']}.yaml"
        target.write_text(set_yaml(spec), encoding="utf-8")
        cset = load_set(str(target))
        for code, zones in (case.get("values") or {}).items():
            for zone, years in zones.items():
                region, _, group = zone.partition("/")
                for year, value in years.items():
                    got = threshold_of(cset, code, region, int(year), int(group) if group else None)
                    assert got == pytest.approx(value), (code, zone, year, got)
