"""A worker of our own pool: how it is started, what it imports before its first page, and how
it ends with the run that started it.

Nothing heavy is imported here: `ntm report` starts its first worker before it imports what it
needs itself (pandas, the criteria, the report's modules), so that the worker's seconds of
imports run beside the command's own instead of after them (most of an update that makes one
page). A worker learns at its start whether the run's pages may draw through matplotlib (a
plan's seaborn charts, a notebook of one's own): it imports seaborn and pyplot before its
state is taken only then.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

# Seconds a commune's notebook may run before it is failed and the batch goes on.
DEFAULT_TIMEOUT = 300.0
WARM_S = 300.0  # a worker's warm-up (imports, the exporter, its shell), at most
PR_SET_PDEATHSIG = 1

_dedicated = False  # True in a process of our own pool (set by its initializer)


def dedicated() -> bool:
    """Whether this process is a worker of our own pool (nothing but pages runs in it)."""
    return _dedicated


def default_executor(jobs: int, charts: bool = True) -> ProcessPoolExecutor:
    """A pool of `jobs` workers; `charts`: its pages may draw through matplotlib (a plan's
    seaborn charts, a notebook of one's own): seaborn and pyplot imported ahead."""
    # spawn: workers start clean, with the environment of this run (a fork server would keep
    # the environment of the first run of the process), without the parent's threads.
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(os.getpid(), charts),
    )


def may_draw(plan: str | None, notebook: str | Path | None) -> bool:
    """Whether pages may draw through matplotlib: a plan's seaborn charts, or anything a
    notebook of one's own does (`charts` of default_executor and prestarted)."""
    from ..shipped import NOTEBOOK

    return bool(plan) or (notebook is not None and Path(notebook) != NOTEBOOK)


# A pool started ahead (prestarted), or kept warm from an earlier run (kept), by size, with its
# first worker's warm-up.
_ready: dict[int, tuple[ProcessPoolExecutor, Future]] = {}
_keep = False  # inside `kept`: a run gives its pool back instead of stopping it


@contextlib.contextmanager
def prestarted(jobs: int, wanted: bool = True, charts: bool = True):
    """A pool of ours started now, its first worker importing what a page needs while the
    caller imports, reads and scores the data (a worker's start-up is seconds: most of an
    update that makes one page). The first round of the batch takes it (`take`); unused, it is
    stopped at the end of the block (inside `kept`, at the end of that)."""
    if wanted and jobs not in _ready:
        pool = default_executor(jobs, charts)
        _ready[jobs] = (pool, pool.submit(warm_worker))
    try:
        yield
    finally:
        left = _ready.pop(jobs, None) if wanted and not _keep else None
        if left is not None:
            stop(left[0], kill=True)


@contextlib.contextmanager
def kept():
    """Pools of ours outlive each run inside the block (`ntm report --watch`): a run's pool,
    its workers warm and none of them lost, is given back (`give_back`) and the next run
    takes it, its pages made without a worker's start (seconds). All stopped at the end."""
    global _keep
    _keep = True
    try:
        yield
    finally:
        _keep = False
        while _ready:
            stop(_ready.popitem()[1][0], kill=True)


def give_back(pool: ProcessPoolExecutor) -> bool:
    """Inside `kept`, keep a pool whose run is over for the next run; False (the caller
    stops it) outside or for a broken pool. One pool is kept, the one with more workers
    (a run whose worker died ends with a pool of one beside its other pool)."""
    if not _keep or getattr(pool, "_broken", False):
        return False
    for size, (other, _) in list(_ready.items()):
        if _workers(other) >= _workers(pool):
            return False
        stop(_ready.pop(size)[0], kill=True)
    done: Future = Future()
    done.set_result(None)
    _ready[getattr(pool, "_max_workers", 0)] = (pool, done)
    return True


def _workers(pool: ProcessPoolExecutor) -> int:
    return len(getattr(pool, "_processes", None) or {})


def warm_workers() -> int:
    """How many workers a kept pool has ready (0 when none is kept: a pool started ahead
    has one worker warming, the others are started by their first pages)."""
    kept_pools = [pool for pool, warming in _ready.values() if warming.done() and _keep]
    return max((_workers(pool) for pool in kept_pools), default=0)


def take(workers: int) -> ProcessPoolExecutor | None:
    """The pool started ahead or kept, if it has room for `workers`, once its first worker is
    warm (a job given sooner would start a second, cold worker: slower than waiting, for an
    update that makes one page); None when there is none (or it broke meanwhile)."""
    for size in sorted(_ready):
        if size >= workers:
            pool, warming = _ready.pop(size)
            if getattr(pool, "_broken", False):  # a worker lost while it waited
                stop(pool, kill=True)
                return None
            return pool if _warmed(pool, warming) else None
    return None


def _warmed(pool: ProcessPoolExecutor, warming: Future) -> bool:
    """Whether the pool's first worker is ready. A pool whose worker died or is stuck warming
    up is stopped (a fresh one takes its place), and so is any pool on an interrupt."""
    try:
        warming.result(timeout=WARM_S)
        return True
    except Exception:  # noqa: BLE001 - a worker that died (BrokenProcessPool) or hangs
        stop(pool, kill=True)
        return False
    except BaseException:
        stop(pool, kill=True)
        raise


def stop(pool: ProcessPoolExecutor, kill: bool) -> None:
    """Shut a pool down; with `kill`, its workers first (a broken or stuck pool)."""
    if kill:
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


# --- in the worker


def init_worker(parent: int, charts: bool = True) -> None:
    """In a process of the pool: notebooks run in its own shell; it exits with its parent.
    Ctrl+C reaches every process of the terminal's group: the parent stops its workers itself,
    so a worker ignores it (a worker waiting for its next page would print a traceback)."""
    global _dedicated
    _dedicated = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .process_state import expect_charts

    expect_charts(charts)
    follow_parent(parent)


def warm_worker() -> None:
    """In a fresh worker of our pool, before its first job: what every page imports and builds
    once (papermill, the report's modules, nbconvert's exporter and its compiled template, the
    shell and the state it is put back to before each notebook), done while the parent still
    reads and scores the data."""
    import gc

    import nbformat
    import papermill  # noqa: F401

    from ..shipped import NOTEBOOK
    from .html_export import blank_resources, exporter
    from .kernel import ensure_kernel
    from .run_notebook import notebook_copy
    from .shell_engine import ENGINE_NAME, before_notebook

    exporter().from_notebook_node(nbformat.v4.new_notebook(), resources=blank_resources())
    notebook_copy(NOTEBOOK, ensure_kernel(), ENGINE_NAME)  # read and validated once
    before_notebook()  # the shell made, the modules a page uses imported, the state taken
    gc.collect()  # what lives as long as the worker, out of the collector's sight from now
    gc.freeze()


def follow_parent(parent: int, every: float = 0.1) -> None:
    """In a worker: end the moment the run that started it is gone (killed with -9, it could
    not say so). On Linux the kernel kills the worker when its parent dies (PR_SET_PDEATHSIG),
    even in the middle of a long computation; elsewhere a thread waits on the parent's
    sentinel (or polls every `every` seconds)."""
    _die_with_parent()
    if os.getppid() != parent:  # gone before we could ask
        os._exit(1)
    process = multiprocessing.parent_process()
    sentinel = getattr(process, "sentinel", None)

    def watch():
        if sentinel is not None:
            multiprocessing.connection.wait([sentinel])
            os._exit(1)
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="ntm-follow-parent", daemon=True).start()


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
