"""Commune reports: `ntm report` against the floor (the cost of the notebook's own code and of
the HTML export) and against the naive loop a user would write.

- floor: per commune, in this process, the notebook's code cells run from the commune's
  slice (what `ntm report` gives each worker) and the nbconvert export of its executed
  notebook; measured for a district of 200 communes and, for the same communes, inside a
  data set of 10,000 (goal: flat, within 10 %);
- ntm report: 200 communes on 2 workers as a child process, CPU of its whole process tree
  (workers and kernels included) by wait4; each extra report's CPU, from the difference with
  a run of 50 communes, against the floor (goal <= 1.25x); the wall time (goal < 60 s);
- naive loop: `papermill` then `jupyter nbconvert --to html --no-input`, one commune after
  another, for a few communes.

    python benchmarks/bench_reports.py [--communes 200] [--small 50] [--naive 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPEAT, Row, child, print_table, synthetic  # noqa: E402

SET = "hd-2022-advanced"
BIN = Path(sys.executable).parent


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


def floor(folder: Path, ids: list[str], executed: Path | None, repeat: int) -> list[float]:
    """CPU seconds per report of the notebook's code (+ the export of `executed` notebooks),
    median over the communes, once per round."""
    from ntm_lib.assess.loaded import load_run
    from ntm_lib.reports.html_export import notebook_to_html
    from ntm_lib.reports.slices import write_slices

    data, register = folder / "indicators.csv", folder / "communes.csv"
    run = load_run([str(data)], str(register), SET)
    year = run.checked_year()
    with tempfile.TemporaryDirectory() as tmp:
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
        return [statistics.median(one(cid) for cid in ids) for _ in range(repeat)]


def report(folder: Path, out: Path, jobs: int, communes: list[str] | None = None):
    args = [
        str(BIN / "ntm"),
        "report",
        str(folder / "indicators.csv"),
        "--communes",
        str(folder / "communes.csv"),
        "--set",
        SET,
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--force",
    ]
    for cid in communes or []:
        args += ["--commune", cid]
    return child(args)


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


def rows(communes: int = 200, small: int = 50, n_naive: int = 3, repeat: int = REPEAT) -> list[Row]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = synthetic(tmp / "district", communes, 2)
        ids = [
            line.split(",")[0]
            for line in (folder / "communes.csv").read_text(encoding="utf-8").splitlines()[1:]
        ]
        big = [report(folder, tmp / "big", 2) for _ in range(repeat)]
        little = [report(folder, tmp / "small", 2, ids[:small]) for _ in range(repeat)]
        sample = ids[:: max(len(ids) // 10, 1)][:10]
        base = floor(folder, sample, tmp / "big" / "communes", repeat)
        country = floor(synthetic(tmp / "country", 10_000, 2), sample, None, repeat)
        code_only = floor(folder, sample, None, repeat)
        loop = naive(folder, tmp / "naive", ids[:n_naive])

    extra = [(b.cpu - s.cpu) / (communes - small) for b, s in zip(big, little)]
    row = Row(
        "CPU per extra report (ntm report)", extra, "s", "floor: code + export", base, "<= 1.25x"
    )
    row.ok = row.ratio <= 1.25
    out.append(row)
    row = Row(
        f"ntm report, {communes} communes, 2 workers",
        [b.wall for b in big],
        "s wall",
        goal="< 60 s",
    )
    row.ok = row.median < 60
    out.append(row)
    out.append(
        Row(
            "CPU per report (ntm report, all in)",
            [b.cpu / communes for b in big],
            "s",
            "naive loop",
            [cpu for _, cpu in loop],
        )
    )
    row = Row(
        "notebook code per report, in 10,000 communes",
        country,
        "s",
        f"in {communes} communes",
        code_only,
        "flat (<= 1.1x)",
    )
    row.ok = row.ratio <= 1.1
    out.append(row)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=200)
    p.add_argument("--small", type=int, default=50)
    p.add_argument("--naive", type=int, default=3)
    p.add_argument("--repeat", type=int, default=REPEAT)
    args = p.parse_args()
    print_table(rows(args.communes, args.small, args.naive, args.repeat))


if __name__ == "__main__":
    main()
