"""A commune page's CPU inside a worker: this checkout against a reference, side by side.

Each side runs as a child process of its own (the reference: another interpreter, or this one
with PYTHONPATH pointing at another checkout, e.g. `git archive main | tar -x -C REF`). The
child does what a worker of `ntm report`'s pool does, in one process: the district slices
written, the worker warmed (`batch.warm_worker`), then each commune's job run by
`batch.render_commune` (papermill's run of the notebook in the worker's own shell, the export
by nbconvert), each timed by this process's CPU. The first page (the worker settling) is left
out. Rounds are interleaved (reference, this; again): a busy spell slows both alike. Prints,
for each side, the min and median over rounds of the median CPU per page, and their ratio.

    python benchmarks/bench_page_cpu.py DATA_FOLDER [--communes 60] [--rounds 3] \\
        [--reference PYTHON] [--reference-path REF_CHECKOUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SET = "hd-2022-advanced"


def pages(data: Path, communes: int) -> list[float]:
    """In this process, as a worker: each page's CPU seconds (the first left out)."""
    from ntm_lib.assess.loaded import load_run
    from ntm_lib.reports import batch
    from ntm_lib.reports.slices import write_slices

    run = load_run([str(data / "indicators.csv")], str(data / "communes.csv"), SET)
    year = run.checked_year()
    ids = batch.choose_communes(run, year, None)[: communes + 1]
    tmp = Path(tempfile.mkdtemp())
    slices = write_slices(tmp / ".cache", run, year, wanted=set(ids))
    shared = {
        "data": [str(data / "indicators.csv")],
        "communes": str(data / "communes.csv"),
        "set_id": SET,
        "lang": "vi",
        "plan": None,
        "budget": None,
        "predecessors": {},
    }
    (tmp / "communes").mkdir()
    jobs = batch.make_jobs(
        run,
        ids,
        year,
        tmp / "communes",
        batch.NOTEBOOK,
        shared,
        slices,
        300.0,
        {c: {} for c in ids},
    )
    batch._DEDICATED = True  # as reports.pool's initializer sets it
    batch.warm_worker()
    out = []
    for job in jobs:
        c0 = time.process_time()
        outcome = batch.render_commune(job)
        out.append(time.process_time() - c0)
        if not outcome.ok:
            raise SystemExit(f"{job.commune_id}: {outcome.error}")
    return out[1:]


def side(python: str, path: str | None, data: Path, communes: int) -> list[float]:
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    if path:
        env["PYTHONPATH"] = path
    code = (
        f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        "from bench_page_cpu import pages; "
        f"print(json.dumps(pages(__import__('pathlib').Path({str(data)!r}), {communes})))"
    )
    done = subprocess.run(
        [python, "-c", code], env=env, check=True, capture_output=True, text=True, cwd="/"
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--communes", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reference", help="the reference's Python (default: this one)")
    parser.add_argument("--reference-path", help="PYTHONPATH for the reference (a checkout)")
    args = parser.parse_args()
    sides = {"reference": (args.reference or sys.executable, args.reference_path)}
    sides["this"] = (sys.executable, str(Path(__file__).resolve().parents[1]))
    medians: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, (python, path) in sides.items():
            medians[name].append(statistics.median(side(python, path, args.data, args.communes)))
    for name, values in medians.items():
        print(
            f"{name:9s} CPU per page, median of {args.communes} pages: "
            f"min {min(values) * 1000:.1f} ms / median {statistics.median(values) * 1000:.1f} ms"
        )
    ratios = [t / r for t, r in zip(medians["this"], medians["reference"])]
    print(f"this / reference: {statistics.median(ratios):.3f}x (median of the rounds' ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
