"""Running the report notebooks of a batch: jobs, workers, engines, timeouts, reuse.

Each commune's notebook run (papermill) and HTML export (nbconvert) is one job for a
concurrent.futures executor, so a process pool here and a cluster elsewhere run the same code.
A failed commune does not stop the others. `ntm report` (commands.report) chooses the
communes, prepares their slices and assembles the run around these jobs.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from ..assess.loaded import LoadedRun
from ..errors import NoDataError, NotebookTimeout, UsageError
from ..i18n import t
from ..shipped import shipped
from . import naming
from .kernel import ensure_kernel
from .slices import write_run

NOTEBOOKS = shipped("notebooks")
NOTEBOOK = NOTEBOOKS / "commune_assessment.ipynb"
SUMMARY_NOTEBOOK = NOTEBOOKS / "district_summary.ipynb"
# Seconds a commune's notebook may run before it is failed and the batch goes on.
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Job:
    commune_id: str
    year: int
    name: str
    notebook: str
    folder: str
    parameters: dict
    kernel: str
    fingerprint: str
    timeout: float | None = None

    @property
    def stem(self) -> str:
        return file_stem(self.commune_id, self.year, self.name)


def file_stem(commune_id: str, year: int, name: str | None = None) -> str:
    """A commune's file name, safe whatever the id holds, with its name beside its code
    (reports/naming.py)."""
    return naming.file_stem(commune_id, year, name)


@contextlib.contextmanager
def deadline(seconds: float | None):
    """Raise NotebookTimeout in this block after `seconds` (main thread only: a process-pool
    worker; a cluster worker's thread relies on the per-cell timeout)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    inside = [True]

    def expire(signum, frame):
        if inside[0]:
            raise NotebookTimeout(t("report_timeout", None, seconds=fmt_seconds(seconds)))

    previous = signal.signal(signal.SIGALRM, expire)
    # The alarm repeats: raised while an asyncio task of the notebook client runs, the
    # exception ends that task only, and the client would wait on; the next one gets out.
    signal.setitimer(signal.ITIMER_REAL, seconds, ALARM_REPEAT_S)
    try:
        yield
    finally:
        inside[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


ALARM_REPEAT_S = 2.0


def fmt_seconds(seconds: float) -> str:
    return f"{seconds:g}"


@dataclass
class Outcome:
    commune_id: str
    year: int
    ok: bool
    duration_s: float
    fingerprint: str
    error: str = ""
    html: str = ""
    ipynb: str = ""
    reused: bool = False


def render_commune(job: Job) -> Outcome:
    """Run the notebook for one commune and export it; never raises."""
    import papermill

    from .html_export import notebook_to_html

    engine, discard = _engine()
    ensure_kernel()  # on a cluster worker too: the kernel is this worker's own Python
    start = time.perf_counter()
    folder = Path(job.folder)
    ipynb, html = folder / f"{job.stem}.ipynb", folder / f"{job.stem}.html"
    try:
        with deadline(job.timeout):
            papermill.execute_notebook(
                job.notebook,
                str(ipynb),
                parameters=job.parameters,
                kernel_name=job.kernel,
                engine_name=engine,
                progress_bar=False,
                cwd=str(Path(job.notebook).parent),
                execution_timeout=job.timeout,
                # written once at the end, not after every cell
                request_save_on_cell_execute=False,
            )
        title = t("report_title", job.parameters["lang"], name=job.name) + f" ({job.year})"
        notebook_to_html(ipynb, html, title, job.parameters["lang"])
    except BaseException as exc:  # noqa: BLE001 - one commune's failure must not stop the run
        discard()  # the next commune gets a fresh shell or kernel
        error = _describe(exc, job.timeout)
        return Outcome(
            job.commune_id,
            job.year,
            False,
            time.perf_counter() - start,
            job.fingerprint,
            error=error,
            ipynb=f"communes/{ipynb.name}" if ipynb.exists() else "",
        )
    outcome = Outcome(
        job.commune_id,
        job.year,
        True,
        time.perf_counter() - start,
        job.fingerprint,
        html=f"communes/{html.name}",
        ipynb=f"communes/{ipynb.name}",
    )
    _settle()
    return outcome


_DEDICATED = False  # True in a process of our own pool (set by its initializer)
_settled = False


def _settle() -> None:
    """After a pool worker's first report, what it has loaded (modules, fonts, templates, the
    shell) lives as long as the worker: it is moved out of the garbage collector's sight, so
    that full collections walk a report's objects only, not 300,000 long-lived ones (0.05 of
    a report's 0.37 CPU-s, measured with gc.callbacks). Not in a process that is not ours
    (a Dask worker)."""
    global _settled
    if _DEDICATED and not _settled:
        from .shell_engine import forget_last_notebook

        forget_last_notebook()
        gc.collect()
        gc.freeze()
        _settled = True


def _engine():
    """The papermill engine for this worker and how to discard its state after a failure:
    the worker's own shell in a process of the pool (nothing else runs there), a warm kernel
    anywhere else (a cluster worker's thread, whose streams are shared)."""
    if _DEDICATED and threading.current_thread() is threading.main_thread():
        from .shell_engine import ENGINE_NAME, discard_shell

        return ENGINE_NAME, discard_shell
    from .papermill_engine import ENGINE_NAME, discard_kernel

    return ENGINE_NAME, discard_kernel


def _describe(exc: BaseException, timeout: float | None = None) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    if isinstance(exc, NotebookTimeout):
        return str(exc)
    if type(exc).__name__ == "CellTimeoutError":  # nbclient's per-cell limit, same --timeout
        return t("report_timeout", None, seconds=fmt_seconds(timeout or 0))
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def default_executor(jobs: int) -> Executor:
    # spawn: workers start clean, with the environment of this run (a fork server would keep
    # the environment of the first run of the process), without the parent's threads.
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(os.getpid(),),
    )


def init_worker(parent: int) -> None:
    """In a process of the pool: notebooks run in its own shell; it exits with its parent."""
    global _DEDICATED
    _DEDICATED = True
    follow_parent(parent)


def follow_parent(parent: int, every: float = 0.5) -> None:
    """In a worker: exit as soon as the run that started it is gone (killed with -9, it could
    not say so); the worker's kernel follows, as a kernel watches its own parent."""

    def watch():
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="ntm-follow-parent", daemon=True).start()


