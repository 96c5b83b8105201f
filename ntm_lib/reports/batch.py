"""`ntm report`: one HTML report per commune, in parallel, with an index and a manifest.

The data is read and scored once; each commune's notebook run (papermill) and HTML export
(nbconvert) is one job for a concurrent.futures executor, so a process pool here and a cluster
elsewhere run the same code. A failed commune does not stop the others. The run is written to
a temporary folder that replaces the output folder only when complete; `resume` reuses the
reports of an earlier run whose inputs have not changed.
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
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from .. import __version__
from ..assess.district import communes_in
from ..atomic import atomic_dir, check_target_dir, read_manifest, write_manifest
from ..errors import NoDataError, NotebookTimeout, UsageError
from ..i18n import current_lang, t
from ..intake.plans import read_budget, read_plan
from ..provenance import files, package_versions, relative_inputs, relative_path, run_time, sha256
from . import naming
from .commune_report import plan_files, prepared_inputs, write_slices
from .index import write_index
from .kernel import ensure_kernel
from .workbooks import write_assessment

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
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
    data_paths: list[str],
    communes_path: str,
    set_id: str,
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
    try:
        papermill.execute_notebook(
            str(notebook),
            str(ipynb),
            kernel_name=ensure_kernel(),
            engine_name=ENGINE_NAME,
            progress_bar=False,
            cwd=str(notebook.parent),
            parameters={
                "data": data_paths,
                "communes": communes_path,
                "set_id": set_id,
                "year": year,
                "district": district,
                "province": province,
                "lang": lang,
                "output_dir": str(folder),
            },
        )
    finally:
        discard_kernel()
    area = district or province or ""
    return notebook_to_html(
        ipynb, folder / "summary.html", t("summary_title", lang, area=area, year=year), lang
    )


def run_summary(
    data_paths: list[str],
    communes_path: str,
    set_id: str,
    out: str | Path,
    *,
    year: int | None = None,
    district: str | None = None,
    province: str | None = None,
    lang: str = "vi",
    force: bool = False,
) -> Path:
    started = run_time()
    data_paths = [str(Path(p).resolve()) for p in data_paths]
    communes_path = str(Path(communes_path).resolve())
    out = check_target_dir(out, force, data_paths + [communes_path])
    cset, register, assessment, provenance = prepared_inputs(data_paths, communes_path, set_id)
    year = checked_year(assessment, year)
    if not communes_in(register, district, province):
        raise NoDataError(t("summary_no_communes", None, area=district or province))
    manifest = {
        "version": __version__,
        "command": "summary",
        "started": started,
        "parameters": {
            "set": set_id,
            "year": year,
            "district": district,
            "province": province,
            "lang": lang,
            "reading_lang": current_lang(),
        },
        "set": provenance["set"],
        "inputs": relative_inputs(provenance["inputs"], out),
        "packages": package_versions(),
    }
    with atomic_dir(out, force=force, inputs=data_paths + [communes_path]) as tmp:
        render_summary(tmp, data_paths, communes_path, set_id, year, district, province, lang)
        write_manifest(tmp, manifest | {"finished": run_time()})
    return out / "summary.html"


DOCUMENT_NAMES = {"plan": "ke-hoach", "report": "bao-cao"}


def document_links(commune_id: str, year: int, name: str | None = None) -> dict[str, str]:
    """Where a commune's drafts are, relative to its report page."""
    stem = file_stem(commune_id, year, name)
    return {kind: f"../documents/{stem}-{name}.docx" for kind, name in DOCUMENT_NAMES.items()}


def write_documents(
    folder: Path,
    outcomes: list,
    data_paths: list[str],
    communes_path: str,
    set_id: str,
    year: int,
    slices: dict[str, Path],
    plan: str,
    budget: str,
) -> None:
    """The board's plan and annual report, drafted for every commune whose report succeeded."""
    from .board_documents import write_document
    from .commune_report import prepare

    folder.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        ctx = prepare(
            data_paths,
            communes_path,
            set_id,
            outcome.commune_id,
            year,
            "vi",
            str(slices[outcome.commune_id]),
            plan or None,
            budget or None,
        )
        for kind, link in document_links(outcome.commune_id, year, ctx.commune["name"]).items():
            write_document(
                kind,
                data_paths,
                communes_path,
                set_id,
                outcome.commune_id,
                folder / Path(link).name,
                context=ctx,
            )


