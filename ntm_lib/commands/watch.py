"""A command run again each time one of its input files is saved (`ntm report --watch`).

Officers correct data all day. Watching, the command stays: its imports done, its workers
warm (reports.worker.kept), it makes the outputs up to date each time an input changes (an
update: only what that change reaches is made again), in about the time the changed pages
take, not a command's start. Files are polled by their stat (the same on every system and on
a shared folder), and by their content while freshly written (FRESH_S); a change is acted on
once the file has stayed the same for SETTLE_S, so that a file an editor is still writing is
not read half-written. A round that fails is told (commands.telling) and watching goes on,
since the next save may fix it; a usage error (an option, the output folder) ends it, and so
does Ctrl+C.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from stat import S_ISREG

from ..atomic import stamp
from ..errors import UsageError, printable
from ..i18n import t
from .telling import tell

POLL_S = 0.05  # between two looks at the files (a few stat calls: nothing to a machine)
SETTLE_S = 0.15  # a changed file unchanged this long is read
# A file written in the last FRESH_S seconds may be written again without its stat changing:
# the same size within one tick of a coarse clock (2 s on a FAT memory stick, 1 s on some
# shared folders). Its content is then compared too, every HASH_S, up to HASHED_MAX bytes.
FRESH_S = 3.0
HASH_S = 0.25
HASHED_MAX = 64 * 2**20


def stamps(paths: Iterable[Path], contents: bool = True) -> dict[Path, tuple | None]:
    """Each file's stat stamp and, while it is fresh (`contents`), its content's digest (else
    None); None when it cannot be read (missing while an editor replaces it, say)."""
    out: dict[Path, tuple | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
            fresh = time.time() - st.st_mtime_ns / 1e9 < FRESH_S
            regular = S_ISREG(st.st_mode)  # a pipe or a device given as a file: never read here
            read = contents and fresh and regular and st.st_size <= HASHED_MAX
            digest = hashlib.sha256(Path(path).read_bytes()).digest() if read else None
            out[path] = (tuple(stamp(st)), digest)
        except OSError:
            out[path] = None
    return out


def differ(a: dict, b: dict) -> bool:
    """Whether two looks at the same files differ: by stat, or by content where both looks
    read it."""
    for path, x in a.items():
        y = b.get(path)
        if x is None or y is None:
            if x != y:
                return True
        elif x[0] != y[0] or (x[1] and y[1] and x[1] != y[1]):
            return True
    return False


def watch(
    run: Callable[[], int],
    files: Callable[[], list[Path]],
    *,
    poll: float = POLL_S,
    settle: float = SETTLE_S,
    rounds: int | None = None,
) -> int:
    """`run()` (its exit code), then again each time a file of `files()` changes (asked
    after every round: a set may name other files once corrected). `rounds`: at most that
    many runs (tests). Returns the last round's exit code (130 when a round was
    interrupted)."""
    seen = stamps(files())
    with _stopped_by_signals():
        return _rounds(run, files, seen, poll, settle, rounds)


def _rounds(run, files, seen: dict, poll: float, settle: float, rounds: int | None) -> int:
    done: list[str] = []  # when the outputs were last brought up to date
    code, go_on = _round(run, seen, done)
    count = 1
    try:
        while go_on and (rounds is None or count < rounds):
            watched = files()
            seen = {path: seen[path] if path in seen else stamps([path])[path] for path in watched}
            if count == 1:
                names = ", ".join(printable(path.name) for path in watched)
                print(t("watch_waiting", count=len(watched), files=names), flush=True)
            else:
                print(t("watch_waiting_next"), flush=True)
            now = _changed(seen, poll, settle)
            saved = [path for path in now if differ({path: now[path]}, {path: seen[path]})]
            gone = [path for path in saved if now[path] is None]
            seen = now
            when = time.strftime("%H:%M:%S")
            if gone:  # an editor replacing it, or a slip: its return is waited for
                names = ", ".join(printable(path.name) for path in gone)
                print(t("watch_missing", time=when, files=names), flush=True)
                continue
            names = ", ".join(printable(path.name) for path in saved)
            print(t("watch_changed", time=when, files=names), flush=True)
            code, go_on = _round(run, seen, done)
            count += 1
    except KeyboardInterrupt:  # between rounds: the outputs are those of the last one
        print(t("watch_stopped"), flush=True)
    return 1 if code is None else code


def _round(run: Callable[[], int], seen: dict, done: list) -> tuple[int | None, bool]:
    """One run of the files stamped `seen`: its exit code (None when it ended in an error:
    the outputs were left as they were), and whether watching goes on (not after a usage error
    or an interruption). An error of a run whose files were written again meanwhile is not
    told: they were read while an editor still wrote them, and are read again."""
    try:
        code = run()
        done[:] = [time.strftime("%H:%M:%S")]
        return code, True
    except KeyboardInterrupt:
        print(t("watch_stopped_midway"), flush=True)
        return 130, False
    except UsageError as exc:
        return tell(exc), False
    except Exception as exc:  # noqa: BLE001 - told in one message; the next save may fix it
        if differ(stamps(seen), seen):
            return None, True
        tell(exc)
        print(t("watch_kept", time=done[0]) if done else t("watch_none_yet"), flush=True)
        return None, True


@contextlib.contextmanager
def _stopped_by_signals():
    """A watching command is a long-lived process: ended by the service that runs it
    (SIGTERM) or by its terminal closing (SIGHUP), it stops as on Ctrl+C (a round in progress
    leaves the outputs as they were), not in the middle of writing them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    names = ("SIGTERM", "SIGHUP")
    found = [getattr(signal, name) for name in names if hasattr(signal, name)]
    wanted = [sig for sig in found if signal.getsignal(sig) is not signal.SIG_IGN]  # nohup
    before = {sig: signal.signal(sig, interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _changed(seen: dict, poll: float, settle: float) -> dict:
    """Wait until a file differs from `seen`, then until the files stay the same for `settle`
    seconds; their stamps then."""
    hashed = time.monotonic()
    while True:
        time.sleep(poll)
        contents = any(s[1] for s in seen.values() if s) and (time.monotonic() - hashed >= HASH_S)
        hashed = time.monotonic() if contents else hashed
        now = stamps(seen, contents)
        if differ(now, seen):
            break
    while True:
        time.sleep(settle)
        later = stamps(seen)
        if not differ(later, now):
            return later
        now = later