def render_summary(
    folder: Path,
    run: LoadedRun,
    year: int,
    district: str | None,
    province: str | None,
    lang: str,
    notebook: Path = SUMMARY_NOTEBOOK,
) -> Path:
    """The district (or province) summary: notebook, HTML page and Excel tables in `folder`."""
    import papermill

    from .html_export import notebook_to_html
    from .papermill_engine import ENGINE_NAME, discard_kernel

    folder.mkdir(parents=True, exist_ok=True)
    ipynb = folder / "summary.ipynb"
    cache = write_run(folder / ".run.pkl", run)
    try:
        papermill.execute_notebook(
            str(notebook),
            str(ipynb),
            kernel_name=ensure_kernel(),
            engine_name=ENGINE_NAME,
            progress_bar=False,
            cwd=str(notebook.parent),
            parameters={
                "data": [],
                "communes": "",
                "set_id": run.cset.id,
                "year": year,
                "district": district,
                "province": province,
                "lang": lang,
                "output_dir": str(folder),
                "cache": str(cache),
            },
        )
    finally:
        discard_kernel()
        cache.unlink(missing_ok=True)
    area = district or province or ""
    return notebook_to_html(
        ipynb, folder / "summary.html", t("summary_title", lang, area=area, year=year), lang
    )


DOCUMENT_NAMES = {"plan": "ke-hoach", "report": "bao-cao"}


def document_links(commune_id: str, year: int, name: str | None = None) -> dict[str, str]:
    """Where a commune's drafts are, relative to its report page."""
    stem = file_stem(commune_id, year, name)
    return {kind: f"../documents/{stem}-{name}.docx" for kind, name in DOCUMENT_NAMES.items()}


def write_documents(
    folder: Path, outcomes: list, run: LoadedRun, year: int, slices: dict[str, Path]
) -> None:
    """The board's plan and annual report, drafted for every commune whose report succeeded."""
    from .board_documents import write_document
    from .context import commune_context
    from .slices import read_slice

    folder.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        part = read_slice(slices[outcome.commune_id])
        ctx = commune_context(
            run,
            outcome.commune_id,
            year,
            "vi",
            plan_rows=part["plan_rows"],
            budget_rows=part["budget"],
            closings=part["closings"],
        )
        for kind, link in document_links(outcome.commune_id, year, ctx.commune["name"]).items():
            write_document(kind, [ctx], folder / Path(link).name)


MAX_STEM = 40  # a district's folder name


def _slug(text: str) -> str:
    from ..intake.values import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:MAX_STEM] or "all"


def slugs(names: list[str]) -> dict[str, str]:
    """A folder name per district: its accent-free name, plus a short hash where two names
    would share one ('Cẩm Giàng' and 'Cam Giang')."""
    plain = {name: _slug(name) for name in names}
    taken = [s for s in plain.values()]
    return {
        name: slug
        if taken.count(slug) == 1
        else f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"
        for name, slug in plain.items()
    }


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


def choose_communes(run: LoadedRun, year: int, asked: list[str] | None) -> list[str]:
    """The communes to report: those asked for (each must have data in `year`), else every
    commune with data that year."""
    com = run.assessment.communes
    com = com[(com["year"] == year) & (com["status"] != "no_data")]
    available = list(com["commune_id"])
    if not asked:
        return available
    asked = list(dict.fromkeys(run.resolve(str(c)) for c in asked))  # codes or names
    missing = [c for c in asked if c not in set(available)]
    if missing:
        raise NoDataError(t("report_no_data", None, commune=", ".join(missing), year=year))
    return asked


