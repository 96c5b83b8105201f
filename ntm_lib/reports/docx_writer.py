"""Word documents: the one module that knows Word.

A draft is a Word template with fields and loops (docxtpl: Jinja in .docx) filled with plain
data (reports.board_documents). The shipped templates are built by code
(reports.document_templates); a board may give its own copy. A template is input like any
file a person hands over, so it is rendered in a sandboxed Jinja environment (no attribute of
Python's internals, no import, no file) and refused, before anything is written, when it carries
macros, ActiveX or OLE objects, links Word would follow by itself (external relationships, fields
that include other files, imported chunks) or Jinja macros, imports and includes.

Every text that reaches the document is cleaned first: the characters XML cannot hold (control
characters, U+FFFE/U+FFFF, lone surrogates) and Unicode noncharacters become U+FFFD, so that no
name or plan text can stop a draft; a slash between letters ("đồng/người/năm") is followed by a
zero-width space, so a narrow cell breaks the unit at the slash, never inside a word.

What ntm wrote is recorded beside the draft (its manifest, `FILE.ntm.json`, or the run's
manifest.json), so `--force` never replaces a draft a board edited since (atomic).
"""

from __future__ import annotations

import re
import zipfile
from importlib import resources
from pathlib import Path

from ..errors import NtmError
from ..i18n import t
from ..tables import make_zip_deterministic

DOCUMENTS = Path(str(resources.files("ntm_lib").joinpath("reports/templates/documents")))
# Bounds for a .docx given to ntm (a template, last year's document): a letterhead with a
# picture is a few MB; these stop a zip that inflates without end.
MAX_ENTRIES = 2000
MAX_INFLATED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_OUTPUT = 1_000_000  # characters a template expression may produce


class DocumentError(NtmError):
    """A template or a document given to ntm cannot be used (named, with the reason)."""

    exit_code = 1


# ---------------------------------------------------------------------------------------------
# Text


_ILLEGAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"\\U{plane:04X}FFFE\\U{plane:04X}FFFF" for plane in range(1, 17))
    + "]"
)
_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")
ZWSP = "\u200b"


def clean_text(text: str) -> str:
    """`text` as a Word document can hold it: what XML cannot carry, and Unicode noncharacters,
    become U+FFFD (visible, so the board sees something was there); a slash between letters
    may break a line."""
    return _SLASH.sub("/" + ZWSP, _ILLEGAL.sub("\ufffd", text))


def clean(value):
    """`clean_text` applied to every string of a nested structure of dicts, lists and tuples."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def plain(text: str) -> str:
    """Text read back from a document, without the zero-width breaks ntm added."""
    return text.replace(ZWSP, "")


# ---------------------------------------------------------------------------------------------
# A .docx given to ntm


_FETCHING_FIELD = re.compile(
    rb"\b(INCLUDETEXT|INCLUDEPICTURE|LINK|DDE|DDEAUTO|IMPORT|INCLUDE)\b", re.IGNORECASE
)
_INSTR = re.compile(rb"<w:instrText[^>]*>([^<]*)</w:instrText>|w:instr=\"([^\"]*)\"")
_EXTERNAL = re.compile(rb"<Relationship\b[^>]*\bTargetMode=\"External\"[^>]*/?>")
_JINJA_FORBIDDEN = re.compile(
    r"\{%-?[pr]?\s*(macro|call|import|from|include|extends|block)\b", re.IGNORECASE
)
_FORBIDDEN_PARTS = ("vbaProject", "vbaData", "activeX", "embeddings/", "oleObject")


def _open_docx(path: Path) -> dict[str, zipfile.ZipInfo]:
    """The entries of a .docx, after checking it is one and that it inflates to a sane size."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(t("docx_not_docx", path=str(path))) from exc
    inflated = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if len(infos) > MAX_ENTRIES or inflated > MAX_INFLATED or inflated / packed > MAX_RATIO:
        raise DocumentError(t("docx_too_large", path=str(path)))
    names = {i.filename: i for i in infos}
    if "word/document.xml" not in names:
        raise DocumentError(t("docx_not_docx", path=str(path)))
    return names


def _refusal(name: str, data: bytes) -> str | None:
    """Why a part of a template may not be used, or None."""
    if name.endswith(".rels"):
        for rel in _EXTERNAL.findall(data):
            if b"relationships/hyperlink" not in rel:  # a link a reader clicks is harmless
                return "external"
    if name.endswith(".xml") and (b"<w:altChunk" in data or b"<w:attachedTemplate" in data):
        return "external"
    for match in _INSTR.finditer(data):
        if _FETCHING_FIELD.search(match.group(1) or match.group(2) or b""):
            return "field"
    if name.endswith(".xml") and _JINJA_FORBIDDEN.search(data.decode("utf-8", "replace")):
        return "jinja"
    return None


