"""Same inputs, same page, whichever worker made it and whatever it made before: a notebook
that changes process-wide state cannot change another commune's page."""

import pytest
from conftest import SAMPLE, notebook_with, report_stem

from ntm_lib.commands.report import run_report

DATA = [str(SAMPLE / "indicators.csv")]
REGISTER = str(SAMPLE / "communes.csv")
SET = "hd-2022-advanced"
IDS = ["10894", "10897", "10900", "10903"]

# Everything a notebook can change for the process that runs it, for one commune only.
POISON = """\
import os
if commune_id == os.environ.get("NTM_TEST_POISON"):
    import builtins, decimal, random, sys, warnings
    import matplotlib, numpy as np, pandas as pd, seaborn as sns
    import ntm_lib.fmt
    pd.set_option("display.precision", 1)
    np.seterr(all="raise")
    np.set_printoptions(precision=1)
    np.random.seed(1)
    random.seed(1)
    warnings.simplefilter("error")
    sns.set_theme(style="dark", font_scale=2)
    matplotlib.rcParams["font.size"] = 30
    matplotlib.rcParams["axes.facecolor"] = "#ff0000"
    builtins.sorted = lambda items, **kw: list(items)[::-1]
    sys.path.insert(0, "/nonexistent")
    os.environ["SOURCE_DATE_EPOCH"] = "1"
    decimal.getcontext().prec = 2
    _number = ntm_lib.fmt.number
    ntm_lib.fmt.number = lambda value, *a, **k: "?" + _number(value, *a, **k)
    get_ipython().display_formatter.formatters["text/html"].enabled = False
"""


@pytest.fixture
def poisoning(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("NTM_TEST_POISON", IDS[0])
    return notebook_with(tmp_path, POISON, "poison")


def test_a_notebook_that_changes_the_process_changes_no_later_page(tmp_path, poisoning):
    batch = run_report(
        DATA, REGISTER, SET, tmp_path / "batch", communes=IDS, jobs=1, notebook=poisoning
    )
    # The poisoning commune's own page may fail (its own cells meet what it changed).
    assert all(c["ok"] for c in batch["communes"][1:]), batch["communes"]
    for cid in IDS[1:]:
        run_report(DATA, REGISTER, SET, tmp_path / cid, communes=[cid], jobs=1, notebook=poisoning)
        page = f"communes/{report_stem(cid, 2025)}.html"
        assert (tmp_path / "batch" / page).read_bytes() == (tmp_path / cid / page).read_bytes(), cid
