"""Where the files shipped beside the code are: the report notebooks and the lesson
(`notebooks/`), and the illustrative sample (`data/sample/`).

In a checkout they are the repository's own folders; a built wheel carries them inside the
package (pyproject maps them to `ntm_lib/notebooks` and `ntm_lib/sample`), so that an installed
`ntm report` finds its notebooks wherever it runs.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CHECKOUT = {"notebooks": ("notebooks",), "sample": ("data", "sample")}


def shipped(name: str) -> Path:
    """The folder `name` ("notebooks" or "sample"): the package's copy, else the checkout's."""
    packaged = Path(str(resources.files("ntm_lib"))) / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1].joinpath(*CHECKOUT[name])


# The report notebooks `ntm report` and `ntm summary` run (a commune's page, a district's).
NOTEBOOK = shipped("notebooks") / "commune_assessment.ipynb"
SUMMARY_NOTEBOOK = shipped("notebooks") / "district_summary.ipynb"
