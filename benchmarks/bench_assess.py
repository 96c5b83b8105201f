"""`ntm assess` end to end on large inputs: read, check, score, write every table.

Generates a synthetic district of N communes x Y years (data/make_sample.py), then runs the
real command in a child process, R times, and prints for each size the wall time, the CPU
time of that process alone (not the machine's), and its peak memory (max RSS), as min and
median over the runs, beside the goals of issue 15 (10,000 x 5 in < 8 s and 1 GB; 30,000 x 1,
a million rows, in < 30 s and 1.5 GB). The peak is that of the `ntm assess` process.

    python benchmarks/bench_assess.py [--sizes 10000x5,30000x1] [--repeat 3]

30,000 communes x 1 year of the Hải Dương advanced set is about a million input rows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPEAT, Row, Run, command, print_table, synthetic  # noqa: E402


def run_once(folder: Path, out: Path) -> Run:
    """One `ntm assess`: wall, CPU of its process (and any it waited for), its peak RSS."""
    return command(
        [
            "assess",
            str(folder / "indicators.csv"),
            "--communes",
            str(folder / "communes.csv"),
            "--set",
            "hd-2022-advanced",
            "--out",
            str(out),
            "--force",
        ]
    )


# The goals of issue 15: (communes, years) -> (seconds, MB).
GOALS = {(10_000, 5): (8, 1024), (30_000, 1): (30, 1536)}


def rows(sizes: list[tuple[int, int]], repeat: int = REPEAT) -> list[Row]:
    out = []
    for communes, years in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = synthetic(Path(tmp) / "in", communes, years)
            with open(folder / "indicators.csv", "rb") as fh:
                n = sum(1 for _ in fh) - 1
            runs = [run_once(folder, Path(tmp) / "out") for _ in range(repeat)]
        goal = GOALS.get((communes, years))
        name = f"ntm assess {communes:,} x {years} ({n:,} rows)"
        wall = Row(
            f"{name}, wall", [r.wall for r in runs], "s", goal=f"< {goal[0]} s" if goal else ""
        )
        cpu = Row(f"{name}, CPU", [r.cpu for r in runs], "s")
        peak = Row(
            f"{name}, peak memory",
            [r.peak_mb for r in runs],
            "MB",
            goal=f"< {goal[1]:,} MB" if goal else "",
        )
        if goal:
            wall.ok, peak.ok = wall.best < goal[0], max(peak.ours) < goal[1]
        out += [wall, cpu, peak]
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="10000x5,30000x1", help="communes x years, comma-separated")
    p.add_argument("--repeat", type=int, default=REPEAT)
    args = p.parse_args()
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
    print_table(rows(sizes, args.repeat))


if __name__ == "__main__":
    main()
