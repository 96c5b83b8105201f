"""The board's own wording, carried from year to year.

What stays the same in a board's plan (purposes, requirements, leadership, the fields of work,
the board's duties, the closing, the recipients) is written once by the board and carried into
every new draft: from the board's previous document (.docx, filled and edited in Word) or from
plain-text files (.txt, one paragraph per line). Each section is recognised by its heading, as
templates/documents/sections.yaml lists them; text under a heading of a section written from the
data (the status, the roadmap) is not carried, nor are tables, nor placeholders left unreplaced.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import yaml_text
from ..i18n import t
from ..intake.values import fold
from .docx_writer import DOCUMENTS, DocumentError, blocks, clean_text

MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_HEADING = 200  # characters: longer is a paragraph, not a heading
_NUMBERING = re.compile(
    r"^\s*(?:(?P<roman>[IVX]+)\b\.?|(?P<arabic>\d+(?:\.\d+)*)\.?\)?|(?P<letter>[a-zđ])[.)])\s+",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def catalogue() -> dict:
    """Section key -> its spec (headings, roman, lead, carried)."""
    text = (DOCUMENTS / "sections.yaml").read_text(encoding="utf-8")
    return yaml_text.load(text)["sections"]


def carried_keys() -> list[str]:
    return [k for k, spec in catalogue().items() if spec.get("carried", True)]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())


@lru_cache(maxsize=1)
def _catalogue_aliases() -> tuple[tuple[str, str, str], ...]:
    """(kind, words, key) for every alias; kind is headings, roman or lead."""
    out = []
    for key, spec in catalogue().items():
        for kind in ("headings", "roman", "lead"):
            out += [(kind, _words(a), key) for a in spec.get(kind, [])]
    return tuple(out)


_CARRIED_TAG = re.compile(r"\{%p\s+if\s+text\.(\w+)\s*%\}")


def template_headings(template: Path) -> dict[str, str]:
    """The heading a template puts before each carried section (`{%p if text.KEY %}`): a
    board that renamed "Mục đích" in its own template has its text recognised by its name."""
    out, heading = {}, None
    for text, where, _ in blocks(template):
        found = _CARRIED_TAG.search(text)
        if found and heading and where == "body":
            out.setdefault(found.group(1), heading)
        elif text.strip() and "{%" not in text and "{{" not in text:
            heading = text.strip()
    return out


def section_of(paragraph: str, aliases=None) -> tuple[str | None, bool]:
    """The section a paragraph opens, if it is a heading (or a lead), and whether the
    paragraph itself belongs to the section's text (a lead does)."""
    aliases = aliases or _catalogue_aliases()
    if len(paragraph) > MAX_HEADING:
        return _lead(paragraph)
    numbering = _NUMBERING.match(paragraph)
    words = _words(paragraph[numbering.end() :] if numbering else paragraph)
    roman = bool(numbering and numbering.group("roman"))
    best = None
    for kind, alias, key in aliases:
        if kind == "lead" or (kind == "roman" and not roman):
            continue
        if words == alias or (numbering and words.startswith(alias + " ")):
            rank = (kind == "roman", len(alias))
            if best is None or rank > best[0]:
                best = (rank, key)
    if best:
        return best[1], False
    return _lead(paragraph)


def _lead(paragraph: str) -> tuple[str | None, bool]:
    words = _words(paragraph)
    for kind, alias, key in _catalogue_aliases():
        if kind == "lead" and (words == alias or words.startswith(alias + " ")):
            return key, True
    return None, False


def _paragraphs(path: Path) -> list[tuple[str, str, int]]:
    if path.suffix.lower() == ".docx":
        return blocks(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(t("board_text_unreadable", path=str(path))) from exc
    if len(raw) > MAX_TEXT_BYTES:
        raise DocumentError(t("board_text_too_large", path=str(path)))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(t("board_text_not_utf8", path=str(path))) from exc
    return [(line, "body", 0) for line in text.splitlines()]


def read_sections(path: Path, aliases=None) -> dict[str, list[str]]:
    """The carried sections found in one file: key -> its paragraphs (cleaned)."""
    carried = set(carried_keys())
    found: dict[str, list[str]] = {}
    current, cell_of_current = None, 0
    for text, where, cell in _paragraphs(Path(path)):
        text = " ".join(clean_text(text).split())
        if cell_of_current and (where != "table" or cell != cell_of_current):
            current, cell_of_current = None, 0  # a section opened in a cell ends with it
        if not re.search(r"\w", text):
            continue  # empty, or only what was left around a placeholder
        key, own = section_of(text, aliases)
        if key:
            current, cell_of_current = key, cell if where == "table" else 0
            found.setdefault(key, [])
            if own:
                found[key].append(text)
        elif current and (where == "body" or cell_of_current == cell):
            found.setdefault(current, []).append(text)
    return {k: v for k, v in found.items() if k in carried and v}


def board_text(paths, template: Path | None = None) -> dict[str, list[str]]:
    """Every carried section (key -> paragraphs; empty when not given) from `paths`, in order:
    a section found in a later file replaces the earlier one. Headings are those of
    sections.yaml and, with a board's own `template`, the ones it gives its sections. A file in
    which no section is recognised is refused, with the headings ntm knows."""
    text = {key: [] for key in carried_keys()}
    carried = set(carried_keys())
    learned = template_headings(Path(template)) if template else {}
    aliases = list(_catalogue_aliases()) + [
        ("headings", _words(_NUMBERING.sub("", heading)), key)
        for key, heading in learned.items()
        if key in carried
    ]
    for path in paths or []:
        sections = read_sections(Path(path), aliases)
        if not sections:
            known = "; ".join(_display(catalogue()[key]) for key in carried_keys())
            raise DocumentError(t("board_text_no_section", path=str(path), known=known))
        text.update(sections)
    return text


def _display(spec: dict) -> str:
    names = spec.get("headings") or spec.get("roman") or spec.get("lead") or []
    return names[0] if names else ""
