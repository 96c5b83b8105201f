"""Commune reports: `ntm report` against its floor, against the naive loop a user would write,
and against itself after one corrected value.

- floor: per commune, in this process, the notebook's code cells run from the commune's
  slice (what `ntm report` gives each worker) and the nbconvert export of its executed
  notebook; measured for a district of 200 communes and, for the same communes, inside a
  data set of 10,000 (goal: flat, within 10 %);
- ntm report: 200 communes on 2 workers as a child process, CPU of its whole process tree
  (workers included) by wait4; each extra report's CPU, from the difference with a run of 50
  communes, against the floor (goal <= 1.25x); the wall time (goal < 60 s);
- update: in each round, right after that full run, one value of one commune is corrected and
  `ntm report --update` runs on the same folder; then a key indicator's value (its district's
  pages show its median: they are made again too); then an update with nothing changed;
- watch: `ntm report --watch`, started once on its own copy of the data, its workers kept
  warm: one value saved, timed until the new manifest is in place (goal: at most a tenth of
  the full run);
- naive loop: `papermill` then `jupyter nbconvert --to html --no-input`, one commune after
  another, for a few communes;
- with --large, the whole country: 3,300 communes x 5 years with the default workers (goals:
  under 5 minutes, under 1 GB), CPU per report, and the update after one value (< 10 s).

Rounds are interleaved (full run, updates, small run; again): a busy spell slows them alike.

    python benchmarks/bench_reports.py [--communes 200] [--small 50] [--naive 2] [--large]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    REPEAT,
    Row,
    Run,
    child,
    command,
    interleaved,
    print_table,
    report_args,
    synthetic,
)

SET = "hd-2022-advanced"
BIN = Path(sys.executable).parent
NATIONAL = (3_300, 5)


def notebook_code() -> list[str]:
    """The report notebook's code cells after the parameters, display made silent."""
    import nbformat

    from ntm_lib.reports.batch import NOTEBOOK

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    return [
        c.source.replace(
            "from IPython.display import HTML, display", "from IPython.display import HTML"
        )
        for c in nb.cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    ]


def floor(folder: Path, ids: list[str], executed: Path | None):
    """A function giving the CPU seconds per report of the notebook's code (+ the export of
    `executed` notebooks), median over the communes."""
    from ntm_lib.assess.loaded import load_run
    from ntm_lib.reports.html_export import notebook_to_html
    from ntm_lib.reports.slices import write_slices

    data, register = folder / "indicators.csv", folder / "communes.csv"
    run = load_run([str(data)], str(register), SET)
    year = run.checked_year()
    tmp = tempfile.mkdtemp()
    slices = write_slices(Path(tmp), run, year)
    cells = notebook_code()

    def one(cid: str) -> float:
        c0 = time.process_time()
        ns = {
            "data": str(data),
            "communes": str(register),
            "set_id": SET,
            "commune_id": cid,
            "year": year,
            "lang": "vi",
            "output_dir": tmp,
            "cache": str(slices[cid]),
            "plan": "",
            "budget": "",
            "predecessors": {},
            "documents": {},
            "display": lambda *a, **k: None,
        }
        for source in cells:
            exec(source, ns)  # noqa: S102 - our own notebook's code
        if executed is not None:
            page = min(executed.glob(f"{cid}[_-]*{year}.ipynb"))  # code_name-year
            notebook_to_html(page, Path(tmp) / "x.html", cid, "vi")
        return time.process_time() - c0

    one(ids[0])  # warm: imports, fonts, templates (a worker pays these once too)
    return lambda: Run(0.0, statistics.median(one(cid) for cid in ids))


def report(folder: Path, out: Path, *options: str) -> Run:
    return command(report_args(folder, out, *options, set_id=SET))


