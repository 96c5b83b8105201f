"""A decision's file (Word .docx, or a PDF with a text layer) to its text and tables.

What a person sees is what is read: each table as a grid of cell texts in which a merged cell
is repeated over every grid position it covers (as Word and the PDF draw it), the paragraphs
before and after each table (an annex's title, footnotes), and the document's opening text
(its number, date and title). Hostile or unreadable files are refused before they are parsed:
the size limit of every input, an archive that would unpack to far more than its size, a Word
file with macros, an old binary .doc, an encrypted file, a scanned PDF without a text layer,
a table too large for any annex. A link to an outside file is never followed; a Word field
(a formula computed by Word) is marked so that its cached text is not taken as the decision's.
Text Word does not show as the decision's is never read as it: deleted text (a tracked
deletion) is never read, and a cell or paragraph holding tracked changes not yet accepted or
rejected, or hidden text, refuses the file with its place, for the person to accept or reject
the changes and unhide the text in Word first.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, cap_problems
from .excel import OLE_MAGIC
from .limits import max_bytes

# An annex of criteria has tens of rows; these bounds refuse a file built to exhaust memory.
MAX_TABLE_ROWS = 3000
MAX_TABLE_CELLS = 100_000
MAX_PDF_PAGES = 400
# The body of a Word document may unpack to at most this many bytes.
MAX_DOCUMENT_XML = 64 * 1024 * 1024
HEADING_GAP = 24  # points between two blocks of a PDF heading line
MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$", re.IGNORECASE)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Tracked changes not yet accepted or rejected: inserted, deleted or moved text, paragraph
# marks, table rows and cells.
REVISIONS = tuple(
    f"{W}{tag}" for tag in ("ins", "del", "moveFrom", "moveTo", "cellIns", "cellDel", "cellMerge")
)
DELETED = (f"{W}del", f"{W}moveFrom")
OFF = {"0", "false", "off"}


@dataclass
class DocTable:
    """One table: text cells (merged cells repeated), where each cell came from, and the
    paragraphs around it."""

    number: int  # 1-based, in the document's order
    cells: list[list[str]]
    origin: list[list[int]]  # an id per grid position: equal ids are one merged cell
    formulas: set = field(default_factory=set)  # (row, col) holding a Word field formula
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    page: int | None = None


@dataclass
class Document:
    file: str
    sha256: str
    opening: str  # the text before the first table of criteria, heading tables included
    paragraphs: list[str]
    tables: list[DocTable]


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()


def _refuse(path: Path) -> list[Problem]:
    file = str(path)
    if not path.is_file():
        return [Problem(file, "file_missing")]
    size = path.stat().st_size
    if size > max_bytes():
        mb = round(max_bytes() / 1024 / 1024)
        return [Problem(file, "file_too_large", params={"size": round(size / 2**20), "limit": mb})]
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        return [Problem(file, "decision_old_or_encrypted")]
    return []


def _refuse_docx(path: Path) -> list[Problem]:
    file = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(file, "decision_not_readable", params={"error": str(exc)[:200]})]
    if any(MACRO_PARTS.search(i.filename) for i in infos):
        return [Problem(file, "decision_macros")]
    body = sum(i.file_size for i in infos if i.filename.startswith("word/document"))
    if body > MAX_DOCUMENT_XML or sum(i.file_size for i in infos) > 10 * max_bytes():
        return [Problem(file, "decision_too_large")]
    return []


def _formula(tc) -> bool:
    """A Word field computing a number ({ =SUM(ABOVE) }): its shown text is Word's cache."""
    simple = [e.get(f"{W}instr", "") for e in tc.iter(f"{W}fldSimple")]
    instr = ["".join(e.itertext()) for e in tc.iter(f"{W}instrText")]
    return any(s.strip().startswith("=") for s in simple + instr)


def _cell_text(tc, styles: set[str] = frozenset()) -> str:
    """A cell's text as Word shows it: every run, those inside fields and links too; never
    deleted text (a tracked deletion or the source of a move, whatever element holds it), nor
    text hidden by the runs or paragraph styles of `styles` or by the run's own format."""
    breaks = {f"{W}br": "\n", f"{W}cr": "\n", f"{W}tab": " "}
    paragraphs = []
    for p in tc.iter(f"{W}p"):
        p_style = _style(p.find(f"{W}pPr"), "pStyle")
        parts = [
            (e.text or "") if e.tag == f"{W}t" else breaks.get(e.tag, "")
            for e in p.iter(f"{W}t", *breaks)
            if next(e.iterancestors(*DELETED), None) is None
            and not _run_hidden(e.getparent(), p_style, styles)
        ]
        paragraphs.append("".join(parts))
    return _clean("\n".join(paragraphs))


def _on(props, tag: str) -> bool | None:
    """Whether a toggle property (w:vanish) is set in `props` (None: not said there)."""
    el = props.find(f"{W}{tag}") if props is not None else None
    if el is None:
        return None
    return el.get(f"{W}val", "true").lower() not in OFF


