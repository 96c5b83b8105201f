"""`ntm verify DIR`: check a finished run against its manifest, then run it again and compare.

Every file of the run folder must be the one the manifest lists (nothing missing, changed or
added); the inputs and criteria-set files must still be the ones recorded; a fresh run with the
recorded options, reading numbers in the recorded language, must give the same files. Result
tables must come back byte for byte; pages and executed notebooks may differ only in their run
time (and a notebook in the cell papermill injected, which names temporary paths).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

from .atomic import MANIFEST, file_hashes
from .criteria.catalogue import load_set
from .errors import UsageError
from .i18n import t
from .provenance import files, sha256

TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
REQUIRED = ("command", "parameters", "inputs", "set")


def read(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        raise UsageError(t("verify_no_manifest", path=str(folder)))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UsageError(t("verify_manifest_damaged", path=str(path))) from exc
    if not isinstance(manifest, dict) or any(k not in manifest for k in REQUIRED):
        raise UsageError(t("verify_manifest_damaged", path=str(path)))
    return manifest


def locate_inputs(
    manifest: dict, folder: Path, inputs_from: Path | None
) -> list[tuple[dict, Path]]:
    """Each recorded input with its current path: relative to the run folder, or found in
    `inputs_from` (by its recorded relative path, else by its name)."""
    out = []
    for item in manifest["inputs"]:
        recorded = Path(item["path"])
        candidates = (
            [folder / recorded]
            if inputs_from is None
            else [inputs_from / recorded, inputs_from / item["name"]]
        )
        found = next((c for c in candidates if c.is_file()), candidates[-1])
        out.append((item, found.resolve()))
    return out


def _by_role(located: list[tuple[dict, Path]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item, path in located:
        out.setdefault(item["role"], []).append(str(path))
    return out


def _inputs_unchanged(manifest: dict, located: list[tuple[dict, Path]]) -> list[str]:
    problems = []
    for item, path in located:
        if not path.is_file():
            problems.append(t("verify_input_missing", path=str(path)))
        elif sha256(path) != item["sha256"]:
            problems.append(t("verify_input_changed", path=str(path)))
    current = load_set(manifest["parameters"]["set"]).files
    for set_id, digest in manifest["set"]["files"].items():
        if current.get(set_id) != digest:
            problems.append(t("verify_set_changed", set_id=set_id))
    return problems


def _folder_matches_manifest(manifest: dict, folder: Path) -> list[str]:
    listed = manifest.get("files")
    if listed is None:
        return []  # a manifest of an older version: nothing to check against
    present = file_hashes(folder)
    problems = []
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            problems.append(t("verify_file_missing", path=name))
        elif name not in listed:
            problems.append(t("verify_file_extra", path=name))
        elif present[name] != listed[name]:
            problems.append(t("verify_file_changed", path=name))
    return problems


@contextlib.contextmanager
def _reading_lang(lang: str | None):
    """Numbers like '1.234' read as in the original run, whatever this shell's language."""
    before = os.environ.get("NTM_LANG")
    if lang:
        os.environ["NTM_LANG"] = lang
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NTM_LANG", None)
        else:
            os.environ["NTM_LANG"] = before


