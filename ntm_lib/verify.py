"""`ntm verify DIR`: run a finished run again from its manifest and report every difference.

Result tables must come back byte for byte; report pages may differ only in their run time.
The inputs and criteria-set files must still be the ones the manifest recorded.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from .criteria.catalogue import load_set
from .errors import UsageError
from .i18n import t
from .provenance import sha256

TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
COMPARED = ("*.csv", "*.xlsx", "results/*", "communes/*.html", "index.html")


def _inputs_unchanged(manifest: dict) -> list[str]:
    problems = []
    for item in manifest["inputs"]:
        path = Path(item["path"])
        if not path.is_file():
            problems.append(t("verify_input_missing", path=str(path)))
        elif sha256(path) != item["sha256"]:
            problems.append(t("verify_input_changed", path=str(path)))
    current = load_set(manifest["parameters"]["set"]).files
    for set_id, digest in manifest["set"]["files"].items():
        if current.get(set_id) != digest:
            problems.append(t("verify_set_changed", set_id=set_id))
    return problems


def _rerun(manifest: dict, target: Path) -> None:
    params = manifest["parameters"]
    data = [i["path"] for i in manifest["inputs"] if i["role"] == "data"]
    communes = next(i["path"] for i in manifest["inputs"] if i["role"] == "communes")
    if manifest.get("command") == "assess":
        from .assess.scoring import score
        from .intake.inputs import load_inputs
        from .reports.workbooks import write_assessment

        cset = load_set(params["set"])
        inputs = load_inputs(data, communes, cset)
        target.mkdir()
        write_assessment(score(cset, inputs.register, inputs.data, years=params.get("years")),
                         target)
    else:
        from .reports.batch import run_report

        run_report(data, communes, params["set"], target, year=params["year"],
                   communes=params["communes"], jobs=params.get("jobs"), lang=params["lang"],
                   plan=params.get("plan") or None, budget=params.get("budget") or None)


def verify(folder: str | Path) -> list[str]:
    """Differences between `folder` and a fresh run of the same manifest (empty: identical)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(t("verify_no_manifest", path=str(folder))) from exc
    problems = _inputs_unchanged(manifest)
    if problems:
        return problems
    with tempfile.TemporaryDirectory() as tmp:
        again = Path(tmp) / "again"
        _rerun(manifest, again)
        names = sorted({p.relative_to(folder) for pattern in COMPARED for p in folder.glob(pattern)}
                       | {p.relative_to(again) for pattern in COMPARED for p in again.glob(pattern)})
        for name in names:
            old, new = folder / name, again / name
            if not old.exists() or not new.exists():
                problems.append(t("verify_file_only_in", path=str(name),
                                  where=str(folder if old.exists() else "rerun")))
                continue
            a, b = old.read_bytes(), new.read_bytes()
            if name.suffix == ".html":
                a, b = TIMESTAMP.sub(b"<time>", a), TIMESTAMP.sub(b"<time>", b)
            if a != b:
                problems.append(t("verify_differs", path=str(name)))
    return problems
