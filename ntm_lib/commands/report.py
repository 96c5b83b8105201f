"""`ntm report`'s run: one HTML report per commune, in parallel, with an index and a manifest
(its options, and its first worker started ahead: commands.report_command).

The data is read and scored once (a loaded run); each district's slice is written once; each
commune's notebook is one job (reports.batch, reports.pool). The run is written to a temporary
folder that replaces `--out` only when complete and, where results were there before, only when
every commune succeeded (or with `--allow-failures`). `--update` (formerly `--resume`) makes
again only the pages whose own inputs changed, judged by content (reports.fingerprint,
reports.reuse), says which and why, and writes nothing at all when nothing changed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path

from ..assess.loaded import LoadedRun, load_run
from ..atomic import atomic_dir, check_target_dir, read_manifest, stamped_digest, write_manifest
from ..criteria.catalogue import load_set, provenance_of
from ..errors import PreviousKeptError, UsageError, os_message
from ..i18n import current_lang, t
from ..intake.plans import read_budget, read_plan
from ..provenance import files, relative_path, run_time
from ..reports import batch, fingerprint, pool, reuse, worker
from ..reports.areas import area_digests, areas
from ..reports.batch import DEFAULT_TIMEOUT, NOTEBOOK
from ..reports.context import plan_files
from ..reports.kernel import sweep_dead_kernel_folders
from ..reports.slices import district_parts, page_provenance, write_slices
from ..reports.workbooks import write_assessment
from . import manifest
from .base import MAX_PRINTED_PROBLEMS, Replay, resolved
from .common import replayed_set, set_parameter

NAME = "report"  # as typed (commands.report_command) and as its manifests record it
# Reasons for which a page counts as changed since the last run (the index marks them).
CHANGED = ("data", "set", "options", "code")
SHOWN_IDS = 10  # communes named per reason when the command says what it made again


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
        update=args.update,
        force=args.force,
        notebook=Path(args.notebook) if args.notebook else NOTEBOOK,
        plan=args.plan,
        budget=args.budget,
        scheduler=args.scheduler,
        summary=args.summary,
        documents=args.documents,
        timeout=args.timeout,
        predecessors=predecessors,
        allow_failures=args.allow_failures,
    )
    print_outcome(record, args.out)
    return batch.exit_code(record)


def print_outcome(record: dict, out: str | Path) -> None:
    """What the run did: nothing (all up to date), or which pages it made again and why, and
    how many succeeded."""
    index = str(Path(out).resolve() / "index.html")
    if record.get("up_to_date"):
        print(t("report_up_to_date", path=index))
        return
    for line in rebuilt_lines(record["communes"]):
        print(line)
    ok = sum(c["ok"] for c in record["communes"])
    print(t("cli_report_done", ok=ok, failed=len(record["communes"]) - ok, index=index))


def rebuilt_lines(communes: list[dict]) -> list[str]:
    """Per reason, how many pages were made again and the first few communes."""
    by_reason: dict[str, list[str]] = {}
    for c in communes:
        if c.get("reason"):
            by_reason.setdefault(c["reason"], []).append(c["commune_id"])
    if not by_reason:
        return []
    reused = sum(bool(c.get("reused")) for c in communes)
    lines = [t("report_rebuilt", made=len(communes) - reused, reused=reused)]
    for why in reuse.REASONS:
        ids = by_reason.get(why, [])
        if ids:
            shown = ", ".join(ids[:SHOWN_IDS]) + (" …" if len(ids) > SHOWN_IDS else "")
            lines.append(
                t("report_rebuilt_reason", reason=t(f"reason_{why}"), count=len(ids), ids=shown)
            )
    return lines


@dataclass(frozen=True)
class Request:
    """What `ntm report` was asked, every path absolute, every option checked."""

    data: list[str]
    communes_path: str
    set_id: str
    out: Path
    year: int | None = None
    communes: list[str] | None = None
    jobs: int = 1
    lang: str = "vi"
    update: bool = False
    force: bool = False
    notebook: Path = NOTEBOOK
    plan: str = ""
    budget: str = ""
    scheduler: str | None = None
    summary: bool = False
    documents: bool = False
    timeout: float = DEFAULT_TIMEOUT
    predecessors: dict | None = None
    allow_failures: bool = False
    marks: dict | None = None  # a replay's: the pages its run marked as changed

    @property
    def inputs(self) -> list[str]:
        """Every file the run reads (never inside --out)."""
        extra = (
            self.predecessors["data"] + [self.predecessors["communes"]] if self.predecessors else []
        )
        return self.data + [self.communes_path, self.plan, self.budget, str(self.notebook), *extra]

    @property
    def custom(self) -> bool:
        return self.notebook != NOTEBOOK

    def recorded_inputs(self) -> list[dict]:
        """The input files as provenance entries (role, name, path, SHA-256)."""
        entries = files(self.data, "data") + files([self.communes_path], "communes")
        if self.plan:
            entries += plan_files(self.plan, self.budget)
        if self.predecessors:
            entries += files(self.predecessors["data"], "predecessors_data")
            entries += files([self.predecessors["communes"]], "predecessors_communes")
        return entries

    def parameters(self, year: int | None, selected: list[str] | None = None) -> dict:
        """The parameters as the manifest records them (and as a replay reads them): the
        communes asked for by their codes once resolved (`selected`), as typed before."""
        asked = selected if selected is not None else self.communes
        return {
            "set": set_parameter(self.set_id, self.out),
            "year": year,
            "lang": self.lang,
            "communes": list(asked) if self.communes else None,
            "jobs": self.jobs,
            "summary": self.summary,
            "timeout": self.timeout,
            "documents": self.documents,
            "predecessors_set": self.predecessors["set"] if self.predecessors else None,
            "notebook": relative_path(self.notebook, self.out) if self.custom else None,
        }


def run_report(
    data_paths: list[str],
    communes_path: str,
    set_id: str,
    out: str | Path,
    *,
    executor=None,
    resume: bool = False,
    **options,
) -> dict:
    """Render the reports into `out`; returns the manifest (with `up_to_date` when `update`
    found nothing to do and wrote nothing). Options: those of `Request` (`resume` is the
    former name of `update`). Raises InputError on invalid data, NoDataError for a year or
    commune without data, UsageError for a bad option, PreviousKeptError when a run with
    failures did not replace earlier results."""
    options["update"] = bool(options.get("update") or resume)
    return make_report(request(data_paths, communes_path, set_id, out, **options), executor)


def request(data_paths, communes_path, set_id, out, **options) -> Request:
    """The request, its options checked and its paths made absolute."""
    jobs, timeout = options.get("jobs"), options.get("timeout", DEFAULT_TIMEOUT)
    batch.check_options(jobs, DEFAULT_TIMEOUT if timeout is None else timeout)
    predecessors = options.get("predecessors")
    if predecessors:
        predecessors = {
            "data": resolved(predecessors["data"]),
            "communes": resolved([predecessors["communes"]])[0],
            "set": predecessors["set"],
        }
    notebook = Path(options.get("notebook") or NOTEBOOK)
    return Request(
        **options
        | {
            "data": resolved(data_paths),
            "communes_path": resolved([communes_path])[0],
            "set_id": set_id,
            "out": Path(os.path.abspath(out)),
            "jobs": jobs or os.cpu_count() or 1,
            "timeout": DEFAULT_TIMEOUT if timeout is None else float(timeout),
            "plan": (resolved([options.get("plan")]) or [""])[0],
            "budget": (resolved([options.get("budget")]) or [""])[0],
            "predecessors": predecessors or None,
            "notebook": notebook,
            "summary": bool(options.get("summary")),
            "documents": bool(options.get("documents")),
        }
    )


def make_report(req: Request, executor=None) -> dict:
    started = run_time()
    check_target_dir(req.out, req.force or req.update, req.inputs, edits=False)
    if not req.notebook.is_file():
        raise UsageError(t("report_notebook_missing", None, path=str(req.notebook)))
    key = _update_key(req)
    previous = read_manifest(req.out) if req.update else None
    if previous is not None and _nothing_to_do(previous, key, req.out):
        return previous | {"up_to_date": True}
    ours = executor is None and not req.scheduler
    with worker.prestarted(req.jobs, wanted=ours, charts=worker.may_draw(req.plan, req.notebook)):
        return _made(req, key, previous, started, executor)


def _made(req: Request, key: str, previous: dict | None, started: str, executor) -> dict:
    """The run itself, into a temporary folder that replaces --out when complete."""
    loaded = load_run(req.data, req.communes_path, req.set_id)
    year = loaded.checked_year(req.year)
    selected = batch.choose_communes(loaded, year, req.communes)
    page_run, plan_rows, budget_rows = _plan(req, loaded, year)
    sweep_dead_kernel_folders()  # of kernels whose workers were killed, in any earlier run
    with _keeping_previous(req), atomic_dir(req.out, force=True, inputs=req.inputs) as tmp:
        made = Made(page_run, year, selected, plan_rows, budget_rows)
        outcomes, carried = _pages(req, made, previous, tmp, executor)
        _refuse_incomplete(req, outcomes)
        _finish(req, made, outcomes, tmp)
        record = manifest.build(
            NAME,
            req.parameters(year, selected),
            req.recorded_inputs(),
            req.out,
            sets=[loaded.cset],
            started=started,
            notebook={"name": req.notebook.name, "sha256": fingerprint.sha256(req.notebook)},
            communes=[asdict(o) for o in outcomes],
            update_key=key,
        )
        record = write_manifest(tmp, record, known=carried)
    return record


@dataclass(frozen=True)
class Made:
    """What the pages of a run are made from."""

    run: LoadedRun  # its provenance naming the plan and budget too
    year: int
    selected: list[str]
    plan_rows: object = None
    budget_rows: object = None

    @cached_property
    def names(self) -> dict[str, str]:
        """Each commune's name (its files are named by it, beside its code)."""
        reg = self.run.register
        return dict(zip(reg["commune_id"], reg["name"]))


