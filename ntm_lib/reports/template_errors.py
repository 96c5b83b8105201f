"""Where a board's Word template goes wrong, said in the board's words.

docxtpl renders each part of a .docx (the body, each header and footer) as one Jinja template,
one line per Word paragraph. A fault (a tag left open, a block without its end, a field the
document does not have, a bound of the sandbox) is turned into a `DocumentError` naming the
template, the paragraph or table cell by its visible text, and what to do: the nearest known
fields for an unknown one, the tag or block to close. `check` finds what can be found before
anything is rendered: tags left open, syntax, unknown top-level fields.
"""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

from jinja2 import TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError, UndefinedError

from ..i18n import t
from . import template_sandbox
from .template_sandbox import TemplateLimit

SNIPPET = 60  # characters of a paragraph shown in a message
_BLOCKS = frozenset({"for", "if", "with", "filter", "autoescape", "set"})
_TAG = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}")
_CLOSE = {"{{": "}}", "{%": "%}", "{#": "#}"}
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


class Part:
    """One rendered part of a template: its name in the package and its Jinja source."""

    def __init__(self, name: str, source: str):
        self.name, self.source = name, source
        self.lines = source.split("\n")

    def visible(self, lineno: int) -> str:
        """The text a person sees on line `lineno` (or the nearest line above with text)."""
        for number in range(min(lineno, len(self.lines)), max(lineno - 4, 0), -1):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", self.lines[number - 1])).split())
            if text:
                return text.replace("\u200b", "")
        return ""

    def where(self, lineno: int | None, focus: str = "") -> str:
        """The paragraph, table cell, header or footer of line `lineno`, by its text."""
        if not lineno:
            return t("template_place_unknown")
        text = _snippet(self.visible(lineno), focus)
        if "header" in self.name or "footer" in self.name:
            kind = "header" if "header" in self.name else "footer"
        else:
            before = "\n".join(self.lines[: lineno - 1])
            opened = len(re.findall(r"<w:tc[ >]", before)) - before.count("</w:tc>")
            kind = "cell" if opened > 0 else "paragraph"
        return t(f"template_place_{kind}", text=text)


