"""`ntm report`: one HTML report per commune, in parallel, with an index and a manifest.

The data is read and scored once (a loaded run); each district's slice is written once; each
commune's notebook is one job (reports.batch). The run is written to a temporary folder that
replaces `--out` only when complete; `--resume` reuses the pages of an earlier run whose
inputs have not changed.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Executor
from dataclasses import asdict
from pathlib import Path

from ..assess.loaded import load_run
from ..atomic import atomic_dir, check_target_dir, read_manifest, write_manifest
from ..i18n import t
from ..intake.plans import read_budget, read_plan
from ..provenance import files, relative_path, run_time, sha256
from ..reports import batch
from ..reports.batch import DEFAULT_TIMEOUT, NOTEBOOK
from ..reports.context import plan_files
from ..reports.slices import write_slices
from ..reports.workbooks import write_assessment
from . import manifest
from .base import Command, Options, Replay, data_options, resolved
from .common import replayed_set, set_parameter

NAME = "report"


def configure(o: Options) -> None:
    data_options(o, out=None)
    o.add("--out", required=True)
    o.add("--year", type=int)
    o.add("--commune", action="append", dest="commune_ids", metavar="ID")
    o.add("--jobs", type=int)
    o.add("--timeout", type=float, default=DEFAULT_TIMEOUT)
    o.add("--lang", dest="report_lang", choices=["vi", "en"])
    o.add("--resume", action="store_true")
    o.add("--force", action="store_true")
    o.add("--notebook")
    o.add("--plan")
    o.add("--budget")
    o.add("--summary", action="store_true")
    o.add("--documents", action="store_true")
    o.add("--predecessors-data", nargs="+", metavar="FILE")
    o.add("--predecessors-communes", metavar="FILE")
    o.add("--predecessors-set", metavar="SET")
    o.add("--scheduler", metavar="ADDRESS")


def run(args) -> int:
    predecessors = None
    if args.predecessors_set:
        predecessors = {
            "data": args.predecessors_data,
            "communes": args.predecessors_communes,
            "set": args.predecessors_set,
        }
    record = run_report(
        args.data,
        args.communes,
        args.set_id,
        args.out,
        year=args.year,
        communes=args.commune_ids,
        jobs=args.jobs,
        lang=args.report_lang or args.lang or "vi",
        resume=args.resume,
        force=args.force,
        notebook=Path(args.notebook) if args.notebook else NOTEBOOK,
        plan=args.plan,
        budget=args.budget,
        scheduler=args.scheduler,
        summary=args.summary,
        documents=args.documents,
        timeout=args.timeout,
        predecessors=predecessors,
    )
    ok = sum(c["ok"] for c in record["communes"])
    print(
        t(
            "cli_report_done",
            ok=ok,
            failed=len(record["communes"]) - ok,
            index=str(Path(args.out).resolve() / "index.html"),
        )
    )
    return batch.exit_code(record)


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
    """Render the reports into `out`; returns the manifest. Raises InputError on invalid
    data, NoDataError for a year or commune without data, UsageError for a bad option."""
    started = run_time()
    batch.check_options(jobs, timeout)
    data_paths, communes_path = resolved(data_paths), resolved([communes_path])[0]
    plan, budget = (resolved([plan]) or [""])[0], (resolved([budget]) or [""])[0]
    if predecessors:
        predecessors = {
            "data": resolved(predecessors["data"]),
            "communes": resolved([predecessors["communes"]])[0],
            "set": predecessors["set"],
        }
    notebook = Path(notebook)
    own = (
        data_paths
        + [communes_path, plan, budget, str(notebook)]
        + (predecessors["data"] + [predecessors["communes"]] if predecessors else [])
    )
    out = check_target_dir(out, force or resume, own)  # the notebook runs elsewhere
    loaded = load_run(data_paths, communes_path, set_id)
    year = loaded.checked_year(year)
    selected = batch.choose_communes(loaded, year, communes)
    if not notebook.is_file():
        raise batch.UsageError(t("report_notebook_missing", None, path=str(notebook)))
    plan_rows = budget_rows = None
    page_run = loaded  # what each page says it was made from
    if plan:  # refuse a bad plan before any notebook runs; read once for every report
        budget_rows = read_budget([budget or plan], loaded.register)
        plan_rows = read_plan([plan], loaded.cset, loaded.register, year)
        page_run = loaded.with_inputs(plan_files(plan, budget))
    previous = (read_manifest(out) or {}) if resume else {}
    from ..reports.papermill_engine import sweep_dead_kernel_folders

    sweep_dead_kernel_folders()  # of kernels whose workers were killed, in any earlier run
    plan_hashes = [sha256(p) for p in (plan, budget) if p] + (
        [sha256(p) for p in predecessors["data"]] if predecessors else []
    )
    base = [
        loaded.provenance["inputs"],
        loaded.provenance["set"],
        sha256(notebook),
        loaded.provenance["version"],
        lang,
        year,
        plan_hashes,
    ]
    jobs_n = jobs or os.cpu_count() or 1
    shared = {
        "data": data_paths,
        "communes": communes_path,
        "set_id": loaded.cset.id,
        "lang": lang,
        "plan": plan,
        "budget": budget,
        "predecessors": predecessors or {},
    }
    with atomic_dir(out, force=force or resume, inputs=own) as tmp:
        slices = write_slices(tmp / ".cache", page_run, year, plan_rows, budget_rows)
        todo = batch.make_jobs(
            loaded,
            selected,
            year,
            _mkdir(tmp / "communes"),
            base,
            notebook,
            shared,
            slices,
            timeout,
            documents,
        )
        outcomes, todo = batch.reuse(previous, out, todo, tmp / "communes")
        marked = page_run.provenance["inputs"] + _extra_inputs(predecessors)
        write_assessment(
            loaded.assessment,
            _mkdir(tmp / "results"),
            loaded.cset,
            loaded.register,
            lang,
            inputs=marked,
        )
        outcomes += batch.run_jobs(todo, jobs_n, executor, scheduler)
        if documents:
            batch.write_documents(
                tmp / "documents", [o for o in outcomes if o.ok], loaded, year, slices
            )
        shutil.rmtree(tmp / ".cache")
        outcomes.sort(key=lambda o: o.commune_id)
        pages = batch.summaries(tmp, loaded, year, selected, lang) if summary else {}
        from ..reports.index import write_index

        write_index(
            tmp / "index.html",
            loaded.cset,
            loaded.register,
            loaded.assessment,
            year,
            outcomes,
            lang,
            pages,
            with_no_data=not communes,
            documents=_document_index(outcomes, year, loaded) if documents else None,
            inputs=marked,
        )
        parameters = {
            "set": set_parameter(set_id, out),
            "year": year,
            "lang": lang,
            "communes": selected if communes else None,
            "jobs": jobs_n,
            "summary": bool(summary),
            "timeout": timeout,
            "documents": bool(documents),
            "predecessors_set": predecessors["set"] if predecessors else None,
            "notebook": None if notebook == NOTEBOOK else relative_path(notebook, out),
        }
        record = manifest.build(
            NAME,
            parameters,
            marked,
            out,
            sets=[loaded.cset],
            started=started,
            notebook={"name": notebook.name, "sha256": sha256(notebook)},
            communes=[asdict(o) for o in outcomes],
        )
        record = write_manifest(tmp, record)
    return record


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _document_index(outcomes, year: int, run) -> dict:
    links = {
        o.commune_id: batch.document_links(o.commune_id, year, run.name(o.commune_id))
        for o in outcomes
        if o.ok
    }
    return {
        cid: {k: p.removeprefix("../") for k, p in found.items()} for cid, found in links.items()
    }


def _extra_inputs(predecessors: dict | None) -> list[dict]:
    if not predecessors:
        return []
    return files(predecessors["data"], "predecessors_data") + files(
        [predecessors["communes"]], "predecessors_communes"
    )


def replay(r: Replay) -> None:
    params = r.parameters
    predecessors = None
    if params.get("predecessors_set"):
        predecessors = {
            "data": r.inputs["predecessors_data"],
            "communes": r.inputs["predecessors_communes"][0],
            "set": params["predecessors_set"],
        }
    run_report(
        r.inputs.get("data", []),
        r.inputs["communes"][0],
        replayed_set(r),
        r.target,
        year=params["year"],
        communes=params.get("communes"),
        jobs=params.get("jobs"),
        lang=params["lang"],
        notebook=r.notebook or NOTEBOOK,
        plan=(r.inputs.get("plan") or [None])[0],
        budget=(r.inputs.get("budget") or [None])[0],
        summary=params.get("summary", False),
        predecessors=predecessors,
        documents=params.get("documents", False),
        timeout=params.get("timeout"),
    )


COMMAND = Command(NAME, configure, run, replay)
