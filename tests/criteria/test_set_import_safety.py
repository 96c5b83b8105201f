"""`ntm set import` writes only inside --out, only a set that passed every check, and never
lets a file name become content; its messages are about sets, in Vietnamese and English."""

import shutil

import yaml
from conftest import HERE

from ntm_lib.cli import main
from ntm_lib.criteria.catalogue import load_set, set_origin
from ntm_lib.criteria.evidence import provenance_of

CORPUS = HERE / "data" / "set_workbooks"
GOOD = CORPUS / "official_with_its_quote.xlsx"  # set id xx-test, an overlay of hd-2022-advanced


def test_an_id_with_path_characters_writes_and_deletes_nothing_outside_out(tmp_path):
    out = tmp_path / "sets"
    victim = tmp_path / "outside.yaml"
    victim.write_text("keep me", encoding="utf-8")
    code = main(["set", "import", str(CORPUS / "id_path.xlsx"), "--out", str(out), "--force"])
    assert code == 1
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not out.exists() or not any(out.iterdir())


def test_a_failed_forced_import_keeps_the_previous_set(tmp_path, capsys):
    out = tmp_path / "sets"
    assert main(["set", "import", str(GOOD), "--out", str(out)]) == 0
    before = (out / "xx-test.yaml").read_bytes()
    bad = tmp_path / "bad.xlsx"
    shutil.copy(CORPUS / "stale_quote.xlsx", bad)  # the same id, refused
    assert main(["set", "import", str(bad), "--out", str(out), "--force"]) == 1
    assert (out / "xx-test.yaml").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["xx-test.yaml", "xx-test.yaml.ntm.json"]
    err = capsys.readouterr().err
    assert "chưa ghi tệp bộ tiêu chí nào" in err and "chưa đánh giá" not in err


def test_an_existing_set_is_replaced_only_with_force(tmp_path):
    out = tmp_path / "sets"
    assert main(["set", "import", str(GOOD), "--out", str(out)]) == 0
    assert main(["set", "import", str(GOOD), "--out", str(out)]) == 2
    assert main(["set", "import", str(GOOD), "--out", str(out), "--force"]) == 0


def test_the_workbooks_name_never_becomes_content(tmp_path):
    odd = tmp_path / "x\nid: hacked\nparent: ..\x1b[31m.xlsx"
    shutil.copy(GOOD, odd)
    out = tmp_path / "sets"
    assert main(["set", "import", str(odd), "--out", str(out)]) == 0
    text = (out / "xx-test.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    assert spec["id"] == "xx-test" and spec["parent"] == "hd-2022-advanced"
    assert "\x1b" not in text and "\nid: hacked" not in text
    assert spec["origin"]["workbook"]["name"].startswith("x\\nid: hacked")
    load_set(str(out / "xx-test.yaml"))


def test_the_set_records_its_origin_and_reports_can_print_it(tmp_path):
    out = tmp_path / "sets"
    assert main(["set", "import", str(GOOD), "--out", str(out)]) == 0
    cset = load_set(str(out / "xx-test.yaml"))
    origin = cset.origins["xx-test"]["origin"]
    assert origin["workbook"]["name"] == GOOD.name and len(origin["workbook"]["sha256"]) == 64
    lines = set_origin(cset, "vi")
    assert GOOD.name in lines[0] and "hd-2022-advanced" in lines[1]
    assert "có sẵn trong ntm" in lines[1]
    en = set_origin(cset, "en")
    assert "imported" in en[0] and "shipped" in en[1]
    prov = provenance_of(cset)
    assert prov["origins"]["xx-test"]["origin"]["workbook"]["name"] == GOOD.name
    # the decision typed (99/QĐ-UBND) is where the results can find it
    assert cset.indicator("17.4").evidence["document"] == "99/QĐ-UBND"
    assert cset.indicator("17.4").verified


def test_an_untouched_export_asks_for_a_new_set_id(tmp_path, capsys):
    book = tmp_path / "hd.xlsx"
    assert main(["set", "export", "hd-2022-advanced", "--out", str(book)]) == 0
    assert main(["set", "import", str(book), "--out", str(tmp_path / "sets")]) == 1
    err = capsys.readouterr().err
    assert "Mã bộ tiêu chí mới" in err and "hp-2026-ntm" in err
    assert "chưa đánh giá" not in err and "chưa ghi tệp bộ tiêu chí nào" in err
    assert main(["--lang", "en", "set", "import", str(book), "--out", str(tmp_path / "s")]) == 1
    assert "no set file was written" in capsys.readouterr().err


def test_reports_name_the_sets_origin(tmp_path):
    from ntm_lib.reports.html import provenance_html

    out = tmp_path / "sets"
    assert main(["set", "import", str(GOOD), "--out", str(out)]) == 0
    cset = load_set(str(out / "xx-test.yaml"))
    run = {"inputs": [], "set": provenance_of(cset), "version": "0", "run_time": "now"}
    page = provenance_html(run, "vi")
    assert GOOD.name in page and "có sẵn trong ntm" in page
    shipped = provenance_html(run | {"set": provenance_of(load_set("vn-2021-ntm"))}, "en")
    assert "shipped with ntm-assess" in shipped
