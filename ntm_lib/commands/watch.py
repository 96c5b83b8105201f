"""A command run again each time one of its input files is saved (`ntm report --watch`).

Officers correct data all day. Watching, the command stays: its imports done, its workers
warm (reports.worker.kept), it makes the outputs up to date each time an input changes (an
update: only what that change reaches is made again), in about the time the changed pages
take, not a command's start. Files are polled by their stat (the same on every system and on
a shared folder); a change is acted on once the file has stayed the same for SETTLE_S, so that
a file an editor is still writing is not read half-written. A round that fails is told
(commands.telling) and watching goes on, since the next save may fix it; a usage error (an
option, the output folder) ends it, and so does Ctrl+C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import UsageError, printable
from ..i18n import t
from .telling import tell

POLL_S = 0.05  # between two looks at the files (a few stat calls: nothing to a machine)
SETTLE_S = 0.15  # a changed file unchanged this long is read


def stamps(paths: Iterable[Path]) -> dict[Path, tuple | None]:
    """Each file's stat stamp (None when it cannot be read: missing while an editor replaces
    it, say)."""
    out: dict[Path, tuple | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except OSError:
            out[path] = None
    return out


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
    (code, go_on), done = _round(run), 1
    try:
        while go_on and (rounds is None or done < rounds):
            watched = files()
            seen = {path: seen[path] if path in seen else stamps([path])[path] for path in watched}
            print(t("watch_waiting", count=len(watched)), flush=True)
            now = _changed(seen, poll, settle)
            names = ", ".join(printable(path.name) for path in now if now[path] != seen[path])
            print(t("watch_changed", time=time.strftime("%H:%M:%S"), files=names), flush=True)
            seen = now
            (code, go_on), done = _round(run), done + 1
    except KeyboardInterrupt:  # between rounds: the outputs are those of the last one
        print(t("watch_stopped"), flush=True)
    return code


def _round(run: Callable[[], int]) -> tuple[int, bool]:
    """One run: its exit code, and whether watching goes on (not after a usage error or an
    interruption: both are told)."""
    try:
        return run(), True
    except (KeyboardInterrupt, UsageError) as exc:
        return tell(exc), False
    except Exception as exc:  # noqa: BLE001 - told in one message; the next save may fix it
        return tell(exc), True


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
    wanted = [getattr(signal, name) for name in names if hasattr(signal, name)]
    before = {sig: signal.signal(sig, interrupt) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _changed(seen: dict, poll: float, settle: float) -> dict:
    """Wait until a file's stamp differs from `seen`, then until the files stay the same for
    `settle` seconds; the stamps then."""
    while True:
        time.sleep(poll)
        now = stamps(seen)
        if now != seen:
            break
    while True:
        time.sleep(settle)
        later = stamps(seen)
        if later == now:
            return now
        now = later
