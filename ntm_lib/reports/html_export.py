"""Executed notebooks to self-contained HTML pages with nbconvert (our `ntm` template)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from .. import __version__
from ..atomic import atomic_file
from .html import TEMPLATES, stylesheet

HIDDEN_TAGS = {"notes", "parameters", "injected-parameters", "check"}


class DropStderr(Preprocessor):
    """Warnings printed by libraries are for developers, not for the report's readers."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("outputs"):
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


class PageExporter(HTMLExporter):
    """nbconvert's HTML exporter, with only the preprocessors a page uses (each of the others,
    even disabled, validated the whole notebook again), and without its last pass, which
    parses the whole page with BeautifulSoup to give JupyterLab's cell elements a tab index
    and images without one an alt text: our template has no such elements, and images are
    given an alt text by `_with_alt`. The two took two thirds of an export (measured)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        self.register_filter("highlight_code", lambda source, *a, **k: source)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _with_alt(_characters(html)), resources


NO_ALT = re.compile(r"<img(?![^>]*\salt=)")


CHAR_REF = re.compile(r"&#(?:(\d+)|[xX]([0-9a-fA-F]+));")


def _characters(html: str) -> str:
    """Letters beyond ASCII as themselves, not as numeric references (markdown's headings write
    «Thuật» as «Thu&#7853;t»; nbconvert's last pass, left out, wrote them back). ASCII ones stay
    references: «&#60;» is never turned into markup."""

    def char(m: re.Match) -> str:
        code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
        return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()

    return CHAR_REF.sub(char, html)


def _with_alt(html: str) -> str:
    """Every image with an alt text (as nbconvert's last pass gives one)."""
    return NO_ALT.sub('<img alt="No description has been provided for this image"', html)


@lru_cache(maxsize=1)
def exporter() -> HTMLExporter:
    """One exporter per process: its templates are compiled once, not once a page."""
    exp = PageExporter(
        template_name="ntm",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        default_preprocessors=[],
        # Ours only drop cells and outputs: the notebook is validated once, after both, not
        # after each.
        optimistic_validation=True,
    )
    exp.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS), enabled=True)
    exp.register_preprocessor(DropStderr(), enabled=True)
    return exp


def blank_resources(lang: str = "vi", title: str = "") -> dict:
    """What our template reads besides the notebook."""
    return {"ntm": {"lang": lang, "title": title, "css": stylesheet(), "version": __version__}}


def notebook_to_html(notebook, target: str | Path, title: str, lang: str) -> Path:
    """`notebook` (a NotebookNode, or the path of one) as the page `target`. The exporter
    works on its own copy: the notebook given is left as it is."""
    if not isinstance(notebook, nbformat.NotebookNode):
        # Written by papermill, which validated it: read by nbformat's own v4 reader (lines
        # joined into text, as nbformat.read gives them), without validating it once more.
        with open(notebook, encoding="utf-8") as fh:
            notebook = nbformat.v4.reads(fh.read())
    body, _ = exporter().from_notebook_node(notebook, resources=blank_resources(lang, title))
    return atomic_file(target, lambda tmp: Path(tmp).write_text(body, encoding="utf-8"))
