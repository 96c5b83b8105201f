"""Intake and scoring on a large synthetic data set, each beside its reference.

- intake: `load_inputs` (read, clean, parse, check every cell) against a plain
  `pandas.read_csv` of the same file; goal >= 1 M rows/s and within 8x of read_csv.
- verdicts: the scoring kernel (`verdicts` + `criteria_verdicts`: indicator status and gap,
  criterion counts and status) against the same comparisons written plainly in numpy, one
  rule at a time; goal >= 20 M verdicts/s and within 3x.
- score(): the kernel plus laying out the long tables every command writes (no goal: it is
  printed so that the cost of the tables stays in view).

All in this process, CPU by `time.process_time()`.

    python benchmarks/bench_scoring.py [--communes 10000] [--years 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPEAT, Row, interleaved, print_table, synthetic, timed  # noqa: E402


def bare_numpy(values, thr, ops, unknown, not_applicable, member):
    """The reference: the same verdicts, as plainly as numpy allows."""
    met = np.zeros(values.shape, dtype=bool)
    for j, op in enumerate(ops):
        v, t = values[:, j], thr[:, j]
        met[:, j] = {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t, "==": v == t}[op]
    status = np.where(
        unknown, 5, np.where(not_applicable, 3, np.where(np.isnan(values), 2, np.where(met, 0, 1)))
    )
    return status, (status == 0).astype(np.float32) @ member


def rows(communes: int, years: int, repeat: int = REPEAT) -> list[Row]:
    from ntm_lib import load_set

    cset = load_set("hd-2022-advanced")
    with tempfile.TemporaryDirectory() as tmp:
        folder = synthetic(Path(tmp), communes, years)
        row, inputs = intake_row(folder, cset, repeat)
    return [row, *kernel_rows(cset, inputs, repeat)]


def intake_row(folder: Path, cset, repeat: int):
    """The intake against read_csv; returns its row and the inputs read."""
    import pandas as pd

    from ntm_lib import load_inputs

    data, register = folder / "indicators.csv", folder / "communes.csv"
    runs = interleaved(
        {
            "reads": lambda: pd.read_csv(data),
            "intake": lambda: load_inputs([data], register, cset),
        },
        repeat,
    )
    inputs = load_inputs([data], register, cset)
    n = len(inputs.data)
    row = Row(
        f"intake of {n:,} rows (CPU)",
        [n / r.cpu for r in runs["intake"]],
        "rows/s",
        "pandas.read_csv",
        [n / r.cpu for r in runs["reads"]],
        ">= 1 M/s, <= 8x",
        rate=True,
    )
    row.ok = row.best >= 1e6 and row.ratio <= 8
    return row, inputs


def kernel_rows(cset, inputs, repeat: int) -> list[Row]:
    """The scoring kernel against bare numpy, and score() with its long tables."""
    from ntm_lib import score
    from ntm_lib.assess.scoring import STATUS, criteria_verdicts, verdicts

    a = score(cset, inputs.register, inputs.data)
    n_inds = len(cset.indicators)
    ind = a.indicators
    shape = (len(ind) // n_inds, n_inds)
    values = ind["value"].to_numpy(float).reshape(shape)
    thr = ind["threshold"].to_numpy(float).reshape(shape)
    status = ind["status"].astype(str).to_numpy().reshape(shape)
    unknown, na = status == "no_threshold", status == "not_applicable"
    ops = [i.rule.op for i in cset.indicators]
    crit = [c.number for c in cset.criteria]
    member = np.zeros((n_inds, len(crit)), dtype=np.float32)
    member[np.arange(n_inds), [crit.index(i.criterion) for i in cset.indicators]] = 1

    def ours():
        st, _ = verdicts(values, thr, ops, unknown, na)
        criteria_verdicts(st, member)

    st, _ = verdicts(values, thr, ops, unknown, na)
    assert (STATUS[st] == status).all(), "the kernel disagrees with score()"
    runs = interleaved(
        {"ours": ours, "ref": lambda: bare_numpy(values, thr, ops, unknown, na, member)},
        max(repeat, 5),
    )
    v = values.size
    row = Row(
        "scoring kernel (CPU)",
        [v / r.cpu for r in runs["ours"]],
        "verdicts/s",
        "bare numpy",
        [v / r.cpu for r in runs["ref"]],
        ">= 20 M/s, <= 3x",
        rate=True,
    )
    row.ok = row.best >= 20e6 and row.ratio <= 3
    whole = timed(lambda: score(cset, inputs.register, inputs.data), repeat)
    return [
        row,
        Row(
            "score() with its long tables (CPU)",
            [v / r.cpu for r in whole],
            "verdicts/s",
            rate=True,
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--communes", type=int, default=10_000)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--repeat", type=int, default=REPEAT)
    args = p.parse_args()
    print_table(rows(args.communes, args.years, args.repeat))


if __name__ == "__main__":
    main()
