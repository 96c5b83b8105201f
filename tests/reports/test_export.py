"""The export of an executed notebook reads it as nbformat does: a notebook written to disk
keeps multi-line sources and outputs as lists of lines, and the page shows them as text."""

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ntm_lib.reports.html_export import notebook_to_html


def test_multi_line_sources_and_outputs_are_exported_as_text(tmp_path):
    html = '<style>@page { @top-left { content: "A \\28 1\\29"; } }</style>\n<p>&#60;b&#62;</p>\n'
    nb = new_notebook(
        cells=[
            new_markdown_cell("# A lesson\n\nIts first paragraph.\n\n## 7. Thuật ngữ\n"),
            new_code_cell(
                "x = 1\ny = 2\n",
                outputs=[new_output("display_data", data={"text/html": html})],
            ),
        ]
    )
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, str(path))  # lines written as lists, as papermill writes them
    assert isinstance(json.loads(path.read_text())["cells"][0]["source"], list)
    page = notebook_to_html(path, tmp_path / "page.html", "A lesson", "vi").read_text("utf-8")
    assert "<h1" in page and "Its first paragraph." in page
    assert 'content: "A \\28 1\\29"' in page
    assert "\\\\28" not in page and "['" not in page
    assert ">7. Thuật ngữ<" in page, "letters as letters, not numeric references"
    assert "&#60;b&#62;" in page, "ASCII references stay: never markup"