def _snippet(text: str, focus: str = "") -> str:
    text = " ".join(text.split())
    if len(text) <= SNIPPET:
        return text
    start = max(text.find(focus) - SNIPPET // 3, 0) if focus and focus in text else 0
    cut = text[start : start + SNIPPET].strip()
    return ("…" if start else "") + cut + ("…" if start + SNIPPET < len(text) else "")


# ---------------------------------------------------------------------------------------------
# Before rendering


def unclosed_tag(text: str) -> str | None:
    """The first `{{`, `{%` or `{#` of a paragraph's text left open (a tag never spans two
    paragraphs in a Word template), with what follows it; None when all are closed."""
    opened = None
    for match in _TAG.finditer(text):
        token = match.group()
        if token in _CLOSE:
            if opened is not None:
                break
            opened = match
        elif opened is not None and token == _CLOSE[opened.group()]:
            opened = None
    return text[opened.start() :].strip() if opened is not None else None


def check(path: Path, parts: list[Part], paragraphs, env, fields: dict) -> None:
    """Refuse, located, a template with a tag left open, a syntax fault or an unknown field;
    `paragraphs` are (part name, text, in a table cell) of the template as Word holds it."""
    from .docx_writer import DocumentError

    for name, text, in_cell in paragraphs:
        tag = unclosed_tag(text)
        if tag:
            kind = "header" if "header" in name else "footer" if "footer" in name else None
            kind = kind or ("cell" if in_cell else "paragraph")
            where = t(f"template_place_{kind}", text=_snippet(text, tag))
            opener = tag[:2]
            raise DocumentError(
                t("template_unclosed_tag", path=str(path), tag=_snippet(tag), place=where,
                  close=_CLOSE[opener])
            )  # fmt: skip
    for part in parts:
        try:
            tree = env.parse(part.source)
        except TemplateSyntaxError as exc:
            raise fault(exc, path, part, env, fields) from None
        unknown = meta.find_undeclared_variables(tree) - set(fields) - set(env.globals)
        if unknown:
            name, lineno = _first_use(env, part.source, unknown)
            typed = _typed(part.visible(lineno) if lineno else "", name, top=True)
            raise DocumentError(_unknown_field(path, part, lineno, name, typed, fields))


def _first_use(env, source: str, names: set[str]) -> tuple[str, int | None]:
    for lineno, kind, value in env.lex(source):
        if kind == "name" and value in names:
            return value, lineno
    return sorted(names)[0], None


# ---------------------------------------------------------------------------------------------
# A fault, located


def template_line(exc: BaseException) -> int | None:
    """The line of the template where `exc` happened: Jinja puts the template's lines in the
    traceback; the innermost is where it happened."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line or getattr(exc, "lineno", None)


def fault(exc: BaseException, path: Path, part: Part | None, env, fields: dict):
    """The DocumentError, in the user's language, for `exc` raised filling `part`."""
    from .docx_writer import DocumentError

    part = part or Part("", "")
    lineno = template_line(exc) if part.source else None
    if isinstance(exc, TemplateSyntaxError):
        return DocumentError(_syntax(exc, path, part, env))
    if isinstance(exc, TemplateLimit) or isinstance(exc, (MemoryError, RecursionError)):
        return DocumentError(limit_message(exc, path, part.where(lineno)))
    if isinstance(exc, UndefinedError):
        name = next((a or b for a, b in _QUOTED.findall(str(exc))[-1:]), "")
        typed = _typed(part.visible(lineno) if lineno else "", name)
        return DocumentError(_unknown_field(path, part, lineno, name, typed, fields))
    key = "template_unsafe" if isinstance(exc, SecurityError) else "template_eval_error"
    return DocumentError(t(key, path=str(path), place=part.where(lineno)))


def limit_message(exc: BaseException, path: Path, place: str) -> str:
    """A bound of the sandbox or of the child process, with the limit and where."""
    if isinstance(exc, RecursionError):
        kind, limit = "depth", 0
    elif isinstance(exc, MemoryError):
        kind, limit = "memory", template_sandbox.MAX_MEMORY
    else:
        kind, limit = exc.kind, exc.limit
    shown = f"{limit:,}".replace(",", ".")
    return t(f"template_limit_{kind}", path=str(path), limit=shown, place=place)


def _syntax(exc: TemplateSyntaxError, path: Path, part: Part, env) -> str:
    message = exc.message or ""
    if "end of template" in message.lower():
        block = _open_block(env, part.source)
        if block:
            name, lineno = block
            where = part.where(lineno, "{%")
            return t("template_unclosed_block", path=str(path), block=name, end="end" + name,
                     place=where)  # fmt: skip
    unknown = re.search(r"unknown tag '(\w+)'", message)
    where = part.where(exc.lineno, unknown.group(1) if unknown else "{")
    if unknown and unknown.group(1).startswith(("end", "el")):
        return t("template_stray_end", path=str(path), tag=unknown.group(1), place=where)
    if unknown:
        return t("template_unknown_tag", path=str(path), tag=unknown.group(1), place=where)
    tag = unclosed_tag(part.visible(exc.lineno or 0))
    if tag:
        return t("template_unclosed_tag", path=str(path), tag=_snippet(tag), place=where,
                 close=_CLOSE[tag[:2]])  # fmt: skip
    return t("template_syntax", path=str(path), place=where)


def _open_block(env, source: str) -> tuple[str, int] | None:
    """The innermost block (for, if...) left open at the end of `source`, with its line."""
    stack: list[tuple[str, int]] = []
    tag_start = False
    try:
        for lineno, kind, value in env.lex(source):
            if kind == "whitespace":
                continue
            if kind == "block_begin":
                tag_start = True
                continue
            if tag_start and kind == "name":
                if value in _BLOCKS:
                    stack.append((value, lineno))
                elif value.startswith("end") and stack:
                    stack.pop()
            elif kind == "assign" and stack and stack[-1][0] == "set":
                stack.pop()  # `set x = ...` is no block
            tag_start = False
    except TemplateSyntaxError:
        pass
    return stack[-1] if stack else None


def _typed(text: str, name: str, top: bool = False) -> str:
    """The field as typed around `name`: what leads to a missing attribute (`commune.nmae`,
    `r.yeer`), what follows a missing `top` level name (`comune.name`); else `name`."""
    lead, tail = ("", r"(\.\w+)*") if top else (r"[\w.\[\]]*", "")
    match = re.search(lead + r"\b" + re.escape(name) + r"\b" + tail, text) if name else None
    return match.group().strip(".") if match else name


def field_paths(fields: dict, prefix: str = "") -> list[str]:
    """Every field a template may use, as `ntm document fields` lists them (`a.b`, `a[].b`)."""
    out = []
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += field_paths(value, name + ".")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out += [name + "[]"] + field_paths(value[0], name + "[].")
        else:
            out.append(name + "[]" if isinstance(value, list) else name)
    return out


def nearest_fields(typed: str, fields: dict, n: int = 5) -> list[str]:
    """The known fields nearest to what was typed: by the whole name, else by its last part."""
    paths = field_paths(fields)
    close = difflib.get_close_matches(typed, paths, n, 0.75)
    if close:  # the best, and those nearly as near
        best = difflib.SequenceMatcher(None, typed, close[0]).ratio()
        return [p for p in close if difflib.SequenceMatcher(None, typed, p).ratio() >= best - 0.05]
    leaf = typed.rsplit(".", 1)[-1]
    leaves = {p.rsplit(".", 1)[-1].removesuffix("[]") for p in paths}
    near = set(difflib.get_close_matches(leaf, sorted(leaves), 3, 0.6))
    return [p for p in paths if p.rsplit(".", 1)[-1].removesuffix("[]") in near][:n]


def _unknown_field(path, part, lineno, name: str, typed: str, fields: dict) -> str:
    near = nearest_fields(typed, fields)
    hint = t("template_nearest_fields", names=", ".join(near)) if near else ""
    return t("template_unknown_field", path=str(path), field=typed, place=part.where(lineno, name),
             hint=hint)  # fmt: skip
