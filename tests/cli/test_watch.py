"""`ntm report --watch`: the reports made up to date each time an input is saved, by a command
that stays with its workers warm; a bad save told and watching going on; stopped cleanly."""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import TEST_SETS, make_sample

from ntm_lib.commands import watch as watching
from ntm_lib.commands.report import run_report
from ntm_lib.commands.report_command import _watched
from ntm_lib.errors import InputError, Problem, UsageError
from ntm_lib.i18n import t
from ntm_lib.reports import worker

SET = "hd-2022-advanced"
FAST = {"poll": 0.01, "settle": 0.05}


def _later(seconds: float, action) -> threading.Thread:
    def run():
        time.sleep(seconds)
        action()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# --- the loop


def test_a_failed_round_is_told_and_the_next_save_runs_again(tmp_path, capsys):
    data = tmp_path / "data.csv"
    _touch(data, "a\n")
    calls = []

    def run():
        calls.append(data.read_text(encoding="utf-8"))
        if len(calls) == 1:
            raise InputError(
                [
                    Problem(
                        str(data),
                        "value_not_number",
                        2,
                        "value",
                        params={"value": "x", "examples": "1"},
                    )
                ]
            )
        return 0

    _later(0.3, lambda: _touch(data, "b\n"))
    assert watching.watch(run, lambda: [data], rounds=2, **FAST) == 0
    assert calls == ["a\n", "b\n"]
    out, err = capsys.readouterr()
    assert str(data) in err  # the first round's error, located
    assert t("watch_none_yet") in out  # and that no report was made
    assert t("watch_waiting", count=1, files="data.csv") in out


def test_a_round_that_read_a_file_still_being_written_is_not_told(tmp_path, capsys):
    """An editor that pauses while it writes (a workbook's sheets): the round that read it
    half-written fails, its error is not told, and the file is read again once written."""
    data = tmp_path / "data.xlsx"
    _touch(data, "PK")
    calls = []

    def run():
        calls.append(1)
        if len(calls) == 2:  # read half-way: the editor writes on meanwhile
            _touch(data, "PK whole")
            raise InputError([Problem(str(data), "file_not_excel", params={"error": "zip"})])
        return 0

    _later(0.2, lambda: _touch(data, "PK ha"))
    assert watching.watch(run, lambda: [data], rounds=3, **FAST) == 0
    out, err = capsys.readouterr()
    assert len(calls) == 3 and err == ""
    assert t("watch_kept", time="").split(":")[0] not in out


def test_a_file_gone_is_waited_for(tmp_path, capsys):
    """Deleted (or replaced by an editor that removes it first): no round without it, and
    one as soon as it is back."""
    data = tmp_path / "data.csv"
    _touch(data, "a\n")
    seen = []

    def run():
        seen.append(data.read_text(encoding="utf-8"))
        return 0

    _later(0.2, data.unlink)
    _later(0.6, lambda: _touch(data, "b\n"))
    assert watching.watch(run, lambda: [data], rounds=2, **FAST) == 0
    assert seen == ["a\n", "b\n"]
    assert t("watch_missing", time="", files="data.csv").split("]")[1] in capsys.readouterr().out


def test_a_usage_error_ends_watching_at_once(tmp_path, capsys):
    data = tmp_path / "data.csv"
    _touch(data, "a\n")

    def run():
        raise UsageError(t("out_not_ours", path=str(tmp_path)))

    assert watching.watch(run, lambda: [data], **FAST) == 2
    assert t("watch_waiting", count=1, files="data.csv") not in capsys.readouterr().out


def test_a_file_still_being_written_is_read_once_it_has_settled(tmp_path):
    """An editor that writes a file in pieces: the round reads it whole, once."""
    data = tmp_path / "data.csv"
    _touch(data, "header\n")
    seen = []

    def write_slowly():
        with open(data, "a", encoding="utf-8") as fh:
            for k in range(16):  # in all longer than the settling time, each gap shorter
                fh.write(f"row {k}\n")
                fh.flush()
                time.sleep(0.05)

    def run():
        seen.append(data.read_text(encoding="utf-8"))
        return 0

    _later(0.2, write_slowly)
    assert watching.watch(run, lambda: [data], rounds=2, poll=0.01, settle=0.5) == 0
    assert seen[1] == "header\n" + "".join(f"row {k}\n" for k in range(16))


def test_a_file_replaced_by_an_editor_is_seen(tmp_path):
    """Saved as editors do: a new file renamed over the old one (same size, same time)."""
    data = tmp_path / "data.csv"
    _touch(data, "a\n")
    stat = data.stat()
    seen = []

    def replace():
        other = tmp_path / "new.csv"
        _touch(other, "b\n")
        os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(other, data)

    def run():
        seen.append(data.read_text(encoding="utf-8"))
        return 0

    _later(0.2, replace)
    assert watching.watch(run, lambda: [data], rounds=2, **FAST) == 0
    assert seen == ["a\n", "b\n"]


