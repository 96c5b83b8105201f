"""`ntm verify PATH`: check what a command wrote against its manifest, then write it again and
compare.

PATH is a run folder (its `manifest.json`) or a file a single-file command wrote (its sidecar
`FILE.ntm.json`). Every file the manifest lists must be there unchanged, and a folder must
hold nothing else; the inputs and criteria sets must still be the ones recorded; the command
(from the same registry as `ntm` itself) writes its outputs again into a temporary folder,
reading numbers in the recorded language, and they must be the same. Result tables come back
byte for byte; pages and executed notebooks may differ only in their run time and in the
temporary paths papermill injected (their other parameters are compared).

The folder is someone else's data: its manifest is read as untrusted input (bounded in size,
every path confined to the folder, links and special files refused, nothing it names
executed). A custom report notebook is replayed only from a path the verifier gives.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path

from ..atomic import MANIFEST, OWN_FILES, SIDECAR_SUFFIX, sidecar
from ..criteria.catalogue import load_set
from ..errors import UsageError
from ..i18n import t
from ..intake.sheets import max_bytes
from ..provenance import sha256
from .base import Command, Options, Replay

NAME = "verify"
TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
REQUIRED = ("command", "parameters", "inputs", "set")
MAX_MANIFEST_BYTES = 50 << 20
# Notebook parameters that name a run's temporary folders: not compared.
TEMPORARY_PARAMETERS = ("output_dir", "cache")
PATH_PARAMETERS = ("data", "communes", "plan", "budget")


def configure(o: Options) -> None:
    o.add("folder")
    o.add("--inputs-from", metavar="DIR")
    o.add("--notebook", dest="verify_notebook", metavar="FILE")


def run(args) -> int:
    problems = verify(args.folder, args.inputs_from, args.verify_notebook)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(t("verify_identical", path=args.folder))
    return 1 if problems else 0


# --- reading the manifest as untrusted input


def manifest_path(path: Path) -> tuple[Path, bool]:
    """(the manifest, whether it is a folder's) for a run folder, a file, or a sidecar."""
    if path.is_dir() and not path.is_symlink():
        return path / MANIFEST, True
    if path.name.endswith(SIDECAR_SUFFIX):
        return path, False
    return sidecar(path), False


def read(path: Path) -> dict:
    if not _regular(path):
        key = "verify_no_manifest" if not path.exists() else "verify_manifest_damaged"
        raise UsageError(t(key, path=str(path.parent if path.name == MANIFEST else path)))
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError("too large")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UsageError(t("verify_manifest_damaged", path=str(path))) from exc
    if not _well_formed(manifest):
        raise UsageError(t("verify_manifest_damaged", path=str(path)))
    return manifest


def _well_formed(manifest) -> bool:
    if not isinstance(manifest, dict) or any(k not in manifest for k in REQUIRED):
        return False
    inputs, files = manifest["inputs"], manifest.get("files", {})
    return (
        isinstance(manifest["command"], str)
        and isinstance(manifest["parameters"], dict)
        and isinstance(inputs, list)
        and isinstance(files, dict)
        and all(
            isinstance(i, dict)
            and {"role", "path", "sha256"} <= set(i)
            and all(isinstance(i[k], str) for k in ("role", "path", "sha256"))
            for i in inputs
        )
        and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
    )


def _regular(path: Path) -> bool:
    """A regular file, reached without a symbolic link at its last step."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _inside(folder: Path, name: str) -> Path | None:
    """`folder`/`name` when `name` is a plain relative path that stays inside `folder`."""
    rel = Path(name)
    if not name or rel.is_absolute() or ".." in rel.parts:
        return None
    path = folder / rel
    return path if path.resolve().is_relative_to(folder.resolve()) else None


# --- what is on disk


def _listing(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """Every regular file under `folder` by relative name, and the names of links, devices,
    sockets and pipes found there (never followed, never read)."""
    found: dict[str, Path] = {}
    strange: list[str] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if rel in OWN_FILES:
                continue
            if _regular(path):
                found[rel] = path
            else:
                strange.append(rel)
    return found, strange


def _files_problems(manifest: dict, base: Path, whole_folder: bool) -> list[str]:
    listed = manifest.get("files")
    if listed is None:
        return []  # a manifest of an older version: nothing to check against
    problems = []
    if whole_folder:
        present, strange = _listing(base)
        problems += [t("verify_not_regular", path=name) for name in strange]
    else:
        present = {n: p for n in listed if (p := _inside(base, n)) is not None and _regular(p)}
    for name in sorted(set(listed) | set(present)):
        if _inside(base, name) is None:
            problems.append(t("verify_outside", path=name))
        elif name not in present:
            problems.append(t("verify_file_missing", path=name))
        elif name not in listed:
            problems.append(t("verify_file_extra", path=name))
        elif sha256(present[name]) != listed[name]:
            problems.append(t("verify_file_changed", path=name))
    return problems


def locate_inputs(manifest: dict, base: Path, inputs_from: Path | None) -> list[tuple[dict, Path]]:
    """Each recorded input with its current path: relative to the manifest, or found in
    `inputs_from` (by its recorded relative path, else by its name)."""
    out = []
    for item in manifest["inputs"]:
        recorded = Path(item["path"])
        name = Path(item.get("name") or recorded.name).name
        candidates = (
            [base / recorded]
            if inputs_from is None
            else [inputs_from / recorded, inputs_from / name]
        )
        found = next((c for c in candidates if c.is_file()), candidates[-1])
        out.append((item, Path(os.path.abspath(found))))
    return out


def _inputs_problems(manifest: dict, located: list[tuple[dict, Path]]) -> list[str]:
    problems = []
    for item, path in located:
        real = path.resolve()
        if not real.exists():
            problems.append(t("verify_input_missing", path=str(path)))
        elif not stat.S_ISREG(real.stat().st_mode):
            problems.append(t("verify_input_not_file", path=str(path)))
        elif real.stat().st_size > max_bytes():
            problems.append(t("verify_input_too_large", path=str(path)))
        elif sha256(real) != item["sha256"]:
            problems.append(t("verify_input_changed", path=str(path)))
    return problems


def _sets_problems(manifest: dict, base: Path) -> list[str]:
    recorded = manifest.get("sets") or ([manifest["set"]] if manifest["set"].get("id") else [])
    problems = []
    for entry in recorded:
        try:
            current = load_set(str(entry["id"])).files
        except (KeyError, TypeError, AttributeError) as exc:
            raise UsageError(t("verify_manifest_damaged", path=str(base))) from exc
        for set_id, digest in entry.get("files", {}).items():
            if current.get(set_id) != digest:
                problems.append(t("verify_set_changed", set_id=set_id))
    return problems


# --- comparing what is written again


def _injected(nb: dict) -> dict:
    """The parameters papermill injected, with temporary paths dropped and input paths reduced
    to their file names (the inputs themselves are checked by hash)."""
    for cell in nb.get("cells", []):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            return _parameters("".join(cell.get("source", "")))
    return {}


def _parameters(source: str) -> dict:
    out = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {"<unreadable>": source}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                value = ast.unparse(node.value)
            if name in TEMPORARY_PARAMETERS:
                continue
            out[name] = _names(value) if name in PATH_PARAMETERS else value
    return out


def _names(value):
    if isinstance(value, list):
        return [Path(v).name for v in value]
    return Path(value).name if isinstance(value, str) else value


def _normalised(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(raw)
        except ValueError:
            return raw  # damaged: compared as it is, and so found different
        nb.get("metadata", {}).pop("papermill", None)
        params = _injected(nb)
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {})
            meta.pop("papermill", None)
            meta.pop("execution", None)
            if "injected-parameters" in meta.get("tags", []):
                cell["source"], cell["id"] = repr(sorted(params.items())), ""
        raw = json.dumps(nb, sort_keys=True).encode()
    if path.suffix in (".html", ".ipynb"):
        raw = TIMESTAMP.sub(b"<time>", raw)
    return raw


@contextlib.contextmanager
def _as_recorded(parameters: dict, base: Path, lang: bool = True):
    """Sets found in the run's folders of sets; with `lang`, numbers read (and files written)
    in the run's language."""
    before = {k: os.environ.get(k) for k in ("NTM_LANG", "NTM_SETS_DIR")}
    if lang and parameters.get("reading_lang"):
        os.environ["NTM_LANG"] = str(parameters["reading_lang"])
    dirs = [
        str((base / d).resolve()) for d in parameters.get("sets_dirs") or [] if isinstance(d, str)
    ]
    if dirs:
        os.environ["NTM_SETS_DIR"] = os.pathsep.join(dirs)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _notebook(manifest: dict, given: str | None) -> tuple[Path | None, list[str]]:
    """The custom notebook to replay: only one the verifier names, with the recorded hash."""
    if not manifest["parameters"].get("notebook"):
        return None, []
    recorded = (manifest.get("notebook") or {}).get("sha256")
    if not given:
        return None, [t("verify_notebook_needed", name=str(manifest["parameters"]["notebook"]))]
    path = Path(given).resolve()
    if not path.is_file() or sha256(path) != recorded:
        return None, [t("verify_notebook_changed", path=str(path))]
    return path, []


def verify(
    path: str | Path, inputs_from: str | Path | None = None, notebook: str | None = None
) -> list[str]:
    """Differences between what `path` holds, its manifest and a fresh run (empty: none)."""
    from . import REGISTRY

    mpath, whole = manifest_path(Path(os.path.abspath(path)))
    manifest = read(mpath)
    base = mpath.parent
    command = REGISTRY.get(manifest["command"])
    if command is None or command.replay is None:
        raise UsageError(t("verify_manifest_damaged", path=str(mpath)))
    problems = _files_problems(manifest, base, whole)
    located = locate_inputs(manifest, base, Path(inputs_from) if inputs_from else None)
    with _as_recorded(manifest["parameters"], base, lang=False):
        early = _inputs_problems(manifest, located) + _sets_problems(manifest, base)
    custom, missing = _notebook(manifest, notebook)
    if early or missing:
        return problems + early + missing
    roles: dict[str, list[str]] = {}
    for item, found in located:
        roles.setdefault(item["role"], []).append(str(found))
    with tempfile.TemporaryDirectory() as tmp:
        again = Path(tmp) / "again"
        # Numbers read in the run's language; what verify says, in the user's.
        with _as_recorded(manifest["parameters"], base):
            command.replay(Replay(manifest["parameters"], roles, again, base, custom))
        problems += _compare(manifest, base, again, whole)
    return list(dict.fromkeys(problems))


def _compare(manifest: dict, base: Path, again: Path, whole: bool) -> list[str]:
    ours = set(manifest.get("files") or (_listing(base)[0] if whole else {}))
    theirs = set(_listing(again)[0])
    problems = []
    for name in sorted(ours | theirs):
        old = _inside(base, name)
        if name not in theirs:
            problems.append(t("verify_file_only_in", path=name, where=str(base)))
        elif old is None or not _regular(old):
            problems.append(t("verify_file_only_in", path=name, where=t("verify_rerun")))
        elif _normalised(old) != _normalised(again / name):
            problems.append(t("verify_differs", path=name))
    return problems


COMMAND = Command(NAME, configure, run)
