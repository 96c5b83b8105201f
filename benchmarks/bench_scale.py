"""Reports for many synthetic communes: throughput and CPU per report, 1 and 2 workers, against
the naive loop, so the cost of a province or of the country can be extrapolated.

Generates N communes (data/make_sample.py --communes N --years 2), renders one report per
commune for the latest year with `ntm report` at 1 and 2 workers, and the naive loop
(`papermill` then `jupyter nbconvert`, one commune after another) on the first K communes.
Prints figures; asserts nothing.

    python benchmarks/bench_scale.py [--communes 200] [--naive 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SET = "hd-2022-advanced"


def busy_cpu_s() -> float:
    import psutil
    times = psutil.cpu_times()
    return times.user + times.system + getattr(times, "nice", 0.0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=200)
    p.add_argument("--naive", type=int, default=10, help="communes for the naive loop")
    args = p.parse_args()

    from ntm_lib.reports.batch import NOTEBOOK, run_report
    from ntm_lib.reports.kernel import ensure_kernel

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, str(ROOT / "data" / "make_sample.py"), "--communes",
                        str(args.communes), "--years", "2", "--out", str(tmp / "data")],
                       check=True, capture_output=True)
        data, register = tmp / "data" / "indicators.csv", tmp / "data" / "communes.csv"
        rows = []
        for workers in (1, 2):
            t0, c0 = time.perf_counter(), busy_cpu_s()
            run_report([str(data)], str(register), SET, tmp / f"out{workers}", jobs=workers)
            rows.append((f"ntm report, {workers} worker(s)", args.communes,
                         time.perf_counter() - t0, busy_cpu_s() - c0))
        kernel = ensure_kernel()
        ids = [line.split(",")[0] for line in register.read_text().splitlines()[1:]][: args.naive]
        t0, c0 = time.perf_counter(), busy_cpu_s()
        for cid in ids:
            out = tmp / "naive" / f"{cid}.ipynb"
            out.parent.mkdir(exist_ok=True)
            subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(out), "-k", kernel,
                            "-p", "data", str(data), "-p", "communes", str(register),
                            "-p", "set_id", SET, "-p", "commune_id", cid,
                            "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"],
                           check=True, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                            str(out)], check=True, capture_output=True)
        rows.append(("naive loop (papermill + nbconvert)", len(ids), time.perf_counter() - t0,
                     busy_cpu_s() - c0))

    print(f"synthetic communes: {args.communes}; cores: {os.cpu_count()}")
    print(f"{'run':38s} {'reports':>7s} {'seconds':>8s} {'reports/min':>11s} {'CPU s/report':>12s}")
    for name, n, secs, cpu in rows:
        print(f"{name:38s} {n:7d} {secs:8.1f} {60 * n / secs:11.1f} {cpu / n:12.2f}")
    best = max(60 * n / s for _, n, s, _ in rows[:2])
    print(f"at {best:.0f} reports/min, 10,000 communes take about {10_000 / best / 60:.1f} h "
          "on one such machine (CPU s/report is machine-wide: run it on an idle machine)")


if __name__ == "__main__":
    main()
