"""Named exceptions; each carries a message already in the user's language."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field

from .i18n import t

# What a terminal would act on rather than show: controls, text-direction marks, invisibles;
# and noncharacters and lone surrogates, which it cannot show.
UNPRINTABLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2069\ufeff\ufdd0-\ufdef\ud800-\udfff"
    + "".join(chr(p * 0x10000 + 0xFFFE) + chr(p * 0x10000 + 0xFFFF) for p in range(17))
    + "]"
)


def printable(text: str) -> str:
    """`text` with every control or invisible character written as a visible escape."""
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def os_message(exc: OSError) -> str:
    """A file error as a one-line message: a full disk, a permission, or what the system said."""
    if exc.errno == errno.ENOSPC:
        return t("os_disk_full", path=exc.filename or "")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return t("os_cannot_write", path=exc.filename or "", error=exc.strerror)
    return t("os_error", path=exc.filename or "", error=exc.strerror or str(exc))


class NtmError(Exception):
    """Base class for every error the toolkit reports to a user."""

    exit_code = 1


class UsageError(NtmError):
    """The command was called wrongly (unknown set, missing file...)."""

    exit_code = 2


class EditedError(UsageError):
    """An output exists that ntm did not write, or that a person changed since: never replaced."""


class NoDataError(NtmError):
    """A requested year, commune or area has no data: an empty success would mislead."""

    exit_code = 1


class NotebookTimeout(NtmError):
    """A commune's notebook ran longer than --timeout."""


class PreviousKeptError(NtmError):
    """A run that failed in part (or could not finish) did not replace the complete results
    it would have: they are kept as they were."""

    exit_code = 1


class CriteriaSetError(NtmError):
    """A criteria-set file is malformed or inconsistent."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file. `key` names a message in the catalogue."""

    file: str
    key: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    params: dict = field(default_factory=dict)
    severity: str = "error"  # or "warning"
    context: dict = field(default_factory=dict)  # the row's commune_id and indicator, if any
    header: str | None = None  # the column's header as the file has it ("Giá trị")

    def location(self, lang: str | None = None) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(t("loc_sheet", lang, sheet=self.sheet))
        if self.row is not None:
            parts.append(t("loc_row", lang, row=self.row))
        if self.column is not None:
            parts.append(t("loc_column", lang, column=self.header or self.column))
        if self.context.get("commune_id"):
            commune = self.context["commune_id"]
            if self.context.get("commune_name"):
                commune = f"{commune} ({self.context['commune_name']})"
            parts.append(t("loc_commune", lang, commune=commune))
        if self.context.get("indicator"):
            parts.append(t("loc_indicator", lang, indicator=self.context["indicator"]))
        return ", ".join(parts)

    def message(self, lang: str | None = None) -> str:
        label = t("severity_" + self.severity, lang)
        return printable(f"{label}: {self.location(lang)}: {t(self.key, lang, **self.params)}")


def cap_problems(problems: list[Problem], most: int = 20) -> list[Problem]:
    """At most `most` problems of each kind per file; one summary line stands for the rest."""
    seen: dict[tuple, int] = {}
    out = []
    for p in problems:
        key = (p.file, p.key, p.severity)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= most:
            out.append(p)
    for (file, key, severity), count in seen.items():
        if count > most and key != "more_rows_same_problem":
            out.append(
                Problem(
                    file,
                    "more_rows_same_problem",
                    params={"count": count - most},
                    severity=severity,
                )
            )
    return out


class InputError(NtmError):
    """Input data failed validation; holds every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message() for p in problems))
