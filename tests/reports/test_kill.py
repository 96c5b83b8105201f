"""Killed runs: a result folder is complete or absent, never half-written."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, notebook_with

from ntm_lib.commands.report import run_report
from ntm_lib.reports.batch import exit_code

DATA = str(SAMPLE / "indicators.csv")
REGISTER = str(SAMPLE / "communes.csv")
SET = "hd-2022-advanced"


def test_sigkill_of_the_main_process_keeps_the_previous_results(tmp_path):
    out = tmp_path / "out"
    first = run_report([DATA], REGISTER, SET, out, communes=["10894"], jobs=1)
    assert exit_code(first) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ntm_lib",
            "report",
            DATA,
            "--communes",
            REGISTER,
            "--set",
            SET,
            "--out",
            str(out),
            "--force",
            "--jobs",
            "2",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        made = list(tmp_path.glob(".out.ntm-tmp-*/communes/*.html"))
        if made or proc.poll() is not None:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    assert made, "no report was made in time"
    os.killpg(proc.pid, signal.SIGKILL)  # the main process, its workers and their kernels
    proc.wait()
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert list(tmp_path.glob(".out.ntm-tmp-*")), "the killed run's temporary folder is left"
    deadline = time.monotonic() + 20  # its workers and kernels follow it out by themselves
    while _orphans(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _orphans(proc.pid)

    manifest = run_report([DATA], REGISTER, SET, out, communes=["10912"], jobs=1, force=True)
    assert exit_code(manifest) == 0
    assert (out / "communes" / "10912_duc-chinh-2025.html").is_file()
    assert not (out / "communes" / "10894_cam-hung-2025.html").exists()
    assert not list(tmp_path.glob(".out.*")), "leftovers of the killed run are cleaned up"


def _orphans(session: int) -> list:
    """Processes still alive in the killed run's session."""
    import psutil

    alive = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getsid(proc.pid) == session and proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc.pid)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    return alive


def _running_report(tmp_path: Path) -> subprocess.Popen:
    """`ntm report` on 2 workers in a session of its own, once its first page is made (its
    workers and kernels running)."""
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ntm_lib",
            "report",
            DATA,
            "--communes",
            REGISTER,
            "--set",
            SET,
            "--out",
            str(out),
            "--jobs",
            "2",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if list(tmp_path.glob(".out.ntm-tmp-*/communes/*.html")):
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    assert len(_orphans(proc.pid)) > 1, "workers and kernels are running"
    return proc