def hidden_styles(styles) -> set[str]:
    """The ids of styles whose text is hidden (w:vanish), through the styles they are based
    on."""
    own, parent = {}, {}
    for st in styles.iter(f"{W}style"):
        sid = st.get(f"{W}styleId")
        own[sid] = _on(st.find(f"{W}rPr"), "vanish")
        based = st.find(f"{W}basedOn")
        parent[sid] = based.get(f"{W}val") if based is not None else None
    hidden = set()
    for sid in own:
        seen, at = set(), sid
        while at in own and own[at] is None and at not in seen:
            seen.add(at)
            at = parent[at]
        if own.get(at):
            hidden.add(sid)
    return hidden


def _style(props, tag: str) -> str | None:
    el = props.find(f"{W}{tag}") if props is not None else None
    return el.get(f"{W}val") if el is not None else None


def _run_hidden(run, p_style: str | None, styles: set[str]) -> bool:
    """A run Word hides: marked hidden, or of a hidden character or paragraph style."""
    if run is None or run.tag != f"{W}r":
        return False
    props = run.find(f"{W}rPr")
    hidden = _on(props, "vanish")
    if hidden is None:
        return _style(props, "rStyle") in styles or p_style in styles
    return hidden


def _hidden_text(el, styles: set[str]) -> bool:
    """Some text of `el` (a cell or a paragraph) that Word hides, not deleted."""
    for p in el.iter(f"{W}p"):
        p_style = _style(p.find(f"{W}pPr"), "pStyle")
        for r in p.iter(f"{W}r"):
            if (
                any(t.text for t in r.iter(f"{W}t"))
                and _run_hidden(r, p_style, styles)
                and next(r.iterancestors(*DELETED), None) is None
            ):
                return True
    return False


def unseen(el, styles: set[str]) -> list[str]:
    """What of `el` Word does not show as the final text: 'revised' (tracked changes pending),
    'hidden' (hidden text)."""
    out = ["revised"] if next(el.iter(*REVISIONS), None) is not None else []
    return out + (["hidden"] if _hidden_text(el, styles) else [])


def _unseen_cell(file: str, number: int, r: int, c: int, text: str, kinds) -> list[Problem]:
    where = {"table": number, "row": r + 1, "column": c + 1, "text": text[:80]}
    return [Problem(file, f"decision_cell_{kind}", params=where) for kind in kinds]


def _unseen_paragraph(file: str, p, text: str, styles: set[str]) -> list[Problem]:
    params = {"text": text[:80]}
    return [
        Problem(file, f"decision_paragraph_{kind}", params=params) for kind in unseen(p, styles)
    ]


def _docx_table(
    table, number: int, file: str, styles: set[str]
) -> tuple[DocTable | None, list[Problem]]:
    rows = table.rows
    if len(rows) > MAX_TABLE_ROWS or len(rows) * len(table.columns) > MAX_TABLE_CELLS:
        return None, [Problem(file, "decision_table_too_large", params={"table": number})]
    cells, origin, formulas, ids, problems = [], [], set(), {}, []
    for r, row in enumerate(rows):
        texts, where = [""] * row.grid_cols_before, [-1] * row.grid_cols_before
        tr_pr = row._tr.trPr
        row_revised = tr_pr is not None and next(tr_pr.iter(*REVISIONS), None) is not None
        for cell in row.cells:
            key = cell._tc  # the element stays alive as a key: one identity per merged cell
            text = _cell_text(cell._tc, styles)
            if key not in ids:
                ids[key] = len(ids)
                if _formula(cell._tc):
                    formulas.add(ids[key])
                kinds = unseen(cell._tc, styles)
                if row_revised and "revised" not in kinds:
                    kinds.insert(0, "revised")
                problems += _unseen_cell(file, number, r, len(texts), text, kinds)
            texts.append(text)
            where.append(ids[key])
        cells.append(texts)
        origin.append(where)
    if problems:
        return None, problems
    width = max((len(r) for r in cells), default=0)
    cells = [r + [""] * (width - len(r)) for r in cells]
    origin = [r + [-1] * (width - len(r)) for r in origin]
    at = {(r, c) for r, row in enumerate(origin) for c, k in enumerate(row) if k in formulas}
    return DocTable(number, cells, origin, at), []


