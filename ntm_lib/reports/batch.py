"""`ntm report`: one HTML report per commune, in parallel, with an index and a manifest.

The data is read and scored once; each commune's notebook run (papermill) and HTML export
(nbconvert) is one job for a concurrent.futures executor, so a process pool here and a cluster
elsewhere run the same code. A failed commune does not stop the others. The run is written to
a temporary folder that replaces the output folder only when complete; `resume` reuses the
reports of an earlier run whose inputs have not changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
import traceback
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path

from tqdm import tqdm

from .. import __version__
from ..atomic import atomic_dir, atomic_file
from ..errors import UsageError
from ..i18n import t
from ..intake.plans import read_budget, read_plan
from ..provenance import package_versions, run_time, sha256
from .commune_report import prepared_inputs, write_cache
from .index import write_index
from .kernel import ensure_kernel
from .workbooks import write_assessment

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOK = NOTEBOOKS / "commune_assessment.ipynb"
SUMMARY_NOTEBOOK = NOTEBOOKS / "district_summary.ipynb"


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

    @property
    def stem(self) -> str:
        return f"{self.commune_id}-{self.year}"


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
    from .papermill_engine import ENGINE_NAME, discard_kernel

    ensure_kernel()  # on a cluster worker too: the kernel is this worker's own Python
    start = time.perf_counter()
    folder = Path(job.folder)
    ipynb, html = folder / f"{job.stem}.ipynb", folder / f"{job.stem}.html"
    try:
        papermill.execute_notebook(job.notebook, str(ipynb), parameters=job.parameters,
                                   kernel_name=job.kernel, engine_name=ENGINE_NAME,
                                   progress_bar=False, cwd=str(Path(job.notebook).parent))
        title = t("report_title", job.parameters["lang"], name=job.name) + f" ({job.year})"
        notebook_to_html(ipynb, html, title, job.parameters["lang"])
    except BaseException as exc:  # noqa: BLE001 - one commune's failure must not stop the run
        discard_kernel()  # the next commune gets a fresh kernel
        error = _describe(exc)
        return Outcome(job.commune_id, job.year, False, time.perf_counter() - start,
                       job.fingerprint, error=error,
                       ipynb=f"communes/{ipynb.name}" if ipynb.exists() else "")
    return Outcome(job.commune_id, job.year, True, time.perf_counter() - start, job.fingerprint,
                   html=f"communes/{html.name}", ipynb=f"communes/{ipynb.name}")


def _describe(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def default_executor(jobs: int) -> Executor:
    # spawn: workers start clean, with the environment of this run (a fork server would keep
    # the environment of the first run of the process), without the parent's threads.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def render_summary(folder: Path, data_paths: list[str], communes_path: str, set_id: str,
                   year: int, district: str | None, province: str | None, lang: str,
                   notebook: Path = SUMMARY_NOTEBOOK) -> Path:
    """The district (or province) summary: notebook, HTML page and Excel tables in `folder`."""
    import papermill

    from .html_export import notebook_to_html
    from .papermill_engine import ENGINE_NAME, discard_kernel

    folder.mkdir(parents=True, exist_ok=True)
    ipynb = folder / "summary.ipynb"
    try:
        papermill.execute_notebook(
            str(notebook), str(ipynb), kernel_name=ensure_kernel(), engine_name=ENGINE_NAME,
            progress_bar=False, cwd=str(notebook.parent), parameters={
                "data": data_paths, "communes": communes_path, "set_id": set_id, "year": year,
                "district": district, "province": province, "lang": lang,
                "output_dir": str(folder)})
    finally:
        discard_kernel()
    area = district or province or ""
    return notebook_to_html(ipynb, folder / "summary.html",
                            t("summary_title", lang, area=area, year=year), lang)


def run_summary(data_paths: list[str], communes_path: str, set_id: str, out: str | Path, *,
                year: int | None = None, district: str | None = None,
                province: str | None = None, lang: str = "vi", force: bool = False) -> Path:
    data_paths = [str(Path(p).resolve()) for p in data_paths]
    communes_path = str(Path(communes_path).resolve())
    cset, register, assessment, _ = prepared_inputs(data_paths, communes_path, set_id)
    year = int(year) if year else int(assessment.communes["year"].max())
    out = Path(out).resolve()
    with atomic_dir(out, force=force) as tmp:
        render_summary(tmp, data_paths, communes_path, set_id, year, district, province, lang)
    return out / "summary.html"


def _slug(text: str) -> str:
    from ..intake.values import fold
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "all"


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


def run_report(data_paths: list[str], communes_path: str, set_id: str, out: str | Path, *,
               year: int | None = None, communes: list[str] | None = None,
               jobs: int | None = None, lang: str = "vi", resume: bool = False,
               force: bool = False, executor: Executor | None = None,
               notebook: Path = NOTEBOOK, plan: str | None = None,
               budget: str | None = None, scheduler: str | None = None,
               summary: bool = False, predecessors: dict | None = None) -> dict:
    """Render the reports; returns the manifest. Raises InputError on invalid data."""
    started = run_time()
    data_paths = [str(Path(p).resolve()) for p in data_paths]
    communes_path = str(Path(communes_path).resolve())
    cset, register, assessment, provenance = prepared_inputs(data_paths, communes_path, set_id)
    years = sorted(assessment.communes["year"].unique().tolist())
    year = int(year) if year else int(years[-1])
    available = assessment.communes.loc[assessment.communes["year"] == year, "commune_id"]
    available = [str(c) for c in available]
    selected = available if not communes else [str(c) for c in communes]
    missing = [c for c in selected if c not in available]
    if missing:
        raise UsageError(t("report_no_data", None, commune=", ".join(missing)))

    notebook = Path(notebook)
    if not notebook.is_file():
        raise UsageError(t("report_notebook_missing", None, path=str(notebook)))
    plan = str(Path(plan).resolve()) if plan else ""
    budget = str(Path(budget).resolve()) if budget else ""
    if plan:  # refuse a bad plan before any notebook runs
        read_budget([budget or plan], register)
        read_plan([plan], cset, register, year)
    out = Path(out).resolve()  # the notebook runs in another folder
    previous = _read_manifest(out) if resume else {}
    kernel = ensure_kernel()
    names = register.set_index("commune_id")["name"].astype(str).to_dict()
    if predecessors:
        predecessors = {"data": [str(Path(p).resolve()) for p in predecessors["data"]],
                        "communes": str(Path(predecessors["communes"]).resolve()),
                        "set": predecessors["set"]}
    plan_files = [sha256(p) for p in (plan, budget) if p] + (
        [sha256(p) for p in predecessors["data"]] if predecessors else [])
    base = [provenance["inputs"], provenance["set"], sha256(notebook), __version__, lang, year,
            plan_files]
    jobs_n = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    with atomic_dir(out, force=force or resume) as tmp:
        folder = tmp / "communes"
        folder.mkdir()
        cache = tmp / ".cache.pkl"
        write_cache(cache, register, assessment, provenance)
        write_assessment(assessment, _mkdir(tmp / "results"))
        todo = []
        for cid in selected:
            params = {"data": data_paths, "communes": communes_path, "set_id": set_id,
                      "commune_id": cid, "year": year, "lang": lang, "output_dir": str(folder),
                      "cache": str(cache), "plan": plan, "budget": budget,
                      "predecessors": predecessors or {}}
            job = Job(cid, year, names.get(cid, cid), str(notebook), str(folder), params, kernel,
                      _fingerprint(base, cid))
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
        cache.unlink()
        outcomes.sort(key=lambda o: o.commune_id)
        summaries = {}
        if summary:
            districts = sorted(set(register.loc[register["commune_id"].astype(str).isin(selected),
                                                "district"]))
            for name in districts:
                page = render_summary(tmp / "summary" / _slug(name), data_paths, communes_path,
                                      set_id, year, name, None, lang)
                summaries[name] = str(page.relative_to(tmp))
        manifest = {
            "tool": "ntm-assess", "version": __version__, "command": "report", "started": started,
            "finished": run_time(), "parameters": {"set": set_id, "year": year, "lang": lang,
                                                   "communes": selected, "jobs": jobs_n,
                                                   "plan": plan, "budget": budget},
            "set": provenance["set"], "inputs": provenance["inputs"],
            "notebook": {"name": notebook.name, "sha256": sha256(notebook)},
            "packages": package_versions(),
            "communes": [asdict(o) for o in outcomes],
        }
        write_index(tmp / "index.html", cset, register, assessment, year, outcomes, lang,
                     summaries)
        atomic_file(tmp / "manifest.json", lambda p: Path(p).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"))
    return manifest


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_manifest(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _reuse(previous: dict, out: Path, job: Job, folder: Path) -> Outcome | None:
    """The earlier run's report for this job, copied over, if it succeeded on the same inputs."""
    for entry in previous.get("communes", []):
        if (entry["commune_id"] == job.commune_id and entry["year"] == job.year and entry["ok"]
                and entry["fingerprint"] == job.fingerprint
                and (out / entry["html"]).is_file() and (out / entry["ipynb"]).is_file()):
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
                    bar.set_postfix(done=len(outcomes) - failed, failed=failed,
                                    remaining=len(todo) - len(outcomes))
            finally:
                if own:
                    pool.shutdown(wait=True, cancel_futures=True)
            if not pending or not own:
                break
        for job in pending:
            outcomes.append(Outcome(job.commune_id, job.year, False, 0.0, job.fingerprint,
                                    error=t("report_worker_died", job.parameters["lang"])))
    finally:
        bar.close()
    return outcomes


def exit_code(manifest: dict) -> int:
    return 0 if all(c["ok"] for c in manifest["communes"]) else 1