def test_sigterm_while_watching_stops_as_ctrl_c_does(tmp_path, capsys):
    data = tmp_path / "data.csv"
    _touch(data, "a\n")
    _later(0.3, lambda: os.kill(os.getpid(), signal.SIGTERM))
    before = signal.getsignal(signal.SIGTERM)
    assert watching.watch(lambda: 0, lambda: [data], **FAST) == 0
    assert t("watch_stopped") in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) is before  # put back


def test_the_files_watched_include_the_sets_and_survive_a_broken_set(tmp_path):
    for name in ("t-base.yaml", "t-overlay.yaml"):
        shutil.copy(TEST_SETS / name, tmp_path / name)
    data, register, plan = (_touch_path(tmp_path / n) for n in ("d.csv", "c.csv", "p.csv"))
    args = argparse.Namespace(
        data=[str(data)],
        communes=str(register),
        plan=str(plan),
        budget=None,
        notebook=None,
        predecessors_data=None,
        predecessors_communes=None,
        predecessors_set=None,
        set_id=str(tmp_path / "t-overlay.yaml"),
    )
    files = _watched(args)
    expected = {data, register, plan, tmp_path / "t-overlay.yaml", tmp_path / "t-base.yaml"}
    assert set(files()) == expected
    (tmp_path / "t-overlay.yaml").write_text("id: [broken", encoding="utf-8")
    assert set(files()) == expected  # its parent still watched: the correction is seen


def _touch_path(path: Path) -> Path:
    _touch(path, "x\n")
    return path


# --- warm workers


