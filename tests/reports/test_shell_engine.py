"""The worker's own shell runs a notebook as a kernel would: the same outputs, in order, from
its parameters alone; errors and timeouts end it as they end a kernel's."""

import gc
import os
import weakref
from pathlib import Path

import nbformat
import pytest

PARITY_CELLS = [
    "import sys\nprint('one')\nprint('two')",
    "print('to stderr', file=sys.stderr)",
    "from IPython.display import HTML, Markdown, display, update_display, clear_output\n"
    "display(HTML('<b>bold</b>'))\ndisplay(Markdown('*m*'), metadata={'k': 1})",
    "x + 41",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);",
    "display(HTML('first'), display_id='d')\nprint('between')\n"
    "update_display(HTML('second'), display_id='d')",
    "print('gone')\nclear_output()\nprint('kept')",
    "print('waits')\nclear_output(wait=True)\nprint('replaces')",
    "{'a': [1, 2]}",
    "raise ValueError('boom')",
    "print('never run')",
]


def _notebook(folder: Path, name: str, cells: list[str], params: str = "x = 1") -> Path:
    nb = nbformat.v4.new_notebook()
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"c{n}"
    nb.metadata["kernelspec"] = {"name": "ntm-assess", "display_name": "ntm", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def _execute(notebook: str, engine: str, parameters: dict, timeout: float | None = None):
    """In a worker: run `notebook` with papermill; the executed cells, or the error."""
    import papermill

    from ntm_lib.reports.batch import deadline
    from ntm_lib.reports.kernel import ensure_kernel

    out = str(Path(notebook).with_suffix(f".{engine}.out.ipynb"))
    try:
        with deadline(timeout):
            nb = papermill.execute_notebook(
                notebook,
                out,
                parameters=parameters,
                kernel_name=ensure_kernel(),
                engine_name=engine,
                progress_bar=False,
            )
    except Exception as exc:  # noqa: BLE001 - what the caller checks
        nb = nbformat.read(out, as_version=4) if os.path.exists(out) else None
        return (
            type(exc).__name__,
            getattr(exc, "ename", ""),
            str(getattr(exc, "evalue", exc)),
            nb and [c.get("outputs") for c in nb.cells],
            sys_streams_restored(),
        )
    return "ok", "", "", [c.get("outputs") for c in nb.cells], sys_streams_restored()


def sys_streams_restored() -> bool:
    import sys

    return sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__


def _comparable(outputs: list) -> list:
    keep = []
    for out in outputs or []:  # a markdown cell has none
        out = dict(out)
        if out["output_type"] == "error":
            out.pop("traceback")  # file names of cells differ: ipykernel's vs IPython's
        keep.append(out)
    return keep


def test_outputs_equal_a_kernels(tmp_path, worker):
    nb = str(_notebook(tmp_path, "parity", PARITY_CELLS))
    kernel = worker.submit(_execute, nb, "nbclient", {"x": 1}).result()
    shell = worker.submit(_execute, nb, "ntm-shell", {"x": 1}).result()
    assert kernel[:3] == ("PapermillExecutionError", "ValueError", "boom")
    assert shell[:3] == kernel[:3]
    kernel_cells, shell_cells = kernel[3], shell[3]
    # + the injected parameters, + papermill's notes on where the error was
    assert len(shell_cells) == len(kernel_cells) > len(PARITY_CELLS) + 2
    for n, (k, s) in enumerate(zip(kernel_cells, shell_cells)):
        assert _comparable(s) == _comparable(k), (n, s, k)
    # what the shell recorded is what the cells did, not two empty lists agreeing
    outputs = [o for cell in shell_cells for o in cell or []]
    texts = [o["text"] for o in outputs if o["output_type"] == "stream"]
    assert texts[:2] == ["one\ntwo\n", "to stderr\n"]
    assert "between\n" in texts and "kept\n" in texts and "replaces\n" in texts
    assert "gone\n" not in texts and "waits\n" not in texts and "never run\n" not in texts
    data = [o["data"] for o in outputs if "data" in o]
    assert {"text/html": "second", "text/plain": "<IPython.core.display.HTML object>"} in data
    assert any("image/png" in d for d in data), "a figure left open is shown, as in a kernel"
    assert {"text/plain": "42"} in data and {"text/plain": "{'a': [1, 2]}"} in data
    assert shell[4], "the worker's own streams are back after the notebook"


def test_each_notebook_starts_from_its_parameters_alone(tmp_path, worker):
    first = str(_notebook(tmp_path, "first", ["leak = x * 2", "leak"], params="x = 0"))
    second = str(_notebook(tmp_path, "second", ["leak"], params="x = 0"))
    status, *_, cells, _ = worker.submit(_execute, first, "ntm-shell", {"x": 21}).result()
    assert status == "ok" and cells[-1][0]["data"]["text/plain"] == "42"
    assert worker.submit(_execute, second, "ntm-shell", {"x": 1}).result()[:2] == (
        "PapermillExecutionError",
        "NameError",
    )
    again = nbformat.read(str(Path(first).with_suffix(".ntm-shell.out.ipynb")), as_version=4)
    status, *_ = worker.submit(_execute, first, "ntm-shell", {"x": 21}).result()
    rerun = nbformat.read(str(Path(first).with_suffix(".ntm-shell.out.ipynb")), as_version=4)
    assert status == "ok"
    counts = [c.execution_count for c in rerun.cells]
    assert counts == [1, 2, 3, 4] == [c.execution_count for c in again.cells], (
        "counts restart with each notebook: the output does not depend on the worker's past"
    )


def test_a_timeout_ends_the_notebook_not_just_the_cell(tmp_path, worker):
    nb = str(
        _notebook(
            tmp_path, "slow", ["import time\nprint('start')\ntime.sleep(30)", "print('after')"]
        )
    )
    status, _, message, _, restored = worker.submit(_execute, nb, "ntm-shell", {}, 0.5).result()
    assert status == "NotebookTimeout" and "0.5" in message
    assert restored, "the worker's streams are back after the interrupted cell"
    after = str(_notebook(tmp_path, "after", ["print('fine')"]))
    status, *_, cells, _ = worker.submit(_execute, after, "ntm-shell", {}).result()
    assert status == "ok" and cells[-1][0]["text"] == "fine\n"


def test_the_pool_runs_reports_in_its_own_shell_and_threads_in_a_kernel(worker):
    from ntm_lib.reports import batch

    assert worker.submit(_engine_name).result() == "ntm-shell"
    assert batch._engine()[0] == "ntm-warm", "outside the pool (tests, a Dask thread): a kernel"


def _engine_name() -> str:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from ntm_lib.reports import batch

    with ThreadPoolExecutor(1) as threads:
        assert threads.submit(lambda: batch._engine()[0]).result() == "ntm-warm"
    assert threading.current_thread() is threading.main_thread()
    return batch._engine()[0]


def test_a_pool_worker_settles_once_with_nothing_of_a_notebook_kept(tmp_path, worker):
    nb = str(_notebook(tmp_path, "settle", ["class Kept:\n    pass\nkept = Kept()"]))
    frozen, kept, again = worker.submit(_settle_after, nb).result()
    assert frozen > 10_000, "what the worker loaded is out of the collector's sight"
    assert not kept, "the notebook's own objects were dropped before, not frozen with it"
    assert again < frozen + 1000, "once per worker"
    from ntm_lib.reports import batch

    batch._settle()
    assert gc.get_freeze_count() == 0, "never in a process that is not the pool's"


def _settle_after(notebook: str):
    from ntm_lib.reports import batch

    assert _execute(notebook, "ntm-shell", {})[0] == "ok"
    from ntm_lib.reports import shell_engine

    kept = weakref.ref(shell_engine._shell.user_ns["kept"])
    batch._settle()
    frozen = gc.get_freeze_count()
    kept = kept() is not None
    made_since = [[] for _ in range(1000)]  # noqa: F841 - would be frozen by a second settle
    batch._settle()
    return frozen, kept, gc.get_freeze_count()


def _pyplot_imported() -> bool:
    import sys

    return "matplotlib.pyplot" in sys.modules


def test_a_worker_whose_pages_draw_no_matplotlib_loads_pyplot_only_for_a_notebook_that_asks(
    tmp_path,
):
    """Half a second of a worker's start: pyplot and the inline backend wait for a notebook
    that imports pyplot; its figure is shown as in a kernel, and the process, which cannot be
    put back as it was, is then to be replaced before the next notebook."""
    from ntm_lib.reports import worker as workers
    from ntm_lib.reports.shell_engine import ProcessTainted

    plain = str(_notebook(tmp_path, "plain", ["print(x)"]))
    drawing = str(_notebook(tmp_path, "drawing", PARITY_CELLS[4:5] + ["print(x)"]))
    pool = workers.default_executor(1, charts=False)
    try:
        pool.submit(workers.warm_worker).result(timeout=300)
        assert pool.submit(_execute, plain, "ntm-shell", {"x": 1}).result()[0] == "ok"
        assert pool.submit(_pyplot_imported).result() is False
        done = pool.submit(_execute, drawing, "ntm-shell", {"x": 2}).result()
        assert done[0] == "ok"
        data = [o.get("data", {}) for cell in done[3] for o in cell or []]
        assert any("image/png" in d for d in data), "the figure shown, as in a kernel"
        with pytest.raises(ProcessTainted, match="matplotlib.pyplot"):
            pool.submit(_execute, plain, "ntm-shell", {"x": 3}).result()
    finally:
        workers.stop(pool, kill=True)