def _rerun(manifest: dict, paths: dict[str, list[str]], folder: Path, target: Path) -> None:
    params = manifest["parameters"]
    data, communes = paths.get("data", []), paths["communes"][0]
    command = manifest["command"]
    if command == "assess":
        from .assess.pipeline import assess
        from .intake.inputs import load_inputs
        from .reports.workbooks import write_assessment

        cset = load_set(params["set"])
        inputs = load_inputs(data, communes, cset)
        target.mkdir()
        write_assessment(
            assess(cset, inputs.register, inputs.data, years=params.get("years")),
            target,
            cset,
            inputs.register,
            inputs=files(data, "data") + files([communes], "communes"),
        )
    elif command == "plan":
        from .assess.pipeline import assess
        from .assess.roadmap import make_roadmap
        from .intake.inputs import load_inputs
        from .intake.plans import read_budget, read_plan
        from .tables import write_csv

        cset = load_set(params["set"])
        inputs = load_inputs(data, communes, cset)
        assessment = assess(cset, inputs.register, inputs.data)
        year = params.get("year") or int(assessment.communes["year"].max())
        plan = read_plan(paths["plan"], cset, inputs.register, year)
        budget = read_budget(paths["budget"], inputs.register)
        result = make_roadmap(plan, budget, assessment, cset, year)
        from .reports.workbooks import CSV_NAMES, write_plan_workbook

        tables = {
            "roadmap": result.roadmap,
            "plan_summary": result.summary,
            "budget": result.budget_use,
        }
        target.mkdir()
        for name, frame in tables.items():
            write_csv(frame, target / f"{CSV_NAMES.get(name, name)}.csv")
        write_plan_workbook(
            tables,
            target / "roadmap.xlsx",
            cset,
            files(data, "data") + files([communes], "communes"),
        )
    elif command == "summary":
        from .reports.batch import run_summary

        run_summary(
            data,
            communes,
            params["set"],
            target,
            year=params["year"],
            district=params.get("district"),
            province=params.get("province"),
            lang=params["lang"],
        )
    elif command == "report":
        from .reports.batch import NOTEBOOK, run_report

        predecessors = None
        if params.get("predecessors_set"):
            predecessors = {
                "data": paths["predecessors_data"],
                "communes": paths["predecessors_communes"][0],
                "set": params["predecessors_set"],
            }
        notebook = (folder / params["notebook"]) if params.get("notebook") else NOTEBOOK
        run_report(
            data,
            communes,
            params["set"],
            target,
            year=params["year"],
            communes=params.get("communes"),
            jobs=params.get("jobs"),
            lang=params["lang"],
            notebook=notebook,
            plan=(paths.get("plan") or [None])[0],
            budget=(paths.get("budget") or [None])[0],
            summary=params.get("summary", False),
            predecessors=predecessors,
            documents=params.get("documents", False),
            timeout=params.get("timeout"),
        )
    else:
        raise UsageError(t("verify_manifest_damaged", path=str(folder / MANIFEST)))


def _normalised(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(raw)
        except ValueError:
            return raw  # damaged: compared as it is, and so found different
        nb.get("metadata", {}).pop("papermill", None)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {})
            meta.pop("papermill", None)
            meta.pop("execution", None)
            if "injected-parameters" in meta.get("tags", []):
                cell["source"] = cell["id"] = ""  # the run's temporary paths; a random id
        raw = json.dumps(nb, sort_keys=True).encode()
    if path.suffix in (".html", ".ipynb"):
        raw = TIMESTAMP.sub(b"<time>", raw)
    return raw


def verify(folder: str | Path, inputs_from: str | Path | None = None) -> list[str]:
    """Differences between `folder`, its manifest and a fresh run (empty: identical)."""
    folder = Path(folder)
    manifest = read(folder)
    problems = _folder_matches_manifest(manifest, folder)
    try:
        located = locate_inputs(manifest, folder, Path(inputs_from) if inputs_from else None)
        input_problems = _inputs_unchanged(manifest, located)
    except (KeyError, TypeError, AttributeError) as exc:
        raise UsageError(t("verify_manifest_damaged", path=str(folder / MANIFEST))) from exc
    if input_problems:
        return problems + input_problems
    with tempfile.TemporaryDirectory() as tmp:
        again = Path(tmp) / "again"
        # Numbers read in the run's language; what verify says, in the user's.
        with _reading_lang(manifest["parameters"].get("reading_lang")):
            _rerun(manifest, _by_role(located), folder, again)
        ours = set(manifest.get("files") or file_hashes(folder))
        theirs = set(file_hashes(again))
        for name in sorted(ours | theirs):
            old, new = folder / name, again / name
            if not new.exists():
                problems.append(t("verify_file_only_in", path=name, where=str(folder)))
            elif not old.exists():
                problems.append(t("verify_file_only_in", path=name, where="rerun"))
            elif _normalised(old) != _normalised(new):
                problems.append(t("verify_differs", path=name))
    return list(dict.fromkeys(problems))