def test_sigkill_of_the_parent_alone_ends_its_workers_and_kernels(tmp_path):
    proc = _running_report(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)  # the parent only: nobody tells the workers
    proc.wait()
    deadline = time.monotonic() + 20
    while _orphans(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _orphans(proc.pid), "workers and kernels exit by themselves within seconds"


def test_sigkill_of_a_worker_does_not_lose_the_others(tmp_path, monkeypatch):
    notebook = notebook_with(
        tmp_path,
        "import multiprocessing, os, signal\n"
        "marker = os.environ.get('NTM_TEST_KILL_ONCE')\n"
        "if marker and commune_id == os.environ['NTM_TEST_KILL_COMMUNE'] "
        "and not os.path.exists(marker):\n"
        "    open(marker, 'w').close()\n"
        "    # the worker process: this one (its own shell), or a kernel's parent\n"
        "    worker = os.getpid() if multiprocessing.parent_process() else os.getppid()\n"
        "    os.kill(worker, signal.SIGKILL)",
        "killer",
    )
    marker = tmp_path / "killed"
    ids = ["10894", "10897", "10900"]
    monkeypatch.setenv("NTM_TEST_KILL_ONCE", str(marker))
    monkeypatch.setenv("NTM_TEST_KILL_COMMUNE", ids[1])
    manifest = run_report(
        [DATA], REGISTER, SET, tmp_path / "out", communes=ids, jobs=2, notebook=notebook
    )
    assert marker.exists(), "the worker was killed"
    assert exit_code(manifest) == 0, manifest["communes"]
    assert all((tmp_path / "out" / c["html"]).is_file() for c in manifest["communes"])


def test_no_kernel_folder_outlives_its_worker(tmp_path):
    """After any run, even one whose workers were killed, the next run leaves no socket folder
    of a dead process behind."""
    import tempfile

    from ntm_lib.reports.kernel import MARKER, SOCKETS_PREFIX

    stale = Path(tempfile.gettempdir()) / f"{SOCKETS_PREFIX}999999999-test"
    stale.mkdir(exist_ok=True)
    (stale / MARKER).write_text("999999999")  # a worker that is gone
    foreign = Path(tempfile.gettempdir()) / f"{SOCKETS_PREFIX}someone-elses"
    foreign.mkdir(exist_ok=True)  # no marker: not ours, never touched
    try:
        manifest = run_report([DATA], REGISTER, SET, tmp_path / "out", communes=["10894"], jobs=1)
        assert exit_code(manifest) == 0
        assert not stale.exists()
        assert foreign.exists()
        left = []
        for folder in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*"):
            try:
                pid = int((folder / MARKER).read_text())
            except (OSError, ValueError):
                continue
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                left.append(folder)
        assert not left
    finally:
        foreign.rmdir()


def test_a_timeout_swallowed_once_still_ends_the_notebook(monkeypatch):
    """The alarm may land inside an asyncio task of the notebook client, which swallows it;
    it repeats until the block is left, so a hung notebook never holds its worker."""
    import pytest

    from ntm_lib.reports import batch

    monkeypatch.setattr(batch, "ALARM_REPEAT_S", 0.2)
    swallowed = []
    start = time.monotonic()
    with pytest.raises(batch.NotebookTimeout):
        with batch.deadline(0.2):
            try:
                time.sleep(5)
            except batch.NotebookTimeout:
                swallowed.append(True)
            time.sleep(5)
    assert swallowed and time.monotonic() - start < 3


def test_a_notebook_that_always_kills_its_worker_takes_only_its_commune_down(tmp_path):
    """The pool is rebuilt, the jobs in flight with it run again one by one, and only the one
    that kills its worker again fails (a crash, the kernel's OOM killer)."""
    notebook = notebook_with(
        tmp_path,
        "import os, signal\nif commune_id == '10897':\n    os.kill(os.getpid(), signal.SIGKILL)",
        "killer",
    )
    ids = ["10894", "10897", "10900", "10903", "10909"]
    manifest = run_report(
        [DATA], REGISTER, SET, tmp_path / "out", communes=ids, jobs=2, notebook=notebook
    )
    by_id = {c["commune_id"]: c for c in manifest["communes"]}
    assert not by_id["10897"]["ok"] and "dừng đột ngột" in by_id["10897"]["error"]
    assert all(by_id[c]["ok"] for c in ids if c != "10897"), manifest["communes"]
    assert all((tmp_path / "out" / by_id[c]["html"]).is_file() for c in ids if c != "10897")


def test_workers_stop_within_a_second_of_their_parents_death(tmp_path):
    proc = _running_report(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    proc.wait()
    while _orphans(proc.pid) and time.monotonic() - killed < 10:
        time.sleep(0.05)
    # The kernel ends them (PR_SET_PDEATHSIG); a busy machine may take a moment to reap them.
    assert not _orphans(proc.pid) and time.monotonic() - killed < 2.0


def test_a_run_with_failures_keeps_the_results_it_would_replace(tmp_path, monkeypatch):
    from ntm_lib.errors import PreviousKeptError

    out = tmp_path / "out"
    first = run_report([DATA], REGISTER, SET, out, communes=["10894", "10897"], jobs=1)
    assert exit_code(first) == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    notebook = notebook_with(
        tmp_path, "if commune_id == '10897':\n    raise RuntimeError('broken on purpose')", "b"
    )
    for mode in ({"force": True}, {"update": True}):
        with pytest.raises(PreviousKeptError) as caught:
            run_report(
                [DATA],
                REGISTER,
                SET,
                out,
                communes=["10894", "10897"],
                jobs=1,
                notebook=notebook,
                **mode,
            )
        assert "10897" in str(caught.value) and "broken on purpose" in str(caught.value)
        assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
        assert not list(tmp_path.glob(".out.*")), "nothing left beside it"
    replaced = run_report(
        [DATA],
        REGISTER,
        SET,
        out,
        communes=["10894", "10897"],
        jobs=1,
        notebook=notebook,
        force=True,
        allow_failures=True,
    )
    assert exit_code(replaced) == 1 and "broken on purpose" in (out / "index.html").read_text()


def test_a_full_disk_keeps_the_earlier_results_and_says_so(tmp_path, monkeypatch, capsys):
    import errno

    from ntm_lib.cli import main
    from ntm_lib.commands import report

    out = tmp_path / "out"
    assert exit_code(run_report([DATA], REGISTER, SET, out, communes=["10894"], jobs=1)) == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "index.html"))

    monkeypatch.setattr(report, "write_manifest", full)
    argv = [
        "report",
        DATA,
        "--communes",
        REGISTER,
        "--set",
        SET,
        "--out",
        str(out),
        "--commune",
        "10894",
        "--jobs",
        "1",
        "--force",
    ]
    assert main(argv) == 1
    said = capsys.readouterr().err
    assert "ổ đĩa đã đầy" in said and "được giữ nguyên" in said
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e400"])
def test_the_timeout_is_finite_and_positive_at_the_command_line(tmp_path, value, capsys):
    from ntm_lib.cli import main

    argv = [
        "report",
        DATA,
        "--communes",
        REGISTER,
        "--set",
        SET,
        "--out",
        str(tmp_path / "o"),
        f"--timeout={value}",
    ]
    assert main(argv) == 2
    assert "--timeout" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1, 0, "300", True])
def test_the_timeout_is_checked_at_every_door(tmp_path, value):
    """The library's doors too: a report, a batch job, a manifest replayed by ntm verify."""
    from ntm_lib.errors import UsageError
    from ntm_lib.reports import batch

    with pytest.raises(UsageError):
        run_report([DATA], REGISTER, SET, tmp_path / "o", communes=["10894"], timeout=value)
    with pytest.raises(UsageError):
        batch.check_options(1, value)
    with pytest.raises(UsageError):
        batch.Job("10894", 2025, "x", "nb.ipynb", str(tmp_path), {"lang": "vi"}, "k", timeout=value)
    assert not (tmp_path / "o").exists()


def test_a_replayed_manifest_with_an_endless_timeout_is_refused(tmp_path):
    import json

    from ntm_lib.commands.verify import verify
    from ntm_lib.errors import UsageError

    out = tmp_path / "out"
    run_report([DATA], REGISTER, SET, out, communes=["10894"], jobs=1)
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["parameters"]["timeout"] = float("inf")
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UsageError):
        verify(out)