def _update_key(req: Request) -> str:
    """The digest of all that decides the run's outputs (manifest.update_key), from the
    request as typed: the same request on the same files writes the same folder."""
    return manifest.update_key(
        NAME,
        req.parameters(req.year),
        req.recorded_inputs(),
        req.out,
        sets=_sets(req),
        notebook={"name": req.notebook.name, "sha256": fingerprint.sha256(req.notebook)},
    )


def _sets(req: Request) -> list:
    """The criteria sets the pages are judged by: the run's, and the old communes' set when
    merged communes name their predecessors' verdicts (its content, not only its id)."""
    named = [req.set_id] + ([req.predecessors["set"]] if req.predecessors else [])
    return [load_set(set_id) for set_id in named]


def _nothing_to_do(previous: dict, key: str, out: Path) -> bool:
    """The previous run was asked the same of the same files, all its pages were made, and
    every file it wrote is still there."""
    communes = previous.get("communes")
    complete = isinstance(communes, list) and all(
        isinstance(c, dict) and c.get("ok") is True for c in communes
    )
    return complete and manifest.unchanged(previous, key, out)


def _plan(req: Request, loaded: LoadedRun, year: int):
    """The run as pages name it, and the plan and budget rows (a bad plan is refused here,
    before any notebook runs; read once for every report)."""
    if not req.plan:
        return loaded, None, None
    budget_rows = read_budget([req.budget or req.plan], loaded.register)
    plan_rows = read_plan([req.plan], loaded.cset, loaded.register, year)
    return loaded.with_inputs(plan_files(req.plan, req.budget)), plan_rows, budget_rows