def test_a_watching_command_keeps_its_workers_for_the_next_run(tmp_path):
    folder = make_sample(tmp_path / "data", 3, 2)
    data, register, out = str(folder / "indicators.csv"), str(folder / "communes.csv"), tmp_path
    with worker.kept():
        run_report([data], register, SET, out / "r", jobs=1)
        assert worker.warm_workers() == 1
        ((pool, _),) = worker._ready.values()
        pids = set(pool._processes)  # the worker processes themselves
        _correct(folder / "indicators.csv", "S000001")
        second = run_report([data], register, SET, out / "r", jobs=1, update=True)
        made = {c["commune_id"]: c["reason"] for c in second["communes"] if not c.get("reused")}
        assert made.get("S000001") == "data" and set(made.values()) == {"data"}
        ((again, _),) = worker._ready.values()
        assert again is pool and set(again._processes) == pids
    assert worker._ready == {} and worker.warm_workers() == 0
    for pid in pids:  # stopped with the block
        assert not Path(f"/proc/{pid}").exists() or _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _correct(path: Path, commune: str, value: str = "7") -> None:
    """One value of `commune` in its latest year written anew (an indicator of a number)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    year = max(line.split(",")[1] for line in lines[1:])
    at = next(k for k, line in enumerate(lines) if line.startswith(f"{commune},{year},2.3,"))
    lines[at] = lines[at].rsplit(",", 1)[0] + "," + value
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the command, as an officer runs it


class Watching:
    """`ntm report --watch` in a process of its own, its lines read as they come."""

    def __init__(self, args: list[str], env: dict) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ntm_lib", "report", *args, "--watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env,
            start_new_session=True,
            # Ctrl+C as a terminal gives it (a test run in the background ignores SIGINT).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue = queue.Queue()
        self.err: list[str] = []
        for stream, sink in (
            (self.proc.stdout, self.lines.put),
            (self.proc.stderr, self.err.append),
        ):
            threading.Thread(target=lambda s=stream, k=sink: [k(x) for x in s], daemon=True).start()

    def until_waiting(self, timeout: float = 240) -> list[str]:
        """The lines printed until the command waits for the next save."""
        got, deadline = [], time.monotonic() + timeout
        waiting = (t("watch_waiting", count=0, files="").split("0")[0], t("watch_waiting_next"))
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.err)
                continue
            got.append(line)
            if line.startswith(waiting):
                return got
        raise AssertionError(f"no round ended in time: {got} {self.err}")


def test_watching_an_officers_corrections(tmp_path):
    """Each save brings the reports up to date as a full run would make them; a bad save is
    told, nothing written, and the next one is acted on; Ctrl+C ends it all cleanly, without a
    worker's traceback."""
    folder = make_sample(tmp_path / "data", 4, 2)
    data, register = folder / "indicators.csv", folder / "communes.csv"
    out = tmp_path / "out"
    env = os.environ | {"SOURCE_DATE_EPOCH": "1767225600", "NTM_LANG": "vi"}
    args = [str(data), "--communes", str(register), "--set", SET, "--out", str(out)]
    run = Watching([*args, "--jobs", "2"], env)
    try:
        assert any(t("report_rebuilt", made=4, reused=0) in x for x in run.until_waiting())
        _correct(data, "S000002")
        lines = run.until_waiting()
        assert any("indicators.csv" in x for x in lines)
        first = (out / "manifest.json").read_bytes()
        made = {c["commune_id"]: c["reason"] for c in _communes(out) if not c.get("reused")}
        assert made.get("S000002") == "data" and set(made.values()) == {"data"}

        good = data.read_text(encoding="utf-8")
        _correct(data, "S000002", "abc")  # a slip
        kept = t("watch_kept", time="").split(":")[0]
        assert any(line.startswith(kept) for line in run.until_waiting())  # said so
        assert (out / "manifest.json").read_bytes() == first  # nothing written
        assert any(str(data) in line and "abc" in line for line in run.err)

        data.write_text(good, encoding="utf-8")  # corrected back: the outputs were right
        assert any(t("report_up_to_date", path="")[:20] in x for x in run.until_waiting())
    finally:
        os.killpg(run.proc.pid, signal.SIGINT)  # Ctrl+C: the terminal's whole group
        code = run.proc.wait(timeout=60)
    assert code == 0
    assert not any("Traceback" in line for line in run.err), "".join(run.err)
    assert not list(tmp_path.glob(".out.ntm-tmp-*"))
    deadline = time.monotonic() + 20  # its workers follow it out by themselves
    while _children(run.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _children(run.proc.pid), "a worker outlived the command"

    # The same pages and tables as a full run of the same data (the executed notebooks beside
    # the pages hold papermill's timings of each cell: not compared).
    again = tmp_path / "again"
    full = subprocess.run(
        [sys.executable, "-m", "ntm_lib", "report", *args[:-1], str(again), "--jobs", "1"],
        env=env,
        capture_output=True,
    )
    assert full.returncode == 0, full.stderr
    for sub, pattern in (("communes", "*.html"), ("results", "*")):
        names = sorted(p.name for p in (out / sub).glob(pattern))
        assert names and names == sorted(p.name for p in (again / sub).glob(pattern))
        for name in names:
            assert (out / sub / name).read_bytes() == (again / sub / name).read_bytes(), name


def _communes(out: Path) -> list[dict]:
    import json

    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["communes"]


def _children(pid: int) -> list[int]:
    """Live processes of the session the command `pid` led (its workers, re-parented or
    not)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_old_communes_set_decides_an_update_by_its_content(tmp_path):
    """Merged communes name their predecessors' verdicts under the old set: a correction of
    that set's file is a change an update (and a watching command) must act on."""
    from ntm_lib.commands.report import _update_key, request

    for name in ("t-base.yaml", "t-overlay.yaml"):
        shutil.copy(TEST_SETS / name, tmp_path / name)
    old_set = tmp_path / "t-overlay.yaml"
    data, register = _touch_path(tmp_path / "d.csv"), _touch_path(tmp_path / "c.csv")
    predecessors = {"data": [str(data)], "communes": str(register), "set": str(old_set)}
    req = request([str(data)], str(register), SET, tmp_path / "out", predecessors=predecessors)
    before = _update_key(req)
    text = old_set.read_text(encoding="utf-8")
    old_set.write_text(text.replace("Bộ thử cấp tỉnh", "Bộ thử cấp tỉnh (sửa)"), encoding="utf-8")
    assert _update_key(req) != before


def test_a_worker_leaves_ctrl_c_to_the_command():
    """Ctrl+C reaches every process of the terminal's group; the command stops its workers
    itself, and a worker waiting for its next page would print a traceback."""
    pool = worker.default_executor(1, charts=False)
    try:
        handler = pool.submit(signal.getsignal, signal.SIGINT).result(timeout=120)
    finally:
        worker.stop(pool, kill=True)
    assert handler == signal.SIG_IGN


def test_a_save_within_one_tick_of_a_coarse_clock_is_seen(tmp_path, monkeypatch):
    """On a FAT memory stick a file saved twice within two seconds, at the same size, keeps
    its stat: its content is compared while it is fresh."""
    data = tmp_path / "data.csv"
    _touch(data, "45\n")
    real = os.stat
    frozen = real(data)

    def coarse(path, *args, **kwargs):  # what such a file system reports: nothing moved
        return frozen if Path(path) == data else real(path, *args, **kwargs)

    monkeypatch.setattr(watching.os, "stat", coarse)
    seen = []

    def run():
        seen.append(data.read_text(encoding="utf-8"))
        return 0

    _later(0.3, lambda: _touch(data, "54\n"))  # a slip of the fingers, corrected
    worker_thread = threading.Thread(
        target=lambda: watching.watch(run, lambda: [data], rounds=2, **FAST), daemon=True
    )
    worker_thread.start()
    worker_thread.join(timeout=10)
    assert not worker_thread.is_alive(), "the second save was not seen"
    assert seen == ["45\n", "54\n"]


def test_a_pipe_given_as_a_file_is_never_read_while_watching(tmp_path):
    """Its content is never compared: reading a pipe would wait for a writer forever."""
    pipe = tmp_path / "data.csv"
    os.mkfifo(pipe)
    looked = threading.Thread(target=lambda: watching.stamps([pipe]), daemon=True)
    looked.start()
    looked.join(timeout=5)
    assert not looked.is_alive()
