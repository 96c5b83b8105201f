"""`ntm set import WORKBOOK --out FOLDER`: a completed set workbook to a set file."""

from __future__ import annotations

from pathlib import Path

from ..atomic import check_target_file, write_files
from ..criteria.catalogue import load_set
from ..i18n import t
from ..intake.set_import import read_set_workbook, set_yaml
from ..provenance import files, run_time
from . import manifest
from .base import Command, Options, Replay, resolved

NAME = "set import"


def configure(o: Options) -> None:
    o.add("workbook")
    o.add("--out", required=True)
    o.add("--force", action="store_true")


def produce(workbook: str, target_folder: Path) -> tuple[dict, Path]:
    spec = read_set_workbook(workbook)
    return spec, target_folder / f"{spec['id']}.yaml"


def run(args) -> int:
    started = run_time()
    workbook = resolved([args.workbook])[0]
    spec, target = produce(workbook, Path(args.out).absolute())
    target = check_target_file(target, args.force, [workbook])
    text = set_yaml(spec, workbook)
    record = manifest.build(
        NAME,
        {"out": target.name},
        files([workbook], "workbook"),
        target.parent,
        sets=[],
        started=started,
    )
    _check_loads(text, target)
    write_files({target: lambda tmp: Path(tmp).write_text(text, encoding="utf-8")}, record)
    print(
        t(
            "cli_set_imported",
            set_id=spec["id"],
            overrides=len(spec.get("overrides", [])),
            added=sum(len(c["indicators"]) for c in spec.get("criteria", [])),
            path=str(target),
            folder=str(target.parent),
        )
    )
    return 0


def _check_loads(text: str, target: Path) -> None:
    """The set file must load as any set does before it takes the place of anything: it is
    tried under its own name in a temporary folder beside the target."""
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".ntm-set-check-") as tmp:
        trial = Path(tmp) / target.name
        trial.write_text(text, encoding="utf-8")
        for sibling in target.parent.glob("*.yaml"):  # its parent may be beside it
            if sibling.name != target.name:
                (Path(tmp) / sibling.name).write_bytes(sibling.read_bytes())
        load_set(str(trial))


def replay(r: Replay) -> None:
    r.target.mkdir()
    spec, _ = produce(r.inputs["workbook"][0], r.target)
    text = set_yaml(spec, r.inputs["workbook"][0])
    (r.target / r.parameters["out"]).write_text(text, encoding="utf-8")


COMMAND = Command(NAME, configure, run, replay)