@contextlib.contextmanager
def _keeping_previous(req: Request):
    """An error that ends the run (a full disk...) leaves an earlier run's folder as it was
    (atomic_dir): say so."""
    had = req.out.is_dir() and any(req.out.iterdir())
    try:
        yield
    except OSError as exc:
        if not had:
            raise
        raise PreviousKeptError(
            t("report_kept_error", None, error=os_message(exc), path=str(req.out))
        ) from exc


def _refuse_incomplete(req: Request, outcomes: list) -> None:
    """Results already in --out are replaced only by a run whose every commune succeeded
    (unless --allow-failures): the earlier folder is kept, and the message names each
    failure."""
    failed = [o for o in outcomes if not o.ok]
    had = req.out.is_dir() and any(req.out.iterdir())
    if not failed or not had or req.allow_failures:
        return
    lines = [
        t("report_failed_commune", None, commune=o.commune_id, error=o.error)
        for o in failed[:MAX_PRINTED_PROBLEMS]
    ]
    kept = t("report_kept_failures", None, count=len(failed), path=str(req.out))
    raise PreviousKeptError("\n".join([*lines, kept]))


# --- the pages


def _pages(req: Request, made: Made, previous, tmp: Path, executor) -> tuple[list, dict]:
    """Every selected commune's page in `tmp`/communes: carried from the previous run where
    its inputs are unchanged, made otherwise; the results tables are written meanwhile.
    Returns the outcomes (by commune) and the hashes of the files carried and of the tables."""
    folder = _mkdir(tmp / "communes")
    own = fingerprint.commune_digests(
        made.run, made.plan_rows, made.budget_rows, _whole_file_inputs(req)
    )
    districts = areas(made.run, made.year)  # for every slice below
    inputs = _page_inputs(req, made, own, districts)
    parts: dict[int, dict] = {}  # the slices `_shown` made, written as they are for the pages
    keep, todo = reuse.sort_pages(
        previous if req.update else None,
        req.out,
        made.year,
        inputs,
        None if req.custom else lambda ids: _shown(made, own, ids, parts, districts),
        made.names,
    )
    # While the workers make the pages: the old pages carried, then the tables (one after the
    # other: side by side, the tables held the interpreter against each link), then the
    # index's code made ready.
    with ThreadPoolExecutor(1) as background:
        carrying = background.submit(_carry, keep, inputs, made, folder, previous, req.out)
        earlier = _earlier_tables(req, previous, inputs)
        results = background.submit(_results, req, made, tmp, earlier)
        background.submit(_ready_index)
        remade = _make(req, made, own, inputs, todo, tmp, executor, parts, districts)
        outcomes, carried = carrying.result()
        written = results.result()
    outcomes = sorted(outcomes + remade, key=lambda o: o.commune_id)
    return outcomes, carried | written


