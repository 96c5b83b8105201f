"""The commands of `ntm`, one module each, in one registry keyed by the name a person types
(and a manifest records). `cli` builds its parser and dispatches from here; `ntm verify`
replays a run through the same registry, so every command that writes can be verified.

The registry knows each command's module by name and imports it when the command is parsed
or run: `ntm report` loads nothing that only `ntm template` needs (openpyxl, say), and
`ntm --help` loads no command at all."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

from .base import Command

# The name a person types -> the module of `commands/` that defines it, in the order the help
# lists them. A module defines COMMAND, or COMMANDS when it holds several.
MODULES: dict[str, str] = {
    "set export": "set_export",
    "set import": "set_import",
    "set read": "set_read",
    "set diff": "set_diff",
    "sets": "browse",
    "criteria": "browse",
    "show": "browse",
    "template": "template",
    "validate": "validate",
    "assess": "assess",
    "template-plan": "template_plan",
    "plan": "plan",
    "summary": "summary",
    "merge": "merge",
    "dossier": "dossier",
    "document plan": "document",
    "document report": "document",
    "document fields": "document",
    "verify": "verify",
    "report": "report_command",
}


def defined_in(module_name: str) -> list[Command]:
    """The commands a module of `commands/` defines, importing it."""
    module = importlib.import_module(f"{__name__}.{module_name}")
    return list(getattr(module, "COMMANDS", None) or [module.COMMAND])


class Registry(MutableMapping):
    """Commands by name, each module imported on the first look-up of one of its commands."""

    def __init__(self, modules: dict[str, str]):
        self._modules = modules
        self._loaded: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            module = self._modules[name]  # KeyError: no such command
            self._loaded |= {c.name: c for c in defined_in(module) if c.name in self._modules}
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._modules:
            raise KeyError(name)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands are not removed from the registry")

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


REGISTRY = Registry(MODULES)
