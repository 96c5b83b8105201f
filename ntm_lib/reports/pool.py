"""Running a batch's jobs: on a process pool of ours, on a Dask cluster, or on any
concurrent.futures executor given.

A worker of our pool that dies (a notebook that crashes it, the kernel's OOM killer, a signal)
breaks the pool and every job then in flight with it. Only as many jobs as there are workers
are ever in flight, so those are the only suspects: each is run again alone, in a fresh pool
of one worker, and only the one that kills its worker again is failed; the others, and every
job not yet started, go on in a fresh pool. A job that outlives its --timeout by GRACE_S
(stuck where the worker's own alarm cannot reach it) has its workers killed the same way.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool

from tqdm import tqdm

from ..errors import UsageError
from ..i18n import t
from .batch import Job, Outcome, fmt_seconds, render_commune
from .worker import default_executor, give_back, may_draw, stop, take, warm_workers

GRACE_S = 30.0  # beyond a job's own timeout, before the parent kills its worker
# A worker's start (its imports, the exporter, its shell: about 2 s) costs about what this
# many pages do, beside a parent still writing its tables on two cores: fewer pages are made
# sooner by the one worker already warm (20 pages of a national update: 2.6-3.2 s on one,
# 3.5-3.9 s on two, measured).
PAGES_PER_START = 24
POLL_S = 1.0


def _pool(workers: int, charts: bool) -> ProcessPoolExecutor:
    """The pool started ahead when it has room for `workers` (worker.take), else a new one."""
    return take(workers) or default_executor(workers, charts)


def run_jobs(
    todo: list[Job], jobs: int, executor: Executor | None = None, scheduler: str | None = None
) -> list[Outcome]:
    """Every job on the executor given, a Dask cluster (`scheduler`), or a pool of ours."""
    if not todo:
        return []
    outcomes: list[Outcome] = []
    with _progress(len(todo)) as done:

        def record(outcome: Outcome) -> None:
            outcomes.append(outcome)
            done(outcome)

        if executor is not None:
            _on_executor(todo, executor, record)
        elif scheduler:
            with dask_executor(scheduler) as cluster:
                _on_executor(todo, cluster, record)
        else:
            _on_own_pools(todo, jobs, record)
    return outcomes


@contextlib.contextmanager
def _progress(total: int):
    bar = tqdm(total=total, unit="xã", desc="ntm report", file=sys.stderr, disable=None)
    counts = {"ok": 0, "failed": 0}

    def done(outcome: Outcome) -> None:
        counts["ok" if outcome.ok else "failed"] += 1
        bar.update(1)
        bar.set_postfix(
            done=counts["ok"],
            failed=counts["failed"],
            remaining=total - counts["ok"] - counts["failed"],
        )

    try:
        yield done
    finally:
        bar.close()


def died(job: Job, error: BaseException | None = None) -> Outcome:
    """The outcome of a job whose worker died under it."""
    message = t("report_worker_died", job.parameters["lang"])
    if error is not None and not isinstance(error, BrokenProcessPool):
        message += f" ({type(error).__name__}: {error})"[:300]
    return Outcome(job.commune_id, job.year, False, 0.0, "", error=message, inputs=job.inputs)


def _on_executor(todo: list[Job], executor: Executor, record: Callable) -> None:
    """On an executor not ours (a cluster's): a job whose worker is lost (Dask gives up on
    it after its own retries) fails alone; the others are the executor's to run."""
    futures = {executor.submit(render_commune, job): job for job in todo}
    for future in as_completed(futures):
        try:
            record(future.result())
        except Exception as exc:  # noqa: BLE001 - the executor's way of saying a worker died
            record(died(futures[future], exc))


def _on_own_pools(todo: list[Job], jobs: int, record: Callable) -> None:
    waiting = deque(todo)
    charts = draws_charts(todo)
    while waiting:
        # A worker already warm, kept from an earlier run, costs nothing to use.
        workers = max(workers_for(jobs, len(waiting)), min(jobs, len(waiting), warm_workers()))
        suspects = _round(waiting, workers, record, charts)
        for job, overdue in _alone([job for job, _ in suspects], record, charts):
            record(timed_out(job) if overdue else died(job))


def workers_for(jobs: int, pages: int) -> int:
    """How many workers make `pages`: at most `jobs`, and one more per PAGES_PER_START."""
    return max(1, min(jobs, pages, 1 + pages // PAGES_PER_START))


def timed_out(job: Job) -> Outcome:
    """The outcome of a job stuck beyond its timeout, where its worker's alarm could not end
    it: the parent killed the worker."""
    message = t("report_timeout", job.parameters["lang"], seconds=fmt_seconds(job.timeout))
    return Outcome(job.commune_id, job.year, False, 0.0, "", error=message, inputs=job.inputs)


def draws_charts(todo: list[Job]) -> bool:
    """Whether pages of these jobs may draw through matplotlib: a plan's seaborn charts, or
    anything a notebook of one's own does."""
    return any(may_draw(job.parameters.get("plan"), job.notebook) for job in todo)


def _round(
    waiting: deque, workers: int, record: Callable, charts: bool = True
) -> list[tuple[Job, bool]]:
    """Jobs from `waiting` on a fresh pool, `workers` at a time, until none is left or a
    worker dies or is stuck; returns the jobs then in flight (and whether each was stuck)."""
    pool = _pool(workers, charts)
    flight: dict = {}
    finished = False  # every job done: a pool left mid-batch may hold a stuck or dying worker
    try:
        while waiting or flight:
            while waiting and len(flight) < workers:
                job = waiting.popleft()
                flight[pool.submit(render_commune, job)] = (job, time.monotonic())
            done, _ = wait(flight, timeout=POLL_S, return_when=FIRST_COMPLETED)
            broken = _collect(done, flight, record)
            stuck = [job for job, started in flight.values() if _overdue(job, started)]
            if broken or stuck:
                rest = [job for job, _ in flight.values()]
                return [(job, False) for job in broken] + [(job, job in stuck) for job in rest]
        finished = True
    finally:
        # Killed even when idle: every job's files are written and its outcome received, and
        # a worker's orderly exit (its interpreter's teardown: IPython, pandas, their atexit
        # work) keeps the run waiting over half a second. A watching command keeps it warm.
        if not (finished and give_back(pool)):
            stop(pool, kill=True)
    return []


def _collect(done, flight: dict, record: Callable) -> list[Job]:
    """Record the finished jobs; return those a dying worker took down."""
    broken = []
    for future in done:
        job, _ = flight.pop(future)
        try:
            record(future.result())
        except BrokenProcessPool:
            broken.append(job)
    return broken


def _overdue(job: Job, started: float) -> bool:
    return job.timeout is not None and time.monotonic() - started > job.timeout + GRACE_S


def _alone(suspects: list[Job], record: Callable, charts: bool) -> list[tuple[Job, bool]]:
    """Run each suspect alone in a pool of one worker; return those that killed it again (or
    were stuck again), each with whether it was stuck."""
    guilty: list[tuple[Job, bool]] = []
    queue = deque(suspects)
    while queue:
        guilty += _round(queue, 1, record, charts)
    return guilty


@contextlib.contextmanager
def dask_executor(address: str):
    """A concurrent.futures executor on an existing Dask cluster (optional: ntm-assess[dask]).
    Workers must see the same files at the same paths and have ntm-assess installed."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise UsageError(t("report_dask_missing", None)) from exc
    client = Client(address, set_as_default=False)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
