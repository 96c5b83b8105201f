"""Word documents: the one module that knows Word.

A draft is a Word template with fields and loops (docxtpl: Jinja in .docx) filled with plain
data (reports.board_documents). The shipped templates are built by code
(reports.document_templates); a board may give its own copy. A template is input like any
file a person hands over, so it is rendered in a sandboxed Jinja environment (no attribute of
Python's internals, no import, no file; its work bounded, a board's own template filled in a
child process limited in memory and time: reports.template_sandbox), its faults refused with
their paragraph or table cell (reports.template_errors), and refused, before anything is
written, when it carries
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
    """Jinja for templates: sandboxed (no underscore attributes, no mutation of the data, the
    work bounded: reports.template_sandbox), every undefined field an error, every output
    cleaned and XML-escaped."""
    from .template_sandbox import environment

    return environment(lambda v: clean_text(v) if isinstance(v, str) else v)


def render(template: Path, fields: dict, path: Path, own: bool = False) -> Path:
    """Fill `template` with `fields` into the .docx `path` (deterministic bytes for the same
    template and fields). A board's `own` template is checked first (tags left open, syntax,
    unknown fields: refused with their place) and filled in a child process bounded in memory
    and time (reports.template_sandbox.isolated)."""
    from .template_errors import limit_message
    from .template_sandbox import TemplateLimit, isolated

    check_docx(template, template=True)
    fields = clean(fields)
    if not own:
        _fill(template, fields, path)
    else:
        _check_template(template, fields)
        try:
            isolated(_fill, template, fields, path)
        except TemplateLimit as exc:
            place = t("template_place_unknown")
            raise DocumentError(limit_message(exc, template, place)) from None
    make_zip_deterministic(Path(path))
    return Path(path)


def _template_class():
    """DocxTemplate whose faults are located (template_errors) in the part being rendered."""
    from docxtpl import DocxTemplate

    from .template_errors import Part, fault

    class Located(DocxTemplate):
        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            try:
                return super().render_xml_part(src_xml, part, context, jinja_env)
            except Exception as exc:  # noqa: BLE001 - every fault of a template, located
                source = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)  # as docxtpl numbers lines
                raise fault(exc, self.path, Part(str(part.partname), source), jinja_env,
                            context) from None  # fmt: skip

    return Located


def _fill(template: Path, fields: dict, path: Path) -> None:
    from .template_errors import fault

    doc = _template_class()(str(template))
    doc.path = Path(template)
    env = _environment()
    try:
        doc.render(fields, jinja_env=env, autoescape=True)
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - properties and footnotes are templates too
        raise fault(exc, Path(template), None, env, fields) from None
    core = doc.docx.core_properties
    core.author, core.last_modified_by, core.revision = "ntm-assess", "ntm-assess", 1
    doc.save(str(path))


def _check_template(template: Path, fields: dict) -> None:
    """A board's template checked before it is filled (template_errors.check)."""
    from docx.oxml.ns import qn

    from .template_errors import Part, check

    doc = _template_class()(str(template))
    doc.init_docx()
    parts = [("/word/document.xml", doc.docx._element.body, doc.get_xml())]
    for uri in (doc.HEADER_URI, doc.FOOTER_URI):
        for _, part in doc.get_headers_footers(uri):
            parts.append((str(part.partname), part.element, doc.get_part_xml(part)))
    paragraphs = [
        (name, "".join(node.text or "" for node in p.iter(qn("w:t"))), _in_cell(p))
        for name, element, _ in parts
        for p in element.iter(qn("w:p"))
    ]
    sources = [
        Part(name, re.sub(r"<w:p([ >])", r"\n<w:p\1", doc.patch_xml(xml))) for name, _, xml in parts
    ]
    check(Path(template), sources, paragraphs, _environment(), fields)


def _in_cell(paragraph) -> bool:
    from docx.oxml.ns import qn

    return any(a.tag == qn("w:tc") for a in paragraph.iterancestors())


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