def make_jobs(
    run: LoadedRun,
    communes: list[str],
    year: int,
    folder: Path,
    base: list,
    notebook: Path,
    parameters: dict,
    slices: dict[str, Path],
    timeout: float | None,
    documents: bool = False,
) -> list[Job]:
    """One job per commune; `base` is what every page depends on (for its fingerprint) and
    `parameters` the notebook parameters they share. With `documents`, each page links its
    commune's drafts."""
    kernel = ensure_kernel()
    names = run.register.set_index("commune_id")["name"].to_dict()
    out = []
    for cid in communes:
        params = parameters | {
            "commune_id": cid,
            "year": year,
            "output_dir": str(folder),
            "cache": str(slices[cid]),
            "documents": document_links(cid, year, names.get(cid)) if documents else {},
        }
        out.append(
            Job(
                cid,
                year,
                str(names.get(cid, cid)),
                str(notebook),
                str(folder),
                params,
                kernel,
                _fingerprint(base, cid),
                timeout,
            )
        )
    return out


def run_jobs(
    todo: list[Job], jobs: int, executor: Executor | None = None, scheduler: str | None = None
) -> list[Outcome]:
    """Every job on the executor given, a Dask cluster (`scheduler`), or a pool of ours."""
    if scheduler and executor is None and todo:
        with dask_executor(scheduler) as cluster_executor:
            return _run_all(todo, jobs, cluster_executor)
    return _run_all(todo, jobs, executor)


def reuse(
    previous: dict, out: Path, todo: list[Job], folder: Path
) -> tuple[list[Outcome], list[Job]]:
    """The pages of an earlier run (its manifest `previous`, in `out`) that are still right,
    copied into `folder`; and the jobs left to run."""
    reused, left = [], []
    for job in todo:
        found = _reuse(previous, out, job, folder)
        if found:
            reused.append(found)
        else:
            left.append(job)
    return reused, left


def summaries(
    folder: Path, run: LoadedRun, year: int, communes: list[str], lang: str
) -> dict[str, str]:
    """Each reported district's summary page under `folder`/summary, by district name."""
    reg = run.register
    districts = sorted(set(reg.loc[reg["commune_id"].isin(communes), "district"]))
    folders = slugs(districts)
    out = {}
    for name in districts:
        page = render_summary(folder / "summary" / folders[name], run, year, name, None, lang)
        out[name] = str(page.relative_to(folder))
    return out


def check_options(jobs: int | None, timeout: float | None) -> None:
    if jobs is not None and jobs < 1:
        raise UsageError(t("cli_jobs_invalid", None, value=jobs))
    if timeout is not None and not 0 < timeout < float("inf"):
        raise UsageError(t("cli_timeout_invalid", None, value=timeout))


def _reuse(previous: dict, out: Path, job: Job, folder: Path) -> Outcome | None:
    """The earlier run's report for this job, copied over, if it succeeded on the same inputs.
    Only this job's own page and notebook, regular files inside `out`, are ever copied,
    whatever the old manifest names."""
    names = {"html": f"communes/{job.stem}.html", "ipynb": f"communes/{job.stem}.ipynb"}
    for entry in previous.get("communes", []):
        if not isinstance(entry, dict) or entry.get("commune_id") != job.commune_id:
            continue
        same = (
            entry.get("year") == job.year
            and entry.get("ok") is True
            and entry.get("fingerprint") == job.fingerprint
            and all(entry.get(k) == v and _regular(out, v) for k, v in names.items())
        )
        if not same:
            continue
        for rel in names.values():
            shutil.copy2(out / rel, folder / Path(rel).name)
        duration = entry.get("duration_s")
        return Outcome(
            job.commune_id,
            job.year,
            True,
            float(duration) if isinstance(duration, (int, float)) else 0.0,
            job.fingerprint,
            html=names["html"],
            ipynb=names["ipynb"],
            reused=True,
        )
    return None


def _regular(out: Path, rel: str) -> bool:
    """A regular file inside `out`, not a link, a device or a folder."""
    path = out / rel
    return path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(out.resolve())


def _run_all(todo: list[Job], jobs: int, executor: Executor | None) -> list[Outcome]:
    """Run every job; a worker that dies breaks its pool, so the unfinished jobs get one more
    round in a fresh pool before they are reported as failed."""
    if not todo:
        return []
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(todo), unit="xã", desc="ntm report", file=sys.stderr, disable=None)
    pending = list(todo)
    try:
        for _ in range(2):
            own = executor is None
            pool = executor or default_executor(min(jobs, len(pending)))
            futures = {pool.submit(render_commune, job): job for job in pending}
            pending = []
            try:
                for future in as_completed(futures):
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        pending.append(futures[future])
                        continue
                    outcomes.append(outcome)
                    bar.update(1)
                    failed = sum(not o.ok for o in outcomes)
                    bar.set_postfix(
                        done=len(outcomes) - failed,
                        failed=failed,
                        remaining=len(todo) - len(outcomes),
                    )
            finally:
                if own:
                    pool.shutdown(wait=True, cancel_futures=True)
            if not pending or not own:
                break
        for job in pending:
            outcomes.append(
                Outcome(
                    job.commune_id,
                    job.year,
                    False,
                    0.0,
                    job.fingerprint,
                    error=t("report_worker_died", job.parameters["lang"]),
                )
            )
    finally:
        bar.close()
    return outcomes


def exit_code(manifest: dict) -> int:
    return 0 if all(c["ok"] for c in manifest["communes"]) else 1