def check_docx(path: Path, template: bool = False) -> None:
    """Refuse a .docx that is not one, inflates without end, or (a template) carries macros,
    active content or links Word would follow, or Jinja that reaches beyond its fields."""
    names = _open_docx(path)
    if not template:
        return
    for name in names:
        if any(part in name for part in _FORBIDDEN_PARTS):
            raise DocumentError(t("docx_template_refused_macro", path=str(path), part=name))
    with zipfile.ZipFile(path) as zf:
        content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if b"macroEnabled" in content_types:
            raise DocumentError(t("docx_template_refused_macro", path=str(path), part="vba"))
        for name in names:
            if name.endswith((".xml", ".rels")):
                why = _refusal(name, zf.read(name))
                if why:
                    raise DocumentError(
                        t(f"docx_template_refused_{why}", path=str(path), part=name)
                    )


# ---------------------------------------------------------------------------------------------
# Rendering


def _environment():
    """Jinja for templates: sandboxed (no underscore attributes, no mutation of the data, ranges
    bounded), every undefined field an error, every output cleaned and XML-escaped."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and (abs(_number(right)) > 64 or abs(_number(left)) > 1e6):
                raise SecurityError("power too large")
            if operator == "*" and isinstance(left, (str, list, tuple)):
                left, right = right, left
            if operator == "*" and isinstance(right, (str, list, tuple)):
                if len(right) * max(_number(left), 0) > MAX_OUTPUT:
                    raise SecurityError("repetition too large")
            if operator == "%" and isinstance(left, str) and re.search(r"\d{5,}", left):
                raise SecurityError("format width too large")
            return super().call_binop(context, operator, left, right)

    return Sandbox(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=lambda v: clean_text(v) if isinstance(v, str) else v,
    )


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def render(template: Path, fields: dict, path: Path) -> Path:
    """Fill `template` with `fields` into the .docx `path` (deterministic bytes for the same
    template and fields)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from jinja2.sandbox import SecurityError

    check_docx(template, template=True)
    doc = DocxTemplate(str(template))
    try:
        doc.render(clean(fields), jinja_env=_environment(), autoescape=True)
    except SecurityError as exc:
        raise DocumentError(t("docx_template_unsafe", path=str(template), reason=str(exc))) from exc
    except TemplateError as exc:
        raise DocumentError(
            t("docx_template_error", path=str(template), reason=clean_text(str(exc)))
        ) from exc
    core = doc.docx.core_properties
    core.author, core.last_modified_by, core.revision = "ntm-assess", "ntm-assess", 1
    doc.save(str(path))
    make_zip_deterministic(Path(path))
    return Path(path)


# ---------------------------------------------------------------------------------------------
# Reading a document back


def blocks(path: Path) -> list[tuple[str, str, int]]:
    """The text of a .docx in reading order, as (text, where, cell) per paragraph: `where` is
    "body" or "table"; paragraphs of a table carry the number of their cell, so that a reader
    can keep a cell's text together. Highlighted placeholder text is left out."""
    from docx import Document
    from docx.oxml.ns import qn

    check_docx(path)
    try:
        doc = Document(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for a broken file
        raise DocumentError(t("docx_not_docx", path=str(path))) from exc
    out, cell_no = [], 0
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append((_paragraph_text(child), "body", 0))
        elif child.tag == qn("w:tbl"):
            for tc in child.iter(qn("w:tc")):
                cell_no += 1
                for p in tc.iter(qn("w:p")):
                    out.append((_paragraph_text(p), "table", cell_no))
    return out


def _paragraph_text(p) -> str:
    """A paragraph's text, its highlighted runs (placeholders the board did not replace) left
    out, ntm's zero-width breaks removed."""
    from docx.oxml.ns import qn

    parts = []
    for run in p.iter(qn("w:r")):
        props = run.find(qn("w:rPr"))
        if props is not None and props.find(qn("w:highlight")) is not None:
            continue
        for node in run:
            if node.tag == qn("w:t"):
                parts.append(node.text or "")
            elif node.tag == qn("w:tab"):
                parts.append("\t")
            elif node.tag in (qn("w:br"), qn("w:cr")):
                parts.append("\n")
    return plain("".join(parts))
