"""The commands of `ntm`, one module each, in one registry keyed by the name a person types
(and a manifest records). `cli` builds its parser and dispatches from here; `ntm verify`
replays a run through the same registry, so every command that writes can be verified."""

from __future__ import annotations

from . import (
    assess,
    browse,
    document,
    dossier,
    merge,
    plan,
    report,
    set_diff,
    set_export,
    set_import,
    set_read,
    summary,
    template,
    template_plan,
    validate,
    verify,
)
from .base import Command

COMMANDS: list[Command] = [
    set_export.COMMAND,
    set_import.COMMAND,
    set_read.COMMAND,
    set_diff.COMMAND,
    *browse.COMMANDS,
    template.COMMAND,
    validate.COMMAND,
    assess.COMMAND,
    template_plan.COMMAND,
    plan.COMMAND,
    summary.COMMAND,
    merge.COMMAND,
    dossier.COMMAND,
    *document.COMMANDS,
    verify.COMMAND,
    report.COMMAND,
]
REGISTRY: dict[str, Command] = {c.name: c for c in COMMANDS}
