"""Every benchmark, one table: `make bench`.

Runs the intake and scoring figures (bench_scoring), `ntm assess` end to end
(bench_assess) and the commune reports with their updates (bench_reports), each beside its
reference and goal. Takes under ten minutes on a quiet 2-core machine; --large adds the
largest sizes (30,000 communes to assess, the whole country's reports: about half an hour).
The README quotes its last output.

    python benchmarks/bench.py [--repeat 3] [--quick | --large]
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
    p.add_argument(
        "--large",
        action="store_true",
        help="also the largest sizes: 30,000 communes assessed, the whole country reported",
    )
    args = p.parse_args()
    if args.quick:
        rows = (
            bench_scoring.rows(500, 2, args.repeat)
            + bench_assess.rows([(500, 2)], args.repeat)
            + bench_reports.rows(12, 4, 1, args.repeat)
        )
    else:
        sizes = [(10_000, 5)] + ([(30_000, 1)] if args.large else [])
        rows = (
            bench_scoring.rows(10_000, 5, args.repeat)
            + bench_assess.rows(sizes, args.repeat)
            + bench_reports.rows(200, 50, 2, args.repeat, large=args.large)
        )
    print_table(rows)
    if any(r.ok is False for r in rows):
        print("Some goals are not met on this run (see the last column).")


if __name__ == "__main__":
    main()
