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
import os
import re
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..assess.loaded import LoadedRun
from ..errors import NoDataError, NotebookTimeout, UsageError
from ..i18n import t
from ..shipped import NOTEBOOK, SUMMARY_NOTEBOOK
from . import naming
from .context import shared_slice
from .fingerprint import fingerprint, shown_digest
from .kernel import ensure_kernel
from .process_state import PAGE_ENV
from .slices import write_run
from .worker import DEFAULT_TIMEOUT, dedicated


@dataclass(frozen=True)
class Job:
    """One commune's page to make. `inputs` are the digests it is made from (reports.
    fingerprint); with `view`, the worker adds what the page shows of others (`shown`).
    `env`: the variables of the run a page depends on, set around it on any worker."""

    commune_id: str
    year: int
    name: str
    notebook: str
    folder: str
    parameters: dict
    kernel: str
    inputs: dict = field(default_factory=dict)
    timeout: float | None = DEFAULT_TIMEOUT
    view: bool = False
    env: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_timeout(self.timeout)

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
    inputs: dict = field(default_factory=dict)  # the digests the page was made from
    reason: str = ""  # why it was made again (reports.reuse.REASONS); "" reused or first run


def page_env() -> dict[str, str | None]:
    return {k: os.environ.get(k) for k in PAGE_ENV}


@contextlib.contextmanager
def environment(env: dict[str, str | None]):
    """`env` set in this process for a block (None: unset), then put back."""
    before = {k: os.environ.get(k) for k in env}
    try:
        _set_env(env)
        yield
    finally:
        _set_env(before)


def _set_env(env: dict[str, str | None]) -> None:
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def render_commune(job: Job) -> Outcome:
    """Run the notebook for one commune and export it; never raises."""
    start = time.perf_counter()
    with environment(job.env):
        try:
            _execute(job)
            inputs = _with_view(job)
        except _fresh_process_needed():
            os._exit(TAINTED_EXIT)  # the pool runs this job again in a fresh process
        except BaseException as exc:  # noqa: BLE001 - one commune's failure must not stop the run
            _engine()[1]()  # the next commune gets a fresh shell or kernel
            ipynb = Path(job.folder) / f"{job.stem}.ipynb"
            return Outcome(
                job.commune_id,
                job.year,
                False,
                time.perf_counter() - start,
                "",
                error=_describe(exc, job.timeout),
                ipynb=f"communes/{ipynb.name}" if ipynb.exists() else "",
                inputs=job.inputs,
            )
    outcome = Outcome(
        job.commune_id,
        job.year,
        True,
        time.perf_counter() - start,
        fingerprint(inputs),
        html=f"communes/{job.stem}.html",
        ipynb=f"communes/{job.stem}.ipynb",
        inputs=inputs,
    )
    _settle()
    return outcome


TAINTED_EXIT = 70


def _fresh_process_needed() -> tuple:
    """What ends a worker of our pool rather than the job: a process the last notebook left
    in a state that cannot be undone (shell_engine.ProcessTainted)."""
    if not dedicated():
        return ()
    from .shell_engine import ProcessTainted

    return (ProcessTainted,)


def _execute(job: Job) -> None:
    """The commune's notebook run (papermill's parts: run_notebook), then exported as its page
    (nbconvert) from the executed notebook in memory."""
    from .html_export import notebook_to_html
    from .run_notebook import execute

    engine = _engine()[0]
    ensure_kernel()  # on a cluster worker too: the kernel is this worker's own Python
    folder = Path(job.folder)
    ipynb, html = folder / f"{job.stem}.ipynb", folder / f"{job.stem}.html"
    with deadline(job.timeout):
        nb = execute(
            job.notebook,
            ipynb,
            job.parameters,
            job.kernel,
            engine,
            cwd=Path(job.notebook).parent,
            timeout=job.timeout,
        )
    title = t("report_title", job.parameters["lang"], name=job.name) + f" ({job.year})"
    notebook_to_html(nb, html, title, job.parameters["lang"])


def _with_view(job: Job) -> dict:
    """The job's inputs, with what its page shows of others when the worker is to say."""
    if not job.view:
        return job.inputs
    part = shared_slice(job.parameters["cache"])
    shown = part.get("shown", {}).get(job.commune_id) or shown_digest(part, job.commune_id)
    return job.inputs | {"shown": shown}


