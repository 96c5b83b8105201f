"""Executed notebooks to self-contained HTML pages with nbconvert (our `ntm` template)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from .. import __version__
from ..atomic import atomic_file

TEMPLATES = Path(str(resources.files("ntm_lib").joinpath("reports/templates")))
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


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def exporter() -> HTMLExporter:
    """One exporter per process: its templates are compiled once, not once a page."""
    exp = HTMLExporter(
        template_name="ntm",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exp.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS), enabled=True)
    exp.register_preprocessor(DropStderr(), enabled=True)
    return exp


def notebook_to_html(notebook: str | Path, target: str | Path, title: str, lang: str) -> Path:
    nb = nbformat.read(str(notebook), as_version=4)
    resources = {"ntm": {"lang": lang, "title": title, "css": stylesheet(), "version": __version__}}
    body, _ = exporter().from_notebook_node(nb, resources=resources)
    return atomic_file(target, lambda tmp: Path(tmp).write_text(body, encoding="utf-8"))