def checked_year(assessment, year: int | None) -> int:
    """The year asked for (default: the latest with data); NoDataError when it has none."""
    com = assessment.communes
    with_data = sorted(com.loc[com["status"] != "no_data", "year"].unique().tolist())
    if not with_data:
        raise NoDataError(t("no_data_at_all", None))
    if year is None:
        return int(with_data[-1])
    if int(year) not in with_data:
        raise NoDataError(
            t("no_data_for_year", None, year=year, years=", ".join(map(str, with_data)))
        )
    return int(year)


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


def run_report(
    data_paths: list[str],
    communes_path: str,
    set_id: str,
    out: str | Path,
    *,
    year: int | None = None,
    communes: list[str] | None = None,
    jobs: int | None = None,
    lang: str = "vi",
    resume: bool = False,
    force: bool = False,
    executor: Executor | None = None,
    notebook: Path = NOTEBOOK,
    plan: str | None = None,
    budget: str | None = None,
    scheduler: str | None = None,
    summary: bool = False,
    predecessors: dict | None = None,
    documents: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> dict:
    """Render the reports; returns the manifest. Raises InputError on invalid data."""
    started = run_time()
    if jobs is not None and jobs < 1:
        raise UsageError(t("cli_jobs_invalid", None, value=jobs))
    if timeout is not None and timeout <= 0:
        raise UsageError(t("cli_timeout_invalid", None, value=timeout))
    data_paths = [str(Path(p).resolve()) for p in data_paths]
    communes_path = str(Path(communes_path).resolve())
    plan = str(Path(plan).resolve()) if plan else ""
    budget = str(Path(budget).resolve()) if budget else ""
    if predecessors:
        predecessors = {
            "data": [str(Path(p).resolve()) for p in predecessors["data"]],
            "communes": str(Path(predecessors["communes"]).resolve()),
            "set": predecessors["set"],
        }
    own_inputs = (
        data_paths
        + [communes_path, plan, budget, str(notebook)]
        + (predecessors["data"] + [predecessors["communes"]] if predecessors else [])
    )
    out = check_target_dir(out, force or resume, own_inputs)  # the notebook runs elsewhere
    cset, register, assessment, provenance = prepared_inputs(data_paths, communes_path, set_id)
    year = checked_year(assessment, year)
    com = assessment.communes[assessment.communes["year"] == year]
    available = [str(c) for c in com.loc[com["status"] != "no_data", "commune_id"]]
    selected = available if not communes else [str(c) for c in communes]
    missing = [c for c in selected if c not in available]
    if missing:
        raise NoDataError(t("report_no_data", None, commune=", ".join(missing), year=year))

    notebook = Path(notebook)
    if not notebook.is_file():
        raise UsageError(t("report_notebook_missing", None, path=str(notebook)))
    plan_rows = budget_rows = None
    page_provenance = provenance  # what each page says it was made from
    if plan:  # refuse a bad plan before any notebook runs; read once for every report
        budget_rows = read_budget([budget or plan], register)
        plan_rows = read_plan([plan], cset, register, year)
        page_provenance = provenance | {"inputs": provenance["inputs"] + plan_files(plan, budget)}
    previous = (read_manifest(out) or {}) if resume else {}
    from .papermill_engine import sweep_dead_kernel_folders

    sweep_dead_kernel_folders()  # of kernels whose workers were killed, in any earlier run
    kernel = ensure_kernel()
    names = register.set_index("commune_id")["name"].astype(str).to_dict()
    plan_hashes = [sha256(p) for p in (plan, budget) if p] + (
        [sha256(p) for p in predecessors["data"]] if predecessors else []
    )
    base = [
        provenance["inputs"],
        provenance["set"],
        sha256(notebook),
        __version__,
        lang,
        year,
        plan_hashes,
    ]
    jobs_n = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    with atomic_dir(out, force=force or resume, inputs=own_inputs) as tmp:
        folder = tmp / "communes"
        folder.mkdir()
        cache = tmp / ".cache"
        slices = write_slices(
            cache, register, assessment, page_provenance, year, plan_rows, budget_rows
        )
        write_assessment(
            assessment,
            _mkdir(tmp / "results"),
            cset,
            register,
            lang,
            inputs=page_provenance["inputs"]
            + (files(predecessors["data"], "predecessors") if predecessors else []),
        )
        todo = []
        for cid in selected:
            params = {
                "data": data_paths,
                "communes": communes_path,
                "set_id": set_id,
                "commune_id": cid,
                "year": year,
                "lang": lang,
                "output_dir": str(folder),
                "cache": str(slices[cid]),
                "plan": plan,
                "budget": budget,
                "predecessors": predecessors or {},
                "documents": document_links(cid, year, names.get(cid)) if documents else {},
            }
            job = Job(
                cid,
                year,
                names.get(cid, cid),
                str(notebook),
                str(folder),
                params,
                kernel,
                _fingerprint(base, cid),
                timeout,
            )
            reused = _reuse(previous, out, job, folder)
            if reused:
                outcomes.append(reused)
            else:
                todo.append(job)
        if scheduler and executor is None and todo:
            with dask_executor(scheduler) as cluster_executor:
                outcomes += _run_all(todo, jobs_n, cluster_executor)
        else:
            outcomes += _run_all(todo, jobs_n, executor)
        if documents:
            write_documents(
                tmp / "documents",
                [o for o in outcomes if o.ok],
                data_paths,
                communes_path,
                set_id,
                year,
                slices,
                plan,
                budget,
            )
        shutil.rmtree(cache)
        outcomes.sort(key=lambda o: o.commune_id)
        summaries = {}
        if summary:
            districts = sorted(
                set(register.loc[register["commune_id"].astype(str).isin(selected), "district"])
            )
            folders = slugs(districts)
            for name in districts:
                page = render_summary(
                    tmp / "summary" / folders[name],
                    data_paths,
                    communes_path,
                    set_id,
                    year,
                    name,
                    None,
                    lang,
                )
                summaries[name] = str(page.relative_to(tmp))
        roles = ([(plan, "plan")] if plan else []) + ([(budget, "budget")] if budget else [])
        extra = [f for path, role in roles for f in files([path], role)]
        if predecessors:
            extra += files(predecessors["data"], "predecessors_data") + files(
                [predecessors["communes"]], "predecessors_communes"
            )
        manifest = {
            "version": __version__,
            "command": "report",
            "started": started,
            "finished": run_time(),
            "parameters": {
                "set": set_id,
                "year": year,
                "lang": lang,
                "reading_lang": current_lang(),
                "communes": [str(c) for c in communes] if communes else None,
                "jobs": jobs_n,
                "summary": bool(summary),
                "timeout": timeout,
                "documents": bool(documents),
                "predecessors_set": predecessors["set"] if predecessors else None,
                "notebook": None if notebook == NOTEBOOK else relative_path(notebook, out),
            },
            "set": provenance["set"],
            "inputs": relative_inputs(provenance["inputs"] + extra, out),
            "notebook": {"name": notebook.name, "sha256": sha256(notebook)},
            "packages": package_versions(),
            "communes": [asdict(o) for o in outcomes],
        }
        write_index(
            tmp / "index.html",
            cset,
            register,
            assessment,
            year,
            outcomes,
            lang,
            summaries,
            with_no_data=not communes,
            documents={
                o.commune_id: {
                    k: p.removeprefix("../")
                    for k, p in document_links(o.commune_id, year, names.get(o.commune_id)).items()
                }
                for o in outcomes
                if o.ok
            }
            if documents
            else None,
            inputs=provenance["inputs"] + extra,
        )
        manifest = write_manifest(tmp, manifest)
    return manifest


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _reuse(previous: dict, out: Path, job: Job, folder: Path) -> Outcome | None:
    """The earlier run's report for this job, copied over, if it succeeded on the same inputs."""
    for entry in previous.get("communes", []):
        if (
            entry["commune_id"] == job.commune_id
            and entry["year"] == job.year
            and entry["ok"]
            and entry["fingerprint"] == job.fingerprint
            and (out / entry["html"]).is_file()
            and (out / entry["ipynb"]).is_file()
        ):
            for rel in (entry["html"], entry["ipynb"]):
                shutil.copy2(out / rel, folder / Path(rel).name)
            return Outcome(**{**entry, "reused": True})
    return None


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
