"""A page's notebook run by papermill's own parts (reports.run_notebook) gives what
papermill.execute_notebook gives: the injected parameters cell with its tag, papermill's
metadata, and when a cell raises, its error cells and the failed notebook written; the
notebook is read once per worker, each page given its own copy."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from ntm_lib.reports import run_notebook

sys.path.insert(0, str(Path(__file__).parent))
from test_shell_engine import _comparable, _notebook  # noqa: E402

CELLS = ["print(x * 2)", "from IPython.display import HTML, display\ndisplay(HTML('<b>b</b>'))"]
TIMES = {"start_time", "end_time", "duration"}


def _run(how: str, notebook: str, out: str, parameters: dict):
    """In a worker: the notebook run by papermill itself or by run_notebook; the error's
    class, name and value, and the written notebook's JSON."""
    import papermill

    from ntm_lib.reports.kernel import ensure_kernel

    try:
        if how == "papermill":
            papermill.execute_notebook(
                notebook,
                out,
                parameters=parameters,
                kernel_name=ensure_kernel(),
                engine_name="ntm-shell",
                progress_bar=False,
                request_save_on_cell_execute=False,
            )
        else:
            run_notebook.execute(notebook, out, parameters, ensure_kernel(), "ntm-shell")
        error = ("", "", "")
    except Exception as exc:  # noqa: BLE001 - what the test compares
        error = (type(exc).__name__, getattr(exc, "ename", ""), getattr(exc, "evalue", ""))
    written = json.loads(Path(out).read_text(encoding="utf-8")) if Path(out).exists() else None
    return error, written


def _cells(nb: dict) -> list:
    return [
        (
            c["cell_type"],
            "".join(c["source"]) if "injected-parameters" not in c["metadata"]["tags"] else "",
            c["metadata"]["tags"],
            sorted(set(c["metadata"].get("papermill", {})) - TIMES),
            c["metadata"].get("papermill", {}).get("status"),
            _comparable(c.get("outputs")),
        )
        for c in nb["cells"]
    ]


def _metadata(nb: dict, folder: Path) -> dict:
    meta = {k: v for k, v in nb["metadata"]["papermill"].items() if k not in TIMES}
    meta["output_path"] = Path(meta["output_path"]).relative_to(folder).name  # their folders
    return nb["metadata"] | {"papermill": meta}


@pytest.mark.parametrize("raises", [False, True])
def test_the_same_notebook_as_papermills(tmp_path, worker, raises):
    cells = CELLS + (["raise ValueError('boom')", "print('never')"] if raises else [])
    nb = str(_notebook(tmp_path, "page", cells))
    results = {}
    for how in ("papermill", "ours"):
        (tmp_path / how).mkdir()
        out = str(tmp_path / how / "page.ipynb")
        results[how] = worker.submit(_run, how, nb, out, {"x": 21}).result()
    (theirs_error, theirs), (ours_error, ours) = results["papermill"], results["ours"]
    assert ours_error == theirs_error
    if raises:
        assert ours_error == ("PapermillExecutionError", "ValueError", "boom")
        tags = [c["metadata"]["tags"] for c in ours["cells"]]
        assert tags.count(["papermill-error-cell-tag"]) == 2, "the failed notebook's markers"
    else:
        assert ours_error == ("", "", "")
    assert _cells(ours) == _cells(theirs)
    assert _metadata(ours, tmp_path) == _metadata(theirs, tmp_path)
    injected = [c for c in ours["cells"] if "injected-parameters" in c["metadata"]["tags"]]
    assert len(injected) == 1 and "x = 21" in "".join(injected[0]["source"])
    assert ours["metadata"]["papermill"]["parameters"] == {"x": 21}
    printed = [o for c in ours["cells"] for o in c.get("outputs", []) if o.get("name")]
    assert printed[0]["text"] == ["42\n"]


def test_read_once_each_page_its_own_copy(tmp_path):
    path = _notebook(tmp_path, "page", CELLS)
    first, names = run_notebook.notebook_copy(path, None, None)
    assert names == {"x"}
    first.cells[1].source = "changed by a page"
    first.cells[1].outputs.append(nbformat.v4.new_output("stream", text="left behind"))
    first.metadata["papermill"]["parameters"]["x"] = 2
    second, _ = run_notebook.notebook_copy(path, None, None)
    assert second is not first and second.cells[1].source == CELLS[0]
    assert second.cells[1].outputs == [] and second.metadata["papermill"]["parameters"] == {}
    cached = next(iter(run_notebook._last.values()))[0]
    assert cached is not second and cached.cells[1].source == CELLS[0]

    nb = nbformat.read(str(path), as_version=4)
    nb.cells[1].source = "print('edited')  # the file changed: read again"
    nbformat.write(nb, str(path))
    os.utime(path, ns=(1, 1))
    third, _ = run_notebook.notebook_copy(path, None, None)
    assert third.cells[1].source.startswith("print('edited')")


def test_a_page_is_written_as_papermill_writes_it(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 'Thuật'\nx")])
    run_notebook.write(nb, tmp_path / "page.ipynb")
    assert (tmp_path / "page.ipynb").read_text(encoding="utf-8") == nbformat.writes(nb)
