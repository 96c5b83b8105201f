"""What a process that makes pages need not pay for at start-up.

jsonschema, which nbformat (and so papermill and nbconvert) imports, registers an IRI format
check with `rfc3987_syntax` when that is installed, and `rfc3987_syntax` builds a lark grammar
as it is imported: about 0.9 s of every process's start (the parent and each worker), measured,
for a check nbformat never makes (its schemas use no "format"). A stand-in module takes its
place until a check does use it: the real module is then imported and answers, so every
validation stays exactly what it was.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

GRAMMAR_AT_IMPORT = "rfc3987_syntax"


def defer_grammar() -> None:
    name = GRAMMAR_AT_IMPORT
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name)
    stand_in.__doc__ = "ntm-assess: rfc3987_syntax, imported when first used"

    def real() -> types.ModuleType:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def is_valid_syntax(*args, **kwargs):
        return real().is_valid_syntax(*args, **kwargs)

    def other(attribute: str):
        if attribute.startswith("__"):  # what the import system asks of any module
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = other
    sys.modules[name] = stand_in
