"""What a command is: its name, its options, its run, and (for a command that writes) its replay.

A command that writes produces its files with one function that both `run` (into a temporary
folder that replaces `--out` when complete) and `replay` (into the folder `ntm verify` compares)
call, so that what is verified is what was written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..i18n import cli_help, t

MAX_PRINTED_PROBLEMS = 100


@dataclass(frozen=True)
class Replay:
    """What `ntm verify` gives a command to write its outputs again."""

    parameters: dict
    inputs: dict[str, list[str]]  # role -> paths, as located now
    target: Path  # a new folder; single-file outputs go in it under their recorded names
    folder: Path  # where the manifest is: recorded relative paths start there
    notebook: Path | None = None  # a custom report notebook the verifier named

    @property
    def output(self) -> Path:
        """Where a single-file command writes its file again: under `target`, by the plain
        name the manifest records. The manifest comes with the folder verified, so a name
        with a folder in it ('/home/x/f.xlsx', '../f.csv') is refused, never followed."""
        name = self.parameters.get("out")
        plain = isinstance(name, str) and name not in ("", ".", "..")
        if not plain or Path(name).name != name or "\0" in name:
            raise UsageError(t("verify_out_not_a_name", value=repr(name)))
        return self.target / name


@dataclass(frozen=True)
class Command:
    name: str  # as typed ("set diff"), and the "command" of the manifests it writes
    configure: Callable[[Options], None]
    run: Callable[[argparse.Namespace], int]
    replay: Callable[[Replay], None] | None = None  # None: the command writes nothing


@dataclass
class Options:
    """A command's arguments, each described from locale/cli_help.yaml in `lang`."""

    parser: argparse.ArgumentParser
    path: str  # the command as typed: "set export"
    lang: str
    _group: object = field(default=None, repr=False)

    def add(self, *names: str, **kwargs) -> argparse.Action:
        target = self._group or self.parser
        action = target.add_argument(*names, **kwargs)
        action.help = cli_help(self.path, action.dest, self.lang)
        return action

    def exclusive(self) -> Options:
        """Options of which at most one may be given."""
        return Options(
            self.parser, self.path, self.lang, self.parser.add_mutually_exclusive_group()
        )


def data_options(o: Options, out: str | None = "dir") -> None:
    """Data files read against a register and a criteria set; `--out` a folder or a file."""
    o.add("data", nargs="+")
    o.add("--communes", required=True)
    o.add("--set", dest="set_id", required=True)
    if out:
        out_options(o)


def out_options(o: Options, required: bool = True) -> None:
    o.add("--out", required=required)
    o.add("--force", action="store_true")


def print_warnings(warnings) -> None:
    for p in list(warnings)[:MAX_PRINTED_PROBLEMS]:
        print(p.message(), file=sys.stderr)


def resolved(paths) -> list[str]:
    """Input paths made absolute once, so that every later step means the same files."""
    return [str(Path(p).resolve()) for p in paths if p]
