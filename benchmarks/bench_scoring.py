"""Scoring throughput and peak memory on a large synthetic data set.

Generates N communes x Y years for the Hải Dương advanced set (data/make_sample.py), reads it
once, then times `score()` alone (the vectorised engine) and the intake separately. Prints
figures; asserts nothing (timings on shared machines are noisy: compare within one run).

    python benchmarks/bench_scoring.py [--communes 10000] [--years 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=10_000)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    from ntm_lib import load_inputs, load_set, score

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "data" / "make_sample.py"), "--communes",
                        str(args.communes), "--years", str(args.years), "--out", tmp], check=True)
        cset = load_set("hd-2022-advanced")
        t0 = time.perf_counter()
        inputs = load_inputs([Path(tmp) / "indicators.csv"], Path(tmp) / "communes.csv", cset)
        intake_s = time.perf_counter() - t0
        rss_after_intake = peak_rss_mb()

        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            assessment = score(cset, inputs.register, inputs.data)
            best = min(best, time.perf_counter() - t0)
        verdicts = len(assessment.indicators)

    print(f"communes x years: {args.communes} x {args.years}; indicators in set: {len(cset.indicators)}")
    print(f"input rows: {len(inputs.data):,}; indicator verdicts: {verdicts:,}")
    print(f"intake (read + parse + validate): {intake_s:.2f} s "
          f"({len(inputs.data) / intake_s:,.0f} rows/s)")
    print(f"scoring, best of {args.repeat}: {best:.3f} s -> {verdicts / best:,.0f} verdicts/s "
          f"(one process, {os.cpu_count()} cores on the machine)")
    print(f"peak memory (RSS): {peak_rss_mb():,.0f} MB (after intake: {rss_after_intake:,.0f} MB)")


if __name__ == "__main__":
    main()
