"""Folders and files that are complete or absent, and that replace only what ntm wrote.

A run writes into a hidden temporary folder beside the target and renames it into place at the
end; an existing target is kept as a backup until the new folder is complete. Every folder ntm
makes for this carries a marker file of its own (`.ntm-run`, naming the target and the process),
so that cleaning up after a killed run touches nothing else, whatever its name. An existing
target is replaced only when its manifest says ntm wrote it and it holds nothing else, and none
of its files was changed since ntm wrote it; a folder that holds an input of the run, the
current folder, the home folder or a filesystem root is never a target. A lock file beside the
target keeps two runs from writing it at once.

Whether a file was changed is read from its content (SHA-256, as the manifest lists it), except
for a file whose stat stamp (device, inode, links, size, mtime and ctime, in nanoseconds) is the
one ntm recorded beside the manifest (`.ntm-stamps`) when it wrote, hashed or carried the file:
any write to a file moves its ctime, which no user can set back (`os.utime` sets mtime and
atime, and moves ctime). A stamp vouches only for the hash it was recorded with; one taken in
the clock tick of a change it could miss (ctime is coarse: a few milliseconds) is not recorded.
The stamps file is as trustworthy as the manifest beside it: both are ntm's, and forging either
takes the same deliberate act.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import posixpath
import re
import shutil
import stat
import time
from pathlib import Path

from .errors import EditedError, UsageError
from .i18n import t
from .provenance import sha256

TOOL = "ntm-assess"
MARKER = ".ntm-run"
MANIFEST = "manifest.json"
STAMPS = ".ntm-stamps"  # the stat stamps of the files the manifest lists (see the module's text)
OWN_FILES = (MANIFEST, MARKER, STAMPS)  # a run folder's files that no manifest lists
SIDECAR_SUFFIX = ".ntm.json"  # the manifest of single files, beside them: "plan.docx.ntm.json"


# The longest file name most filesystems accept, in bytes; room kept for ntm's own suffixes
# (".ntm-tmp-4194304", ".tmp-4194304.xlsx").
NAME_MAX = 255
TAG_ROOM = 48


def beside(target: Path, tag: str) -> Path:
    """The hidden file or folder ntm keeps beside `target` for its own use (`.NAME.TAG`: a
    lock, a temporary folder, a backup); for a name near the filesystem's limit, a short name
    made from its hash, so that every name the filesystem accepts can be a target."""
    if len(target.name.encode()) <= NAME_MAX - TAG_ROOM:
        return target.parent / f".{target.name}.{tag}"
    return target.parent / f".ntm-{hashlib.sha256(target.name.encode()).hexdigest()[:16]}.{tag}"


def _abs(path: str | Path) -> Path:
    """An absolute path without resolving symlinks (the link itself is what the user named)."""
    return Path(os.path.abspath(os.fspath(path)))


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(os.fspath(path)))


def _forbidden(target: Path, inputs) -> str | None:
    """The message key when `target` may never be replaced by a run with these inputs."""
    real = _real(target)
    if real == Path(real.anchor) or real == _real(Path.home()) or real == _real(Path.cwd()):
        return "out_protected"
    for item in inputs:
        if not item:
            continue
        inp = _real(item)
        if inp == real or real in inp.parents:
            return "out_holds_input"
    return None


# The last JSON files read, by path, with the stamp they had: a command checks its folder
# several times (before and under the lock), and a whole country's manifest is 3.5 MB of
# JSON. A file changed since has another stamp (a replaced one another inode) and is read
# again. Callers read what they are given, never change it.
_READ: dict[str, tuple[tuple, dict | None]] = {}


def settled_stamp(path: str | Path) -> tuple | None:
    """The file's stamp, as the key of what this process read from it; None when it cannot be
    read or changed a moment ago (it could change again within the clock's tick, a coarse one
    on a memory stick, and keep its stamp): then it is read anew each time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return tuple(stamp(st)) if time.time_ns() - st.st_ctime_ns > 2_000_000_000 else None


