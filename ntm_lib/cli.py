"""The `ntm` command: its parser and its errors. Exit codes: 0 success, 1 invalid data, 2 bad
usage. Each command lives in its own module of `commands/`, found through one registry."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gettext
import os
import sys
from importlib import resources
from pathlib import Path

from . import __version__
from .commands import REGISTRY
from .commands.base import Options
from .commands.telling import error_line, tell
from .criteria.folders import absolute_sets_dirs
from .i18n import LANGUAGES, cli_command_help, cli_texts, current_lang, t
from .intake.limits import SettingError, max_bytes

# argparse's own words (usage, errors) come through gettext, in this domain.
GETTEXT_DOMAIN = "ntm"


def argv_lang(argv: list[str]) -> str:
    """The language asked for on the command line (--lang / --lang=), else $NTM_LANG's."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv) and argv[k + 1] in LANGUAGES:
            return argv[k + 1]
        if arg.startswith("--lang=") and arg.split("=", 1)[1] in LANGUAGES:
            return arg.split("=", 1)[1]
    return current_lang()


class _Commands(argparse._SubParsersAction):
    """Sub-commands that get their options only when one is chosen: a command's module (and
    what it imports) is loaded for that command alone, and `ntm --help` loads none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending: dict[str, tuple[str, str]] = {}  # as typed -> (command, language)

    def __call__(self, parser, namespace, values, option_string=None):
        if values and values[0] in self.pending:
            _configure(self.choices[values[0]], *self.pending.pop(values[0]))
        super().__call__(parser, namespace, values, option_string)

    def configure_all(self) -> None:
        for typed in list(self.pending):
            _configure(self.choices[typed], *self.pending.pop(typed))


def _configure(parser: argparse.ArgumentParser, name: str, lang: str) -> None:
    REGISTRY[name].configure(Options(parser, name, lang))


def _parser(lang: str | None = None, every: bool = False) -> argparse.ArgumentParser:
    """Every command of the registry, described in `lang` from locale/cli_help.yaml; its
    options added when it is chosen (`every`: all of them now)."""
    lang = lang or current_lang()
    p = argparse.ArgumentParser(prog="ntm", description=cli_texts()["description"][lang])
    top = Options(p, "", lang)
    top.add("--version", action="version", version=f"ntm-assess {__version__}")
    top.add("--lang", choices=["vi", "en"])
    top.add("--sets-dir", metavar="DIR", action="append")
    subs = {"": p.add_subparsers(dest="command", required=True, action=_Commands)}
    for command in REGISTRY:
        *group, name = command.split(" ")
        sub = subs.get(" ".join(group))
        if sub is None:  # "set export": the group "set" first
            parent = subs[""].add_parser(
                group[0],
                help=cli_command_help(group[0], lang),
                description=cli_command_help(group[0], lang),
            )
            sub = subs[group[0]] = parent.add_subparsers(
                dest=f"{group[0]}_command", required=True, action=_Commands
            )
        text = cli_command_help(command, lang)
        parser = sub.add_parser(name, help=text, description=text)
        parser.set_defaults(command_name=command)
        sub.pending[name] = (command, lang)
    if every:
        for sub in subs.values():
            sub.configure_all()
    return p


@contextlib.contextmanager
def argparse_language(lang: str):
    """argparse's own words in `lang`: argparse asks gettext for them, so the catalogue
    (locale/<lang>/LC_MESSAGES/ntm.mo, built from cli_help.yaml) is bound for the parse."""
    if lang == "en":
        yield
        return
    before = (gettext.textdomain(), os.environ.get("LANGUAGE"))
    gettext.bindtextdomain(GETTEXT_DOMAIN, str(resources.files("ntm_lib").joinpath("locale")))
    gettext.textdomain(GETTEXT_DOMAIN)
    os.environ["LANGUAGE"] = lang
    try:
        yield
    finally:
        gettext.textdomain(before[0])
        if before[1] is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = before[1]


def parse(argv: list[str] | None) -> argparse.Namespace:
    lang = argv_lang(sys.argv[1:] if argv is None else argv)
    with argparse_language(lang):
        return _parser(lang).parse_args(argv)


def _settings_problem() -> str | None:
    """A message for an environment setting that cannot be used, else None."""
    lang = os.environ.get("NTM_LANG")
    if lang is not None and lang not in LANGUAGES:
        os.environ.pop("NTM_LANG")  # the message itself in the default language
        return t("env_invalid", name="NTM_LANG", value=lang, expected="vi, en")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.strip().isdigit():
        return t(
            "env_invalid", name="SOURCE_DATE_EPOCH", value=epoch, expected=t("env_expected_epoch")
        )
    try:
        max_bytes()
    except SettingError as exc:
        return t(
            "env_invalid",
            name="NTM_MAX_INPUT_MB",
            value=str(exc),
            expected=t("env_expected_megabytes"),
        )
    return None


def command() -> None:
    """The `ntm` executable: `main`, then the exit handlers, then the process ends without
    taking its objects apart one by one (a whole country's tables: over half a second after
    the last file was written)."""
    code = main()
    atexit._run_exitfuncs()  # what an ordinary exit runs: kernels stopped, workers joined
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone (`| head`): nothing to say
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.lang:
        os.environ["NTM_LANG"] = args.lang
    if args.sets_dir:
        os.environ["NTM_SETS_DIR"] = os.pathsep.join(
            [str(Path(d).resolve()) for d in args.sets_dir]
            + [d for d in os.environ.get("NTM_SETS_DIR", "").split(os.pathsep) if d]
        )
    absolute_sets_dirs()  # once, here: workers and notebooks mean the same folders
    problem = _settings_problem()
    if problem:
        error_line(problem)
        return 2
    try:
        return REGISTRY[args.command_name].run(args)
    except BrokenPipeError:
        # `ntm criteria ... | head`: the reader has gone; end quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - a message, never a traceback
        return tell(exc)