def _whole_file_inputs(req: Request) -> list | None:
    """What every page reads of the inputs as a whole: the old communes' files (merged
    communes name their predecessors' verdicts) and, for a custom notebook (which may read
    anything it is given), every input file."""
    entries = req.recorded_inputs() if req.custom else []
    if req.predecessors:
        entries += files(req.predecessors["data"] + [req.predecessors["communes"]], "old")
    return [(e["role"], e["name"], e["sha256"]) for e in entries] or None


def _page_inputs(req: Request, made: Made, own: dict[str, str], districts) -> dict[str, dict]:
    """Each selected page's digests but `shown` (reports.fingerprint)."""
    shared = {
        "code": fingerprint.code_digest(req.notebook),
        "set": fingerprint.digest([provenance_of(cset) for cset in _sets(req)]),
        "options": fingerprint.digest(
            {
                "lang": req.lang,
                "reading_lang": current_lang(),
                "year": made.year,
                "documents": req.documents,
                "predecessors_set": (req.predecessors or {}).get("set"),
                "inputs": page_provenance(made.run.provenance)["inputs"],
            }
        ),
    }
    named = fingerprint.named_digests(made.run, made.plan_rows)
    area = area_digests(districts, made.run, made.year, own, named, made.selected, whole=req.custom)
    out = {}
    for cid in made.selected:
        out[cid] = shared | {"commune": own[cid], "area": area[cid]}
        if req.custom:  # its page may read all its slice: that is what it shows
            out[cid]["shown"] = area[cid]
    return out


def _shown(made: Made, own: dict[str, str], ids: list[str], parts: dict, districts=None):
    """What the pages of `ids` show of other communes now; the slices of their districts
    (serving every selected page there) kept in `parts` for the pages made again."""
    out = {}
    wanted = set(ids)
    for k, part in district_parts(
        made.run,
        made.year,
        made.plan_rows,
        made.budget_rows,
        own,
        wanted=wanted,
        pages=set(made.selected),
        districts=districts,
    ):
        parts[k] = part
        for cid in wanted.intersection(part["ids"]):
            out[cid] = part["shown"][cid]
    return out


def _carry(
    keep: dict, inputs: dict, made: Made, folder: Path, previous, out: Path
) -> tuple[list, dict]:
    """The pages kept from the previous run, linked into `folder`, with their recorded hashes
    (their content was checked against them under the lock: atomic_dir), and their stamps
    where the previous run's still vouched for them (atomic.read_stamps)."""
    from ..atomic import read_stamps

    listed = (previous or {}).get("files") or {}
    recorded = read_stamps(out) if keep else {}
    outcomes, carried = [], {}
    for cid, (page, paths) in keep.items():
        names = {path: f"communes/{path.name}" for path in paths}
        vouched = {
            path: recorded[name][0]
            for path, name in names.items()
            if name in recorded and recorded[name][1] == listed.get(name)
        }
        stamps = reuse.carry(paths, folder, vouched)
        outcomes.append(reuse.reused_outcome(page, inputs[cid], made.year, made.names.get(cid)))
        for path, name in names.items():
            if isinstance(listed.get(name), str):
                stamp = stamps.get(folder / path.name)
                carried[name] = listed[name] if stamp is None else (listed[name], stamp)
    return outcomes, carried


