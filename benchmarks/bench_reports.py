"""Batch reports (`ntm report`) against the naive loop a user would write.

The naive loop runs, for each commune one after another, the `papermill` command and then
`jupyter nbconvert --to html --no-input`. `ntm report` scores the data once, runs the notebooks
in parallel worker processes and exports in-process. Both render the same notebook for the
same communes; the script checks that each commune's status line appears in both pages, then
prints throughputs and their ratio. It asserts nothing about speed.

    python benchmarks/bench_reports.py [--jobs 2] [--communes N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "sample" / "indicators.csv"
REGISTER = ROOT / "data" / "sample" / "communes.csv"
SET = "hd-2022-advanced"
BIN = Path(sys.executable).parent


def busy_cpu_s() -> float:
    """CPU seconds used by the whole machine so far (workers and kernels are not our children)."""
    import psutil
    times = psutil.cpu_times()
    return times.user + times.system + getattr(times, "nice", 0.0)


def status_line(html: str) -> str:
    match = re.search(r'<p class="overall[^"]*"[^>]*>(.*?)</p>', html)
    return match.group(1) if match else ""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--communes", type=int, help="only the first N communes (default: all)")
    args = p.parse_args()

    import pandas as pd

    from ntm_lib.reports.batch import NOTEBOOK, run_report
    from ntm_lib.reports.kernel import ensure_kernel
    ids = pd.read_csv(REGISTER, dtype=str)["commune_id"].tolist()[: args.communes]
    year = 2025
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0, c0 = time.perf_counter(), busy_cpu_s()
        run_report([str(DATA)], str(REGISTER), SET, tmp / "batch", communes=ids, year=year,
                   jobs=args.jobs)
        batch_s = time.perf_counter() - t0
        c1 = busy_cpu_s()
        batch_cpu = c1 - c0

        kernel = ensure_kernel()
        naive_dir = tmp / "naive"
        naive_dir.mkdir()
        t0 = time.perf_counter()
        for cid in ids:
            out = naive_dir / f"{cid}-{year}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(out), "-k", kernel,
                            "-p", "data", str(DATA), "-p", "communes", str(REGISTER),
                            "-p", "set_id", SET, "-p", "commune_id", cid, "-p", "year", str(year),
                            "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"],
                           check=True, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                            str(out)], check=True, capture_output=True)
        naive_s = time.perf_counter() - t0
        naive_cpu = busy_cpu_s() - c1

        same = 0
        for cid in ids:
            ours = (tmp / "batch" / "communes" / f"{cid}-{year}.html").read_text(encoding="utf-8")
            theirs = (naive_dir / f"{cid}-{year}.html").read_text(encoding="utf-8")
            same += bool(status_line(ours)) and status_line(ours) == status_line(theirs)

    n = len(ids)
    print(f"communes: {n}, year {year}, workers: {args.jobs}, cores: {os.cpu_count()}")
    print(f"ntm report:  {batch_s:6.1f} s  {60 * n / batch_s:6.1f} reports/min  "
          f"{batch_cpu / n:5.2f} CPU s/report (whole machine)")
    print(f"naive loop:  {naive_s:6.1f} s  {60 * n / naive_s:6.1f} reports/min  "
          f"{naive_cpu / n:5.2f} CPU s/report (whole machine)")
    print(f"throughput ratio (ntm report / naive): {naive_s / batch_s:.2f}x")
    print(f"same status line in both pages: {same}/{n}")


if __name__ == "__main__":
    main()
