"""Every benchmark, one table: `make bench`.

Runs the intake and scoring figures (bench_scoring), `ntm assess` end to end
(bench_assess) and the commune reports (bench_reports), each beside its reference and goal.
Takes about ten minutes on a 2-core machine. The README quotes its last output.

    python benchmarks/bench.py [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_assess  # noqa: E402
import bench_reports  # noqa: E402
import bench_scoring  # noqa: E402
from common import REPEAT, print_table  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=REPEAT)
    p.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, to check the benchmarks run (figures not comparable)",
    )
    args = p.parse_args()
    if args.quick:
        rows = (
            bench_scoring.rows(500, 2, args.repeat)
            + bench_assess.rows([(500, 2)], args.repeat)
            + bench_reports.rows(12, 4, 1, args.repeat)
        )
    else:
        rows = (
            bench_scoring.rows(10_000, 5, args.repeat)
            + bench_assess.rows([(10_000, 5), (30_000, 1)], args.repeat)
            + bench_reports.rows(200, 50, 3, args.repeat)
        )
    print_table(rows)
    if any(r.ok is False for r in rows):
        print("Some goals are not met on this run (see the last column).")


if __name__ == "__main__":
    main()