def _ours(path: Path) -> dict | None:
    """The JSON object in `path` if it is one of ntm's (its "tool" says so), else None."""
    key = settled_stamp(path)  # taken before it is read: a change meanwhile is seen next time
    known = _READ.get(str(path))
    if key is not None and known is not None and known[0] == key:
        return known[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data = data if isinstance(data, dict) and data.get("tool") == TOOL else None
    if len(_READ) > 16:
        _READ.clear()
    if key is not None:
        _READ[str(path)] = (key, data)
    return data


def read_manifest(folder: Path) -> dict | None:
    """The folder's ntm manifest, or None when there is none (or it is not ntm's)."""
    return _ours(folder / MANIFEST)


def _listing(folder: Path) -> list[str]:
    """The files of `folder` (regular ones and links of any kind), as relative POSIX names."""
    return _walk(folder)[0]


def _walk(folder: Path) -> tuple[list[str], list[str]]:
    """The files (regular ones and links of any kind) and the folders (never entered through a
    link) of `folder`, as sorted relative POSIX names: one pass of os.scandir (a whole
    country's run folder holds thousands of pages)."""
    files, dirs = [], []
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except PermissionError:
            continue
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                dirs.append(name)
                stack.append((name + "/", entry.path))
            elif entry.is_symlink() or entry.is_file():
                files.append(name)
    return sorted(files), sorted(dirs)


def owned(folder: Path) -> bool:
    """True when ntm wrote `folder` and it holds nothing else: its manifest is ntm's, lists
    only files inside the folder, and every file is one it lists (manifests of older versions
    list none: trusted as a whole)."""
    manifest = read_manifest(folder)
    if manifest is None:
        return False
    listed = manifest.get("files")
    if listed is None:
        return True
    if not isinstance(listed, dict) or not all(map(inside_name, listed)):
        return False
    present, folders = _walk(folder)
    extra = set(present) - set(listed) - set(OWN_FILES)
    if "dirs" in manifest:  # a folder a person made inside, even empty, is theirs
        known = set(manifest["dirs"]) | {p for name in listed for p in _parents(name)}
        extra |= set(folders) - known
    return not extra


def _folders(folder: Path) -> list[str]:
    return _walk(folder)[1]


def _parents(name: str) -> list[str]:
    """The folders `name` (a relative POSIX name) lies in, innermost first."""
    parts = posixpath.normpath(name).split("/")[:-1]
    return ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]


_PARTS = re.compile(r"[\\/]")  # either separator: a name read on Windows splits on both


def inside_name(name) -> bool:
    """A plain relative path, without `..`: a name that stays inside the folder it is read in."""
    return (
        isinstance(name, str)
        and bool(name)
        and not os.path.isabs(name)
        and ".." not in _PARTS.split(name)
        and "\0" not in name
    )


def edited(folder: Path, listed: dict[str, str]) -> str | None:
    """The first file of `listed` (name -> SHA-256) that a person changed since ntm wrote it:
    only regular files inside `folder` are read (a link or a device is never opened), and only
    those whose stat stamp is not the one recorded with that very hash (`.ntm-stamps`). Files
    are read two at a time (hashing releases the interpreter)."""
    from concurrent.futures import ThreadPoolExecutor

    stamps = read_stamps(folder)
    names = [name for name in sorted(listed) if inside_name(name)]
    to_read = [name for name in names if not _vouched(folder, name, listed[name], stamps)]
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        same = pool.map(lambda n: _unchanged(folder / n, listed[n]), to_read)
        for name, unchanged in zip(to_read, same):
            if not unchanged:
                return str(folder / name)
    return None


HASH_THREADS = 2


def _unchanged(path: Path, digest: str) -> bool:
    try:
        regular = stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return True  # gone: nothing of a person's to lose
    return not regular or sha256(path) == digest


# --- stat stamps: a file ntm wrote and nobody touched since, known without reading it