_settled = False


def _settle() -> None:
    """After a pool worker's first report, what it has loaded (modules, fonts, templates, the
    shell) lives as long as the worker: it is moved out of the garbage collector's sight, so
    that full collections walk a report's objects only, not 300,000 long-lived ones (0.05 of
    a report's 0.37 CPU-s, measured with gc.callbacks). Not in a process that is not ours
    (a Dask worker)."""
    global _settled
    if dedicated() and not _settled:
        from .shell_engine import forget_last_notebook

        forget_last_notebook()
        gc.collect()
        gc.freeze()
        _settled = True


def _engine():
    """The papermill engine for this worker and how to discard its state after a failure:
    the worker's own shell in a process of the pool (nothing else runs there), a warm kernel
    anywhere else (a cluster worker's thread, whose streams are shared)."""
    if dedicated() and threading.current_thread() is threading.main_thread():
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
    folder: Path, outcomes: list, run: LoadedRun, year: int, plan_rows=None, budget_rows=None
) -> None:
    """The board's plan and annual report, drafted for every commune whose report succeeded
    (each reads its district's slice, as its page does)."""
    from .board_documents import write_document
    from .context import commune_context
    from .slices import district_parts

    folder.mkdir(parents=True, exist_ok=True)
    wanted = {o.commune_id for o in outcomes}
    for _, part in district_parts(run, year, plan_rows, budget_rows, wanted=wanted, verdicts=False):
        for cid in sorted(wanted.intersection(part["ids"])):
            ctx = commune_context(
                run,
                cid,
                year,
                "vi",
                plan_rows=part["plan_rows"],
                budget_rows=part["budget"],
                closings=part["closings"],
            )
            for kind, link in document_links(cid, year, ctx.commune["name"]).items():
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
    notebook: Path,
    parameters: dict,
    slices: dict[str, Path],
    timeout: float | None,
    inputs: dict[str, dict],
    documents: bool = False,
) -> list[Job]:
    """One job per commune: `parameters` are the notebook parameters they share, `inputs`
    each page's digests (reports.fingerprint); the shipped notebook's pages also say what
    they show of others (`view`). With `documents`, each page links its commune's drafts."""
    kernel = ensure_kernel()
    names = run.register.set_index("commune_id")["name"].to_dict()
    env = page_env()
    view = Path(notebook) == NOTEBOOK
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
                inputs=inputs[cid],
                timeout=timeout,
                view=view,
                env=env,
            )
        )
    return out


def summaries(
    folder: Path, run: LoadedRun, year: int, communes: list[str], lang: str
) -> dict[str, str]:
    """Each reported area's summary page under `folder`/summary, by its name: a commune's
    district, or its province when it has none (two tiers since July 2025)."""
    reg = run.register[run.register["commune_id"].isin(communes)]
    areas = {}
    for district, province in zip(reg["district"].fillna(""), reg["province"].fillna("")):
        if str(district).strip():
            areas.setdefault(str(district), (str(district), None))
        else:
            areas.setdefault(str(province), (None, str(province)))
    folders = slugs(sorted(areas))
    out = {}
    for name in sorted(areas):
        district, province = areas[name]
        page = render_summary(
            folder / "summary" / folders[name], run, year, district, province, lang
        )
        out[name] = str(page.relative_to(folder))
    return out


def check_options(jobs, timeout) -> None:
    """The batch's options, wherever they come from (the command line, a caller, a manifest
    replayed): a whole number of workers, at least 1; a finite, positive timeout."""
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise UsageError(t("cli_jobs_invalid", None, value=jobs))
    check_timeout(timeout)


def check_timeout(timeout) -> None:
    """None (no limit, for a caller's own jobs) or a number of seconds, finite and positive."""
    if timeout is None:
        return
    number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not number or not 0 < timeout < float("inf"):
        raise UsageError(t("cli_timeout_invalid", None, value=timeout))


def exit_code(manifest: dict) -> int:
    return 0 if all(c["ok"] for c in manifest["communes"]) else 1