def read_docx(path: Path) -> tuple[Document | None, list[Problem]]:
    from docx import Document as open_docx
    from docx.table import Table

    problems = _refuse(path) or _refuse_docx(path)
    if problems:
        return None, problems
    try:
        doc = open_docx(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on a bad file
        return None, [Problem(str(path), "decision_not_readable", params={"error": str(exc)[:200]})]
    paragraphs, tables, pending, problems = [], [], [], []
    styles = hidden_styles(doc.styles.element)
    for child in doc.element.body.iterchildren():
        if child.tag == f"{W}p":
            text = _cell_text(child, styles)
            problems += _unseen_paragraph(str(path), child, text, styles)
            if text:
                paragraphs.append(text)
                pending.append(text)
                if tables:
                    tables[-1].after.append(text)
        elif child.tag == f"{W}tbl":
            table, found = _docx_table(Table(child, doc), len(tables) + 1, str(path), styles)
            if found:
                problems += found
                continue
            table.before = pending
            pending = []
            tables.append(table)
    if problems:
        return None, cap_problems(problems)
    return _document(path, paragraphs, tables), []


def _document(
    path: Path, paragraphs: list[str], tables: list[DocTable], opening: str = ""
) -> Document:
    heading = [opening] if opening else []
    for t in tables[:2]:
        heading += ["\n".join(row) for row in t.cells[:6]]
    opening = "\n".join(heading + paragraphs[:40])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Document(str(path), digest, opening, paragraphs, tables)


def _pdf_grid(table) -> tuple[list[list[str]], list[list[int]]]:
    """A pdfplumber table as a grid, a merged cell repeated over the positions it covers."""
    from pdfplumber.utils import extract_text

    boxes = [c for row in table.rows for c in row.cells if c is not None]
    chars = table.page.chars
    tops = sorted({round(b[1], 1) for b in boxes})
    lefts = sorted({round(b[0], 1) for b in boxes})
    bottom = max(b[3] for b in boxes)
    right = max(b[2] for b in boxes)
    text = {}
    for b in boxes:
        inside = [
            ch
            for ch in chars
            if b[0] <= (ch["x0"] + ch["x1"]) / 2 < b[2]
            and b[1] <= (ch["top"] + ch["bottom"]) / 2 < b[3]
        ]
        # a line break inside a PDF cell is where the line wrapped, at a space
        text[b] = _clean(extract_text(inside).replace("\n", " "))
    cells, origin = [], []
    for i, top in enumerate(tops):
        y = (top + (tops[i + 1] if i + 1 < len(tops) else bottom)) / 2
        row_text, row_origin = [], []
        for j, left in enumerate(lefts):
            x = (left + (lefts[j + 1] if j + 1 < len(lefts) else right)) / 2
            hit = next(
                (k for k, b in enumerate(boxes) if b[0] <= x < b[2] and b[1] <= y < b[3]), -1
            )
            row_text.append(text[boxes[hit]] if hit >= 0 else "")
            row_origin.append(hit)
        cells.append(row_text)
        origin.append(row_origin)
    return cells, origin


def _pdf_page(page, number: int, tables: list[DocTable], paragraphs: list[str]) -> None:
    found = page.find_tables()
    boxes = [t.bbox for t in found]

    def outside(obj) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    lines = [
        (line["top"], _clean(line["text"]))
        for line in page.filter(outside).extract_text_lines()
        if _clean(line["text"])
    ]
    pending = [t for y, t in lines if not boxes or y < boxes[0][1]]
    paragraphs += [t for _, t in lines]
    for k, table in enumerate(found):
        cells, origin = _pdf_grid(table)
        doc_table = DocTable(len(tables) + 1, cells, origin, page=number, before=pending)
        end = found[k + 1].bbox[1] if k + 1 < len(found) else float("inf")
        doc_table.after = [t for y, t in lines if table.bbox[3] <= y < end]
        pending = list(doc_table.after)
        tables.append(doc_table)
    if tables and not found:
        tables[-1].after += [t for _, t in lines]


def read_pdf(path: Path) -> tuple[Document | None, list[Problem]]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    problems = _refuse(path)
    if problems:
        return None, problems
    paragraphs: list[str] = []
    tables: list[DocTable] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                return None, [Problem(str(path), "decision_too_large")]
            if not any(page.chars for page in pdf.pages):
                return None, [Problem(str(path), "decision_scanned")]
            for number, page in enumerate(pdf.pages, start=1):
                _pdf_page(page, number, tables, paragraphs)
            opening = _pdf_heading(pdf.pages[0])
    except PDFPasswordIncorrect:
        return None, [Problem(str(path), "decision_old_or_encrypted")]
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on a bad file
        return None, [Problem(str(path), "decision_not_readable", params={"error": str(exc)[:200]})]
    for t in tables:
        if len(t.cells) > MAX_TABLE_ROWS:
            return None, [
                Problem(str(path), "decision_table_too_large", params={"table": t.number})
            ]
    return _document(path, paragraphs, tables, opening), []


def _pdf_heading(page) -> str:
    """The first page's lines, each cut where a wide gap separates two blocks: a decision's
    heading prints the issuer and number beside the motto, place and date."""
    words = page.extract_words()
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) < 3:
            lines[-1].append(w)
        else:
            lines.append([w])
    left, right = [], []
    for line in lines:
        line.sort(key=lambda w: w["x0"])
        segment = [line[0]]
        for w in line[1:]:
            if w["x0"] - segment[-1]["x1"] > HEADING_GAP:
                (left if segment[0]["x0"] < page.width / 2 else right).append(segment)
                segment = []
            segment.append(w)
        (left if segment[0]["x0"] < page.width / 2 else right).append(segment)
    return "\n".join(" ".join(w["text"] for w in seg) for seg in left + right)


def read_document(path: str | Path) -> tuple[Document | None, list[Problem]]:
    """The decision's text and tables; a .pdf is read by its text layer, anything else as a
    Word .docx file."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        return read_pdf(path)
    if path.suffix.lower() not in (".docx", ".docm"):
        return None, [Problem(str(path), "decision_kind")]
    return read_docx(path)
