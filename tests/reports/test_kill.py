"""Killed runs: a result folder is complete or absent, never half-written."""

import os
import signal
import subprocess
import sys
import time

import nbformat
from conftest import SAMPLE

from ntm_lib.reports.batch import NOTEBOOK, exit_code, run_report

DATA = str(SAMPLE / "indicators.csv")
REGISTER = str(SAMPLE / "communes.csv")
SET = "hd-2022-advanced"


def test_sigkill_of_the_main_process_keeps_the_previous_results(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("the previous, complete results")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ntm_lib", "report", DATA, "--communes", REGISTER, "--set", SET,
         "--out", str(out), "--force", "--jobs", "2"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        made = list(tmp_path.glob(".out.tmp-*/communes/*.html"))
        if made or proc.poll() is not None:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    assert made, "no report was made in time"
    os.killpg(proc.pid, signal.SIGKILL)  # the main process, its workers and their kernels
    proc.wait()
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert list(tmp_path.glob(".out.tmp-*")), "the killed run's temporary folder is left"

    manifest = run_report([DATA], REGISTER, SET, out, communes=["10912"], jobs=1, force=True)
    assert exit_code(manifest) == 0
    assert not (out / "old.txt").exists() and (out / "index.html").is_file()
    assert not list(tmp_path.glob(".out.*")), "leftovers of the killed run are cleaned up"


def test_sigkill_of_a_worker_does_not_lose_the_others(tmp_path, monkeypatch):
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    killer = nbformat.v4.new_code_cell(
        "import os, signal\n"
        "marker = os.environ.get('NTM_TEST_KILL_ONCE')\n"
        "if marker and commune_id == os.environ['NTM_TEST_KILL_COMMUNE'] "
        "and not os.path.exists(marker):\n"
        "    open(marker, 'w').close()\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the worker process running this kernel")
    killer["id"] = "killer"
    nb.cells.insert(2, killer)
    notebook = tmp_path / "nb" / "commune_assessment.ipynb"
    notebook.parent.mkdir()
    nbformat.write(nb, str(notebook))
    marker = tmp_path / "killed"
    ids = ["10894", "10897", "10900"]
    monkeypatch.setenv("NTM_TEST_KILL_ONCE", str(marker))
    monkeypatch.setenv("NTM_TEST_KILL_COMMUNE", ids[1])
    manifest = run_report([DATA], REGISTER, SET, tmp_path / "out", communes=ids, jobs=2,
                          notebook=notebook)
    assert marker.exists(), "the worker was killed"
    assert exit_code(manifest) == 0, manifest["communes"]
    assert all((tmp_path / "out" / c["html"]).is_file() for c in manifest["communes"])