class Corrections:
    """One value of one commune, corrected and corrected back in turn (each an update)."""

    def __init__(self, folder: Path, commune: str, indicator: str) -> None:
        self.path = folder / "indicators.csv"
        lines = self.path.read_text(encoding="utf-8").splitlines()
        year = max(line.split(",")[1] for line in lines[1:])
        self.at = next(
            n for n, line in enumerate(lines) if line.startswith(f"{commune},{year},{indicator},")
        )
        self.values = [lines[self.at], lines[self.at].rsplit(",", 1)[0] + ",1"]
        self.turn = 0

    def next(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        self.turn = 1 - self.turn
        lines[self.at] = self.values[self.turn]
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def updates(folder: Path, out: Path, ids: list[str], jobs: list[str]) -> dict:
    """The update runs of a round, on `out` just made by a full run."""
    from ntm_lib.criteria.catalogue import load_set

    plain = Corrections(folder, ids[len(ids) // 2], "2.3")
    key = Corrections(folder, ids[len(ids) // 3], load_set(SET).key_indicators[0])

    def corrected(fix: Corrections):
        def run() -> Run:
            fix.next()
            return report(folder, out, "--update", *jobs)

        return run

    return {
        "update": corrected(plain),
        "update_key": corrected(key),
        "unchanged": lambda: report(folder, out, "--update", *jobs),
    }


@contextlib.contextmanager
def watched(folder: Path, out: Path, ids: list[str], jobs: list[str]):
    """`ntm report --watch` on its own copy of the data (the other runs' corrections do not
    reach it), its first round done before the rounds: each call corrects one value and times
    it from the save until the new manifest is in place (the watcher's polling and settling
    included), with the CPU its process tree spent meanwhile."""
    import psutil

    data = out.parent / f"{out.name}-data"
    shutil.copytree(folder, data)
    fix = Corrections(data, ids[len(ids) // 2], "2.3")
    args = [sys.executable, "-m", "ntm_lib", *report_args(data, out, *jobs, set_id=SET)]
    proc = subprocess.Popen(
        [*args, "--watch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    tree = psutil.Process(proc.pid)

    def cpu() -> float:
        total = 0.0
        for p in [tree, *tree.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
        return total

    def stamp():
        with contextlib.suppress(OSError):
            st = os.stat(out / "manifest.json")
            return st.st_ino, st.st_mtime_ns
        return None

    def saved() -> Run:
        before, c0 = stamp(), cpu()
        w0 = time.perf_counter()
        fix.next()
        while stamp() in (before, None):
            if proc.poll() is not None:
                raise SystemExit("ntm report --watch ended")
            time.sleep(0.005)
        wall = time.perf_counter() - w0
        time.sleep(0.5)  # its last words (the waiting line) said, its CPU counted
        return Run(wall, cpu() - c0)

    try:
        while stamp() is None:
            if proc.poll() is not None:
                raise SystemExit("ntm report --watch ended")
            time.sleep(0.1)
        time.sleep(1)
        yield saved
    finally:
        proc.terminate()
        proc.wait()


def naive(folder: Path, out: Path, ids: list[str]):
    from ntm_lib.reports.batch import NOTEBOOK
    from ntm_lib.reports.kernel import ensure_kernel

    kernel = ensure_kernel()
    runs = []
    out.mkdir(parents=True, exist_ok=True)
    for cid in ids:
        nb = out / f"{cid}.ipynb"
        a = child(
            [
                str(BIN / "papermill"),
                str(NOTEBOOK),
                str(nb),
                "-k",
                kernel,
                "-p",
                "data",
                str(folder / "indicators.csv"),
                "-p",
                "communes",
                str(folder / "communes.csv"),
                "-p",
                "set_id",
                SET,
                "-p",
                "commune_id",
                cid,
                "--cwd",
                str(NOTEBOOK.parent),
                "--no-progress-bar",
            ]
        )
        b = child([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)])
        runs.append((a.wall + b.wall, a.cpu + b.cpu))
    return runs


def _ids(folder: Path) -> list[str]:
    lines = (folder / "communes.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",")[0] for line in lines]


def rows(
    communes: int = 200,
    small: int = 50,
    n_naive: int = 2,
    repeat: int = REPEAT,
    large: bool = False,
) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = synthetic(tmp / "district", communes, 2)
        ids = _ids(folder)
        sample = ids[:: max(len(ids) // 10, 1)][:10]
        jobs = ["--jobs", "2"]
        with watched(folder, tmp / "watched", ids, jobs) as watch:
            runs = interleaved(
                {
                    "big": lambda: report(folder, tmp / "big", "--force", *jobs),
                    **updates(folder, tmp / "big", ids, jobs),
                    "watch": watch,
                    "small": lambda: report(
                        folder,
                        tmp / "small",
                        "--force",
                        *jobs,
                        *sum((["--commune", c] for c in ids[:small]), []),
                    ),
                },
                repeat,
            )
        floors = interleaved(
            {
                "base": floor(folder, sample, tmp / "big" / "communes"),
                "code": floor(folder, sample, None),
                "country": floor(synthetic(tmp / "country", 10_000, 2), sample, None),
            },
            repeat,
        )
        loop = naive(folder, tmp / "naive", ids[:n_naive])
        out = report_rows(runs, floors, loop, communes, small)
        if large:
            out += national_rows(tmp, max(repeat - 1, 2))
    return out


def report_rows(runs: dict, floors: dict, loop: list, communes: int, small: int) -> list[Row]:
    big = runs["big"]

    def against_full(name: str, key: str, goal: str = "") -> Row:
        walls = [r.wall for r in runs[key]]
        return Row(name, walls, "s wall", "the full run", [b.wall for b in big], goal)

    extra = [(b.cpu - s.cpu) / (communes - small) for b, s in zip(big, runs["small"])]
    base = [r.cpu for r in floors["base"]]
    out = [
        Row(
            "CPU per extra report (ntm report)",
            extra,
            "s",
            "floor: code + export",
            base,
            "<= 1.25x",
        ),
        Row(
            f"ntm report, {communes} communes, 2 workers",
            [b.wall for b in big],
            "s wall",
            goal="< 60 s",
        ),
        Row(
            "CPU per report (ntm report, all in)",
            [b.cpu / communes for b in big],
            "s",
            "naive loop",
            [cpu for _, cpu in loop],
        ),
        against_full(f"ntm report --update, one value corrected ({communes})", "update"),
        against_full(f"ntm report --watch, one value saved ({communes})", "watch", "<= 0.1x"),
        against_full(f"--update, a key indicator's value ({communes})", "update_key"),
        Row("--update, nothing changed", [r.wall for r in runs["unchanged"]], "s wall"),
        Row(
            "notebook code per report, in 10,000 communes",
            [r.cpu for r in floors["country"]],
            "s",
            f"in {communes} communes",
            [r.cpu for r in floors["code"]],
            "flat (<= 1.1x)",
        ),
    ]
    out[0].ok = out[0].ratio <= 1.25
    out[1].ok = out[1].best < 60
    out[4].ok = out[4].ratio <= 0.1
    out[7].ok = out[7].ratio <= 1.1
    return out


def national_rows(tmp: Path, repeat: int) -> list[Row]:
    """The whole country: the full run with the default workers, and an update after one
    corrected value."""
    communes, years = NATIONAL
    folder = synthetic(tmp / "national", communes, years)
    ids = _ids(folder)
    runs = interleaved(
        {
            "full": lambda: report(folder, tmp / "nation", "--force"),
            "update": updates(folder, tmp / "nation", ids, [])["update"],
        },
        repeat,
    )
    full, update = runs["full"], runs["update"]
    name = f"{communes:,} communes x {years} years"
    out = [
        Row(
            f"ntm report, {name}, default workers", [r.wall for r in full], "s wall", goal="< 300 s"
        ),
        Row(f"CPU per report ({name})", [r.cpu / communes for r in full], "s"),
        Row(f"peak memory ({name}): ntm", [r.peak_mb for r in full], "MB"),
        Row(
            f"peak memory ({name}): ntm and its workers at once",
            [r.tree_mb for r in full],
            "MB",
            goal="< 1,024 MB",
        ),
        Row(
            f"ntm report --update, one value corrected ({name})",
            [r.wall for r in update],
            "s wall",
            "the full run",
            [r.wall for r in full],
            "< 10 s",
        ),
    ]
    out[0].ok = out[0].best < 300
    out[3].ok = max(out[3].ours) < 1024
    out[4].ok = out[4].best < 10
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=200)
    p.add_argument("--small", type=int, default=50)
    p.add_argument("--naive", type=int, default=2)
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument("--large", action="store_true", help="also the whole country (~30 min)")
    args = p.parse_args()
    print_table(rows(args.communes, args.small, args.naive, args.repeat, args.large))


if __name__ == "__main__":
    main()
