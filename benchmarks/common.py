"""What every benchmark shares: own-process CPU, repeated runs, one table of figures.

Machines are shared and noisy: a figure is never a machine-wide CPU count. In-process work
is timed with `time.process_time()` (this process alone); a command is run as a child and
timed by `wait4`, which counts the child and every process it waited for (report workers,
their kernels), and nothing else. Each side runs at least three times, interleaved with its
reference (ours, reference, ours, reference...: a busy spell slows both alike); min and median
are printed. A goal on a figure is judged on its min (what the machine does undisturbed), a
goal on a ratio on the median of the rounds' ratios.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 3


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float = 0.0  # the command's own process
    err: str = ""  # what the command printed on stderr
    tree_mb: float = 0.0  # the most its whole process tree held at once (sampled)


@dataclass
class Row:
    """One line of the table: our figure, its reference, and the goal it is held to."""

    name: str
    ours: list[float]
    unit: str
    reference: str = ""
    ref: list[float] | None = None
    goal: str = ""
    ok: bool | None = None
    rate: bool = False  # a throughput (higher is better): the ratio is then ref / ours

    @property
    def ratio(self) -> float:
        """How many times the reference's cost ours is (the median of the rounds' ratios, the
        runs being interleaved; medians of each side otherwise): 2.0 = twice as slow."""
        if len(self.ours) == len(self.ref):
            pairs = [(r / o if self.rate else o / r) for o, r in zip(self.ours, self.ref)]
            return statistics.median(pairs)
        ours, ref = statistics.median(self.ours), statistics.median(self.ref)
        return ref / ours if self.rate else ours / ref

    @property
    def best(self) -> float:
        """The best run: the least (the most, for a throughput)."""
        return max(self.ours) if self.rate else min(self.ours)

    @property
    def median(self) -> float:
        return statistics.median(self.ours)

    def cells(self) -> list[str]:
        ref = f"{_fig(min(self.ref))} / {_fig(statistics.median(self.ref))}" if self.ref else ""
        ratio = f"{self.ratio:.2f}x" if self.ref else ""
        verdict = "" if self.ok is None else ("yes" if self.ok else "NO")
        return [
            self.name,
            f"{_fig(min(self.ours))} / {_fig(statistics.median(self.ours))}",
            self.unit,
            self.reference,
            ref,
            ratio,
            self.goal,
            verdict,
        ]


def _fig(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" if abs(x) < 10 else f"{x:.1f}"


def timed(func, repeat: int = REPEAT) -> list[Run]:
    """`func()` run `repeat` times in this process: wall and this process's CPU seconds."""
    return interleaved({"f": func}, repeat)["f"]


def interleaved(funcs: dict, repeat: int = REPEAT) -> dict[str, list[Run]]:
    """Each of `funcs` run once per round, in turn, for `repeat` rounds: its wall and this
    process's CPU seconds, or the Run it returns itself (a command run as a child)."""
    runs: dict[str, list[Run]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            w0, c0 = time.perf_counter(), time.process_time()
            result = func()
            own = Run(time.perf_counter() - w0, time.process_time() - c0)
            runs[name].append(result if isinstance(result, Run) else own)
    return runs


def child(args: list[str], **kwargs) -> Run:
    """A command run to its end: wall, and the CPU of it and of every process it waited for
    (its own subtree, through wait4: nothing else on the machine)."""
    with tempfile.TemporaryFile() as err:
        w0 = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, **kwargs)
        with _tree_memory(proc.pid) as tree:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - w0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, args[:4]))}... failed:\n{text[-2000:]}")
    # ru_maxrss would carry this process's own peak across fork and exec: a command's peak
    # memory is the VmHWM it prints itself (PEAK, run with `command`).
    run = Run(wall, usage.ru_utime + usage.ru_stime, err=text, tree_mb=tree["mb"])
    found = re.search(r"PEAK_KB (\d+)", text)
    if found:
        run.peak_mb = int(found.group(1)) / 1024
    return run


@contextlib.contextmanager
def _tree_memory(pid: int, every: float = 0.2):
    """The most resident memory a process and all its descendants held at once, sampled.
    (A worker's own ru_maxrss is no measure: Linux carries the peak of the parent it was
    forked from across its exec.)"""
    import psutil

    found = {"mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            try:
                root = psutil.Process(pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            total = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            found["mb"] = max(found["mb"], total / 2**20)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        yield found
    finally:
        stop.set()
        watcher.join()


# `ntm` run as a child as its executable runs it (cli.command: main, the exit handlers, then
# the end without taking the objects apart), printing at its end its own peak resident memory
# (VmHWM: this process's, not inherited) from its last exit handler.
PEAK = """
import atexit, re, sys

def peak():
    status = open("/proc/self/status").read()
    print("PEAK_KB", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)

atexit.register(peak)
from ntm_lib.cli import command
command()
"""


def command(args: list[str], **kwargs) -> Run:
    """`ntm ARGS...` as a child: wall, CPU (its tree), its own peak memory and its tree's."""
    return child([sys.executable, "-c", PEAK, *args], **kwargs)


def report_args(folder: Path, out: Path, *options: str, set_id: str = "hd-2022-advanced") -> list:
    """`ntm report` on a synthetic folder's data (`synthetic`), into `out`."""
    data = [str(folder / "indicators.csv"), "--communes", str(folder / "communes.csv")]
    return ["report", *data, "--set", set_id, "--out", str(out), *options]


def synthetic(folder: Path, communes: int, years: int) -> Path:
    """A seeded synthetic district (data/make_sample.py) in `folder`, made once."""
    if not (folder / "indicators.csv").is_file():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "data" / "make_sample.py"),
                "--communes",
                str(communes),
                "--years",
                str(years),
                "--out",
                str(folder),
            ],
            check=True,
            capture_output=True,
        )
    return folder


def print_table(rows: list[Row]) -> None:
    head = [
        "measure",
        "ours min / median",
        "unit",
        "reference",
        "ref min / median",
        "ratio",
        "goal",
        "met",
    ]
    body = [r.cells() for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    for line in [head, ["-" * w for w in widths], *body]:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())
    print(
        f"({os.cpu_count()} cores; CPU is this benchmark's own processes only; "
        f"{time.strftime('%Y-%m-%d')})"
    )
