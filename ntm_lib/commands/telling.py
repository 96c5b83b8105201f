"""How an error that ends a command (or one round of a watching command) is told to its
user: one message in their language, never a traceback (an unexpected one is written to a log
file the message names), and the exit code: 0 success, 1 invalid data, 2 bad usage, 130
interrupted."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from ..errors import InputError, NtmError, os_message, printable
from ..i18n import t
from .base import MAX_PRINTED_PROBLEMS


def error_line(text: str) -> None:
    print(printable(f"{t('severity_error')}: {text}"), file=sys.stderr)


def _log_traceback() -> Path | None:
    """The full traceback of an unexpected error, in a file the message names."""
    try:
        folder = Path(tempfile.gettempdir()) / "ntm-assess-logs"
        folder.mkdir(exist_ok=True)
        path = folder / f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        path.write_text(traceback.format_exc(), encoding="utf-8")
        return path
    except OSError:
        return None


def tell(exc: BaseException) -> int:
    """The message for an error that ended a command, and the exit code."""
    if not isinstance(exc, NtmError):
        exc = _os_error_within(exc) or exc
    if isinstance(exc, InputError):
        _print_problems(exc.problems, getattr(exc, "summary_key", "cli_invalid"))
    elif isinstance(exc, NtmError):
        error_line(str(exc))
    elif isinstance(exc, KeyboardInterrupt):
        error_line(t("cli_interrupted"))
        return 130
    elif isinstance(exc, OSError):
        error_line(os_message(exc))
        return 1
    else:
        log = _log_traceback()
        error = f"{type(exc).__name__}: {exc}"[:300]
        error_line(t("cli_unexpected", error=error, log=str(log) if log else "-"))
        return 1
    return exc.exit_code


def _os_error_within(exc: BaseException) -> OSError | None:
    """An OSError that a library wrapped in an exception of its own (XlsxWriter does, for a
    full disk): found in the exception's cause, context or arguments."""
    seen = set()
    while exc is not None and id(exc) not in seen and not isinstance(exc, OSError):
        seen.add(id(exc))
        inner = [a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)]
        exc = exc.__cause__ or (inner[0] if inner else None) or exc.__context__
    return exc if isinstance(exc, OSError) else None


def _print_problems(problems, summary_key: str = "cli_invalid") -> None:
    for p in problems[:MAX_PRINTED_PROBLEMS]:
        print(p.message(), file=sys.stderr)
    if len(problems) > MAX_PRINTED_PROBLEMS:
        print(t("cli_more_problems", count=len(problems) - MAX_PRINTED_PROBLEMS), file=sys.stderr)
    errors = [p for p in problems if p.severity == "error"]
    print(t(summary_key, count=len(errors)), file=sys.stderr)
