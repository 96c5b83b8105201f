"""`ntm assess` end to end on large inputs: read, check, score, write every table.

Generates a synthetic district of N communes x Y years (data/make_sample.py), then runs the
real command in a child process, R times, and prints for each size the wall time, the CPU
time of that process alone (not the machine's), and its peak memory (max RSS), as min and
median over the runs. Asserts nothing: the figures are compared with the goals by a person.

    python benchmarks/bench_assess.py [--sizes 10000x5,30000x1] [--repeat 3]

30,000 communes x 1 year of the Hải Dương advanced set is about a million input rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import resource, sys, time
from ntm_lib.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"BENCH {code} {wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss / 1024}",
      file=sys.stderr)
"""


def run_once(folder: Path, out: Path) -> tuple[float, float, float]:
    """(wall s, CPU s of this process, peak RSS MB) of one `ntm assess`."""
    proc = subprocess.run(
        [sys.executable, "-c", RUN, "assess", str(folder / "indicators.csv"), "--communes",
         str(folder / "communes.csv"), "--set", "hd-2022-advanced", "--out", str(out),
         "--force"], capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH ")), None)
    if line is None or line.split()[1] != "0":
        raise SystemExit(f"ntm assess failed:\n{proc.stderr[-2000:]}")
    _, _, wall, cpu, rss = line.split()
    return float(wall), float(cpu), float(rss)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="10000x5,30000x1",
                   help="communes x years, comma-separated")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    print(f"{'size':>12} {'input rows':>11} {'wall s (min/med)':>18} {'CPU s (min/med)':>17} "
          f"{'peak MB (max)':>14}")
    for size in args.sizes.split(","):
        communes, years = (int(x) for x in size.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "in"
            subprocess.run([sys.executable, str(ROOT / "data" / "make_sample.py"), "--communes",
                            str(communes), "--years", str(years), "--out", str(folder)],
                           check=True, capture_output=True)
            with open(folder / "indicators.csv", "rb") as fh:
                rows = sum(1 for _ in fh) - 1
            runs = [run_once(folder, Path(tmp) / "out") for _ in range(args.repeat)]
            walls, cpus, rss = zip(*runs)
            print(f"{size:>12} {rows:>11,} {min(walls):>8.1f} / {statistics.median(walls):<7.1f} "
                  f"{min(cpus):>8.1f} / {statistics.median(cpus):<6.1f} {max(rss):>14,.0f}")
    print(f"({os.cpu_count()} cores; CPU counts the ntm process alone; "
          f"run on {time.strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