def _make(
    req, made: Made, own, inputs: dict, todo: dict, tmp: Path, executor, parts=None, districts=None
):
    """The pages to make, each with the reason (when updating); `parts`: slices already made."""
    if not todo:
        return []
    ids = [cid for cid in made.selected if cid in todo]
    slices = write_slices(
        # Named anew for each run: a warm worker of a watching command (`--watch`) knows a
        # slice it read by its file, and the run's temporary folder keeps its name.
        tmp / ".cache" / secrets.token_hex(8),
        made.run,
        made.year,
        made.plan_rows,
        made.budget_rows,
        own,
        set(ids),
        parts,
        districts,
    )
    shared = {
        "data": req.data,
        "communes": req.communes_path,
        "set_id": made.run.cset.id,
        "lang": req.lang,
        "plan": req.plan,
        "budget": req.budget,
        "predecessors": req.predecessors or {},
    }
    jobs = batch.make_jobs(
        made.run,
        ids,
        made.year,
        tmp / "communes",
        req.notebook,
        shared,
        slices,
        req.timeout,
        inputs,
        req.documents,
    )
    outcomes = pool.run_jobs(jobs, req.jobs, executor, req.scheduler)
    return [replace(o, reason=todo[o.commune_id] if req.update else "") for o in outcomes]


def _results(req: Request, made: Made, tmp: Path, earlier=None) -> dict:
    """The result tables of the reported communes (`earlier`: workbooks.Earlier), with their
    hashes for the manifest (taken here, beside the pages, rather than after them)."""
    selected = set(made.selected)
    assessment = made.run.assessment
    if req.communes:
        assessment = assessment.only(lambda f: f["commune_id"].isin(selected))
    written = write_assessment(
        assessment,
        _mkdir(tmp / "results"),
        made.run.cset,
        made.run.register,
        req.lang,
        inputs=req.recorded_inputs(),
        earlier=earlier,
    )
    return {f"results/{path.name}": stamped_digest(path) for path in written}


def _ready_index() -> None:
    from ..reports.index import template

    template()


def _earlier_tables(req: Request, previous, inputs: dict):
    """The previous run's result tables (workbooks.Earlier) with the communes whose rows are
    unchanged: their page was made by the same code, set and options from the same own rows
    (their digest covers every year's verdicts). None when nothing can be taken from there."""
    import stat

    from ..reports.workbooks import Earlier

    if not req.update or not isinstance(previous, dict):
        return None
    folder = req.out / "results"
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
    except OSError:
        return None
    same = set()
    for entry in previous.get("communes") if isinstance(previous.get("communes"), list) else []:
        cid = entry.get("commune_id") if isinstance(entry, dict) else None
        now, then = inputs.get(cid), entry.get("inputs") if cid else None
        parts = ("code", "set", "options", "commune")
        if now and isinstance(then, dict) and all(then.get(k) == now[k] for k in parts):
            same.add(cid)
    listed = previous.get("files") if isinstance(previous.get("files"), dict) else {}
    hashes = {
        name.removeprefix("results/"): digest
        for name, digest in listed.items()
        if isinstance(name, str) and name.startswith("results/") and isinstance(digest, str)
    }
    return Earlier(folder, hashes, frozenset(same)) if same else None


def _finish(req: Request, made: Made, outcomes: list, tmp: Path) -> None:
    """The drafts, the district summaries and the index, around the pages."""
    import shutil

    from ..reports.index import write_index

    if req.documents:
        batch.write_documents(
            tmp / "documents",
            [o for o in outcomes if o.ok],
            made.run,
            made.year,
            made.plan_rows,
            made.budget_rows,
        )
    shutil.rmtree(tmp / ".cache", ignore_errors=True)
    pages = (
        batch.summaries(tmp, made.run, made.year, made.selected, req.lang) if req.summary else {}
    )
    marks = req.marks if req.marks is not None else {o.commune_id: o.reason for o in outcomes}
    write_index(
        tmp / "index.html",
        made.run.cset,
        made.run.register,
        made.run.assessment,
        made.year,
        outcomes,
        req.lang,
        pages,
        with_no_data=not req.communes,
        documents=_document_index(outcomes, made.year, made.run) if req.documents else None,
        inputs=req.recorded_inputs(),
        changed={cid for cid, why in marks.items() if why in CHANGED},
    )


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


# --- ntm verify


def replay(r: Replay) -> None:
    params = r.parameters
    predecessors = None
    if params.get("predecessors_set"):
        predecessors = {
            "data": r.inputs["predecessors_data"],
            "communes": r.inputs["predecessors_communes"][0],
            "set": params["predecessors_set"],
        }
    req = request(
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
        allow_failures=True,
        marks=recorded_marks(r.folder),
    )
    make_report(req)


def recorded_marks(folder: Path) -> dict[str, str]:
    """The pages the verified run marked as changed (its manifest: untrusted, so only
    commune ids and known reasons are taken)."""
    entries = (read_manifest(folder) or {}).get("communes")
    return {
        e["commune_id"]: e["reason"]
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, dict)
        and isinstance(e.get("commune_id"), str)
        and e.get("reason") in reuse.REASONS
    }
