"""Steps shared by the commands: where a run's set comes from, and how a run is loaded."""

from __future__ import annotations

from pathlib import Path

from ..assess.loaded import LoadedRun, load_run
from ..criteria.catalogue import load_set
from ..i18n import t
from ..provenance import files, relative_path
from . import manifest
from .base import Replay, print_warnings, resolved


def set_parameter(set_id: str, base: Path) -> str:
    """A set named by id stays an id; a set named by its file is recorded relative to the
    manifest's folder, like an input."""
    if Path(set_id).suffix in (".yaml", ".yml") and Path(set_id).is_file():
        return relative_path(set_id, base)
    return set_id


def replayed_set(r: Replay, key: str = "set") -> str:
    """The set a replay loads: its id, or its file relative to the manifest's folder."""
    value = r.parameters[key]
    if value and Path(value).suffix in (".yaml", ".yml"):
        return str((r.folder / value).resolve())
    return value


def loaded_from_args(args, years: list[int] | None = None) -> LoadedRun:
    """The register and data files of a command's arguments, read and scored once."""
    run = load_run(resolved(args.data), resolved([args.communes])[0], args.set_id, years=years)
    print_warnings(run.warnings)
    return run


def input_paths(args, *extra: str | None) -> list[str]:
    """Every input file a command reads (for the checks that keep outputs off them)."""
    return resolved(list(args.data) + [args.communes, *extra])


def loaded_for_replay(r: Replay, years: list[int] | None = None) -> LoadedRun:
    return load_run(r.inputs.get("data", []), r.inputs["communes"][0], replayed_set(r), years=years)


def data_files(args) -> list[dict]:
    """The data and register files of a command's arguments as provenance entries."""
    return files(resolved(args.data), "data") + files(resolved([args.communes]), "communes")


def request_key(command: str, parameters: dict, inputs: list[dict], base: Path, set_ids) -> str:
    """The update key (manifest.update_key) of a command as it was asked (a year not given
    stays so: the data decides it, and the data's hash is in the key)."""
    sets = [load_set(s) for s in ([set_ids] if isinstance(set_ids, str) else set_ids)]
    return manifest.update_key(command, parameters, inputs, base, sets=sets)


def up_to_date(previous: dict | None, key: str, base: Path, shown: Path) -> bool:
    """`--update`: the outputs in `base` are those this command would write again (their
    manifest `previous` records the same key, every file is there); says so."""
    if manifest.unchanged(previous, key, base):
        print(t("cli_up_to_date", path=str(shown)))
        return True
    return False
