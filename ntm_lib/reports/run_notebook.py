"""A page's notebook run with papermill's own parts, the notebook read once per worker.

`papermill.execute_notebook` reads and validates the notebook again for every page, and
validates it once more when it writes the result. Here a worker reads a notebook (validated,
as papermill reads it) once, while its file stays the same, and gives each page its own copy:
nothing a page does reaches the next one's notebook. The rest is papermill's own: the
parameters cell it injects (tagged `injected-parameters`) and its metadata, the engine found
by name in its registry (`ntm-shell`, `ntm-warm`), the working folder, and, when a cell
raises, its error cells and the failed notebook written before the error is raised. The
executed notebook is written as papermill writes it, without validating it again (the export
validates each page once), and handed to the export in memory.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

# The notebook last read in this process, by its file's path and content: (the notebook as
# papermill loads it, the parameters its parameters cell defines). By content, not by its
# stat: a worker kept warm between the runs of a watching command (`--watch`) sees a notebook
# edited in place within the file system's clock tick. A dict changed in place:
# process_state puts back the names of ntm_lib's modules before each notebook.
_last: dict = {}


def notebook_copy(path: str | Path, kernel_name: str | None, engine_name: str | None):
    """A copy of the notebook at `path`, as papermill loads it (validated), and the names its
    parameters cell defines; the file parsed once while its content stays the same."""
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    content = hashlib.sha256(Path(path).read_bytes()).digest()  # a tenth of a millisecond
    key = (str(path), content, kernel_name, engine_name)
    if key not in _last:
        _last.clear()  # a failed read leaves nothing behind
        nb = load_notebook_node(str(path))
        names = frozenset(p.name for p in _infer_parameters(nb, name=kernel_name))
        _last[key] = (nb, names)
    nb, names = _last[key]
    return copy.deepcopy(nb), names


def execute(
    notebook: str | Path,
    output: str | Path,
    parameters: dict,
    kernel_name: str,
    engine_name: str,
    cwd: str | Path | None = None,
    timeout: float | None = None,
):
    """Run `notebook` with `parameters` into `output` (papermill.execute_notebook's steps);
    the executed notebook. PapermillExecutionError when a cell raised, the failed notebook
    written."""
    from papermill.engines import papermill_engines
    from papermill.execute import (
        prepare_notebook_metadata,
        raise_for_execution_errors,
        remove_error_markers,
    )
    from papermill.log import logger
    from papermill.parameterize import parameterize_notebook
    from papermill.utils import chdir

    notebook, output = str(notebook), str(output)
    nb, names = notebook_copy(notebook, kernel_name, engine_name)
    if parameters:
        for name in parameters:
            if name not in names:
                logger.warning(f"Passed unknown parameter: {name}")
        nb = parameterize_notebook(nb, parameters, kernel_name=kernel_name, engine_name=engine_name)
    nb = remove_error_markers(prepare_notebook_metadata(nb, notebook, output))
    kernel_name = papermill_engines.nb_kernel_name(engine_name=engine_name, nb=nb, name=kernel_name)
    with chdir(None if cwd is None else str(cwd)):
        nb = papermill_engines.execute_notebook_with_engine(
            engine_name,
            nb,
            input_path=notebook,
            output_path=None,  # written once at the end, not after every cell
            kernel_name=kernel_name,
            progress_bar=False,
            log_output=False,
            start_timeout=60,
            stdout_file=None,
            stderr_file=None,
            execution_timeout=timeout,
        )
    raise_for_execution_errors(nb, output)
    write(nb, output)
    return nb


def write(nb, path: str | Path) -> None:
    """The executed notebook, in the bytes papermill writes (nbformat's v4 JSON)."""
    import nbformat

    Path(path).write_text(nbformat.v4.writes(nb), encoding="utf-8")