def stamp(st: os.stat_result) -> list[int]:
    """What a write to the file would change: its identity, links, size, mtime and ctime."""
    return [st.st_dev, st.st_ino, st.st_nlink, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _vouched(folder: Path, name: str, digest, stamps: dict[str, tuple[list[int], str]]) -> bool:
    """Whether `folder`/`name` is the regular file whose recorded stamp vouches it holds
    `digest` (the manifest's hash, not just any hash the stamps file names)."""
    recorded = stamps.get(name)
    if recorded is None or recorded[1] != digest:
        return False
    try:
        st = os.lstat(folder / name)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and stamp(st) == recorded[0]


def read_verified(path: Path, digest) -> bytes | None:
    """The bytes of `path`, a regular file (reached without a link at its last step) whose
    SHA-256 is `digest`; None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = fh.read()
    return data if hashlib.sha256(data).hexdigest() == digest else None


def read_stamps(folder: Path) -> dict[str, tuple[list[int], str]]:
    """The stamps recorded in `folder` (name -> (stamp, SHA-256)), read as untrusted: only
    well-formed entries of files inside the folder."""
    data = _ours(folder / STAMPS) if _regular(folder / STAMPS) else None
    entries = (data or {}).get("files")
    if not isinstance(entries, dict):
        return {}
    return {
        name: (entry[:6], entry[6])
        for name, entry in entries.items()
        if inside_name(name)
        and isinstance(entry, list)
        and len(entry) == 7
        and all(type(v) is int for v in entry[:6])
        and isinstance(entry[6], str)
    }


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def check_target_dir(
    target: str | Path, force: bool = False, inputs=(), edits: bool = True
) -> Path:
    """Refuse (UsageError, exit 2) a target folder that this run must not write or replace
    (`edits=False`: not yet for files a person edited, which takes reading every file: a
    command checks that once, under the lock, before it replaces anything)."""
    target = _abs(target)
    if target.is_symlink():
        raise UsageError(t("out_symlink", path=str(target)))
    if target.exists() and not target.is_dir():
        raise UsageError(t("out_is_file", path=str(target)))
    key = _forbidden(target, inputs)
    if key:
        raise UsageError(t(key, path=str(target)))
    if target.exists() and any(target.iterdir()):
        if not force:
            raise UsageError(t("cli_out_exists", path=str(target)))
        if not owned(target):
            raise UsageError(t("out_not_ours", path=str(target)))
        changed = edits and edited(target, (read_manifest(target) or {}).get("files") or {})
        if changed:
            raise UsageError(t("out_edited", path=changed, folder=str(target)))
    return target


def sidecar(path: Path) -> Path:
    """The manifest of a command that writes single files, beside the first of them (for a
    name near the filesystem's limit, one made from its hash)."""
    name = path.name + SIDECAR_SUFFIX
    if len(name.encode()) > NAME_MAX:
        name = hashlib.sha256(path.name.encode()).hexdigest()[:16] + SIDECAR_SUFFIX
    return path.with_name(name)


def read_sidecar(path: str | Path) -> dict | None:
    """The sidecar manifest of the single file `path` (ntm's), or None."""
    return _ours(sidecar(_abs(path)))


def check_target_file(target: str | Path, force: bool = False, inputs=()) -> Path:
    """Refuse a single output file that exists (without --force), is a folder or a link, or is
    one of the command's own inputs (even with --force); with --force, one that ntm did not
    write or a person changed since (its sidecar manifest says)."""
    return check_target_files([target], force, inputs)[0]


def check_target_files(targets, force: bool = False, inputs=()) -> list[Path]:
    """check_target_file for the files one command writes together; the first names the
    sidecar manifest that lists them all."""
    targets = [_abs(p) for p in targets]
    side = sidecar(targets[0])
    if side.is_symlink() or (side.exists() and _ours(side) is None):
        # ntm writes its manifest there: a file of that name that is not one is a person's
        raise EditedError(t("out_sidecar_not_ours", path=str(side), out=targets[0].name))
    listed = (_ours(side) or {}).get("files") or {}
    for target in targets:
        if target.is_symlink():
            raise UsageError(t("out_symlink", path=str(target)))
        if target.is_dir():
            raise UsageError(t("out_is_dir", path=str(target)))
        real = _real(target)
        if any(item and _real(item) == real for item in inputs):
            raise UsageError(t("out_is_input", path=str(target)))
        if not target.exists():
            continue
        if not force:
            raise UsageError(t("out_file_exists", path=str(target)))
        if target.name not in listed:
            raise EditedError(
                t("out_file_not_ours", path=str(target), sidecar=sidecar(targets[0]).name)
            )
        if sha256(target) != listed[target.name]:
            raise EditedError(t("out_file_edited", path=str(target)))
    return targets


def write_files(writers: dict, manifest: dict) -> dict:
    """Write each file (path -> write(tmp_path)) to a temporary name beside it, then move them
    all into place and write the sidecar manifest of the first: a failure in any writer
    leaves every existing file as it was."""
    paths = [Path(p) for p in writers]
    temps = [beside(p, f"tmp-{os.getpid()}{p.suffix}") for p in paths]
    try:
        for path, tmp in zip(paths, temps):
            path.parent.mkdir(parents=True, exist_ok=True)
            writers[path](tmp)
        for path, tmp in zip(paths, temps):
            os.replace(tmp, path)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    manifest = manifest | {"tool": TOOL, "files": {p.name: sha256(p) for p in paths}}
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    atomic_file(sidecar(paths[0]), lambda p: Path(p).write_text(text, encoding="utf-8"))
    return manifest


@contextlib.contextmanager
def locked(target: Path):
    """Hold `.NAME.ntm-lock` beside `target`; a second run on the same target is refused."""
    path = beside(target, "ntm-lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise UsageError(t("out_locked", path=str(target))) from exc
            raise
        try:  # the holder before us may have removed the file we opened: lock the new one
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _mark(folder: Path, target: Path, kind: str) -> None:
    (folder / MARKER).write_text(
        json.dumps({"tool": TOOL, "target": target.name, "kind": kind, "pid": os.getpid()}),
        encoding="utf-8",
    )


def _marker(folder: Path, target: Path) -> dict | None:
    """The marker of a folder ntm made for `target`, or None for anything else."""
    mark = _ours(folder / MARKER)
    if (
        mark is None
        or mark.get("target") != target.name
        or not isinstance(mark.get("pid"), int)
        or mark.get("kind") not in ("tmp", "old")
    ):
        return None
    if folder.name != beside(target, f"ntm-{mark['kind']}-{mark['pid']}").name:
        return None
    return mark


def _marker_in_target(target: Path) -> dict | None:
    """A backup marker a killed run wrote into the target before it could move it aside."""
    mark = _ours(target / MARKER)
    ok = (
        mark is not None
        and mark.get("kind") == "old"
        and mark.get("target") == target.name
        and isinstance(mark.get("pid"), int)
    )
    return mark if ok else None


def alive(pid: int) -> bool:
    """True while process `pid` exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(target: Path) -> None:
    """Undo what a killed run left beside `target`: its temporary folder goes; a backup it had
    moved aside is put back if the new folder never took its place. Only folders that carry
    ntm's marker for this very target, from a process that is gone, are touched."""
    mark = _marker_in_target(target)
    if mark is not None and not alive(mark["pid"]):  # killed between marking and moving
        (target / MARKER).unlink()
    stamps = beside(target, "ntm-stamps")  # a killed run's, being written (under the lock)
    if _regular(stamps):
        stamps.unlink()
    prefix = glob.escape(beside(target, "ntm-").name)  # a name may hold [ ] * ?
    for leftover in sorted(target.parent.glob(prefix + "*-*")):
        if leftover.is_symlink() or not leftover.is_dir():
            continue
        mark = _marker(leftover, target)
        if mark is None or alive(mark["pid"]):
            continue
        if mark["kind"] == "old" and not target.exists():
            (leftover / MARKER).unlink()
            leftover.rename(target)
        else:
            shutil.rmtree(leftover)


def file_hashes(folder: Path, known: dict | None = None) -> dict[str, str]:
    """Every file of `folder` with its SHA-256 (those in `known` as it says: files carried
    over from a folder whose hashes were just checked)."""
    return _hashed(folder, known)[0]


def _hashed(folder: Path, known: dict | None = None, skip=()) -> tuple[dict, dict]:
    """`file_hashes` and the stamps of the files they hold for. `known`: name -> SHA-256, or
    (SHA-256, stamp) for a carried file whose stamp still vouches for it (reports.reuse); a
    carried file without one is read again, to take its stamp (its recorded hash is kept)."""
    hashes, stamps = {}, {}
    for rel in _listing(folder):
        if rel in OWN_FILES or rel in skip:
            continue
        given = (known or {}).get(rel)
        digest, vouched = given if isinstance(given, tuple) else (given, None)
        if vouched is not None:
            hashes[rel], stamps[rel] = digest, vouched
            continue
        read, taken = _read_stamped(folder / rel)
        hashes[rel] = digest or read
        if taken is not None and read == hashes[rel]:
            stamps[rel] = taken
    return hashes, stamps


def stamped_digest(path: Path):
    """The file's SHA-256, with the stamp that vouches for it when it did not change while read
    (what `write_manifest` takes as `known`); its SHA-256 alone otherwise."""
    digest, taken = _read_stamped(path)
    return digest if taken is None else (digest, taken)


def _read_stamped(path: Path) -> tuple[str, list[int] | None]:
    """The file's SHA-256, and its stamp when it did not change while it was read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return sha256(path), None  # not a regular file (never one of ntm's): no stamp
    with os.fdopen(fd, "rb") as fh:
        before = os.fstat(fd)
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
        after = stamp(os.fstat(fd))
    return digest, after if stat.S_ISREG(before.st_mode) and stamp(before) == after else None


def _write_stamps(folder: Path, temp: Path, take, wait: float = 0.0) -> None:
    """`folder`/.ntm-stamps from `take()` (name -> (stamp, SHA-256)), written to `temp` first,
    whose creation reads the filesystem's clock before any stamp is taken: a stamp whose ctime
    is not older than that tick is left out (a change in the same tick would not move it).
    `wait`: when that leaves a stamp out, wait that long for the clock to move on and take
    them again once (a cheap `take`: files just touched would otherwise be read next time)."""
    try:
        for again in (bool(wait), False):
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                tick = os.fstat(fd).st_mtime_ns
                taken = take()
                kept = {name: [*st, sha] for name, (st, sha) in taken.items() if st[5] < tick}
                if again and len(kept) < len(taken):
                    time.sleep(wait)
                    continue
                # dumps, not dump: json.dump encodes in Python, dumps in C (6,600 entries)
                fh.write(json.dumps({"tool": TOOL, "files": kept}, separators=(",", ":")))
            os.replace(temp, folder / STAMPS)
            return
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def write_manifest(folder: Path, manifest: dict, known: dict | None = None) -> dict:
    """manifest.json in `folder`, listing every other file of the folder with its SHA-256, and
    their stamps beside it (`.ntm-stamps`; `atomic_dir` brings them up to date once the folder
    is in place)."""
    temp = folder / f"{STAMPS}.tmp-{os.getpid()}"
    found = {}

    def take() -> dict:
        found["files"], stamps = _hashed(folder, known, skip={temp.name})
        return {name: (st, found["files"][name]) for name, st in stamps.items()}

    _write_stamps(folder, temp, take)
    manifest = manifest | {"tool": TOOL, "files": found["files"], "dirs": _folders(folder)}
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    atomic_file(folder / MANIFEST, lambda p: Path(p).write_text(text, encoding="utf-8"))
    return manifest


def _settle_stamps(target: Path) -> None:
    """The stamps of a folder just put in place, after its backup went: a file carried from the
    backup (a hard link) lost a link, which moved its ctime; its stamp follows when nothing else
    of it changed. Any other change drops the stamp (the file is read next time)."""
    recorded = read_stamps(target)
    if not recorded:
        return

    def take() -> dict:
        out = {}
        root = str(target)
        for name, (old, digest) in recorded.items():
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            new = stamp(st)
            lost_link = new[:2] == old[:2] and new[2] == old[2] - 1 and new[3:5] == old[3:5]
            if stat.S_ISREG(st.st_mode) and (new == old or lost_link):
                out[name] = (new, digest)
        return out

    with contextlib.suppress(OSError):  # stamps not brought up to date: files read next time
        _write_stamps(target, beside(target, "ntm-stamps"), take, wait=0.02)


@contextlib.contextmanager
def atomic_dir(target: str | Path, force: bool = False, inputs=()):
    """Yield a temporary folder that replaces `target` only if the block completes."""
    # whether a person edited its files is read once, under the lock
    target = check_target_dir(target, force, inputs, edits=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(t("out_cannot_write", path=str(target), error=exc.strerror)) from exc
    with locked(target):
        recover(target)
        check_target_dir(target, force, inputs)  # a backup put back is judged like any target
        tmp = beside(target, f"ntm-tmp-{os.getpid()}")
        if tmp.exists():  # our own pid's leftover from a run that died in this process
            if _marker(tmp, target) is None:
                raise UsageError(t("out_not_ours", path=str(tmp)))
            shutil.rmtree(tmp)
        tmp.mkdir()
        _mark(tmp, target, "tmp")
        try:
            yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        backup = beside(target, f"ntm-old-{os.getpid()}")
        if target.exists():
            _mark(target, target, "old")  # so that a killed run can put it back
            target.rename(backup)
        (tmp / MARKER).unlink()
        tmp.rename(target)
        if backup.exists():
            shutil.rmtree(backup)
        _settle_stamps(target)


def atomic_file(target: str | Path, write) -> Path:
    """Call write(tmp_path), then rename the temporary file onto `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = beside(target, f"tmp-{os.getpid()}{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
