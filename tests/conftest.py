from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ntm_lib.criteria.catalogue import load_set

HERE = Path(__file__).parent
ROOT = HERE.parent
TEST_SETS = HERE / "data" / "sets"
SAMPLE = ROOT / "data" / "sample"


def make_sample(folder: Path, communes: int, years: int) -> Path:
    """A seeded synthetic province (data/make_sample.py) in `folder`."""
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, str(ROOT / "data" / "make_sample.py"), "--communes", str(communes)]
        + ["--years", str(years), "--out", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder


def without_districts(source: Path, target: Path, count: int) -> Path:
    """The register `source` with its last `count` communes formed after July 2025 (no
    district), written to `target`."""
    lines = source.read_text(encoding="utf-8").splitlines()
    for k in range(len(lines) - count, len(lines)):
        cells = lines[k].split(",")
        lines[k] = ",".join(cells[:2] + [""] + cells[3:])
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# Tests that run notebooks, browsers, LibreOffice or whole commands: left out of
# `make test-fast`, which keeps the pure-library tests (criteria, intake, assess).
SLOW = {"reports", "cli"}


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent.name in SLOW or "slow" in item.keywords:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _vietnamese(monkeypatch):
    """Tests see the default language unless they ask for another."""
    monkeypatch.delenv("NTM_LANG", raising=False)


@pytest.fixture(scope="session")
def base_set():
    return load_set(str(TEST_SETS / "t-base.yaml"))


@pytest.fixture(scope="session")
def overlay_set():
    return load_set(str(TEST_SETS / "t-overlay.yaml"))


def register(*rows) -> pd.DataFrame:
    """A register frame: rows of (commune_id, region id)."""
    return pd.DataFrame(
        [
            {"commune_id": c, "name": f"Xã {c}", "district": "H", "province": "T", "region": r}
            for c, r in rows
        ]
    )


def data(*rows) -> pd.DataFrame:
    """A parsed data frame: rows of (commune_id, year, indicator, value)."""
    frame = pd.DataFrame(rows, columns=["commune_id", "year", "indicator", "value"])
    frame["value"] = frame["value"].astype(float)
    frame["input_ref"] = [f"test.csv:{i + 2}" for i in range(len(frame))]
    return frame


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def notebook_with(tmp_path: Path, source: str, cell_id: str, at_end: bool = False) -> Path:
    """The commune report notebook with one code cell added right after its parameters (or
    at the end), written to tmp_path/nb/: a notebook that fails, hangs or probes on purpose."""
    import nbformat

    from ntm_lib.reports.batch import NOTEBOOK

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = cell_id
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(len(nb.cells) if at_end else params + 1, cell)
    path = tmp_path / "nb" / "commune_assessment.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def report_stem(commune_id: str, year: int) -> str:
    """The file name (without extension) `ntm report` gives a sample commune's page."""
    from ntm_lib.reports.naming import file_stem

    names = pd.read_csv(SAMPLE / "communes.csv", dtype=str).set_index("commune_id")["name"]
    return file_stem(commune_id, year, names.get(str(commune_id)))


def _required_tool(name: str, package: str) -> str:
    import os
    import shutil

    found = shutil.which(name)
    if found is None:
        if os.environ.get("NTM_REQUIRE_LIBREOFFICE"):
            pytest.fail(f"{name} is required here (NTM_REQUIRE_LIBREOFFICE) but not installed")
        pytest.skip(f"no {name} on this machine: apt-get install {package}")
    return found


@pytest.fixture
def libreoffice(tmp_path):
    """convert(path, "pdf"|"xlsx"): the file converted by LibreOffice headless, beside it,
    with a profile of its own (LibreOffice runs elsewhere on the machine must not clash)."""
    import subprocess

    soffice = _required_tool("soffice", "libreoffice-calc")

    def convert(path: Path, to: str) -> Path:
        # A CSV file is read as UTF-8, as the import dialog does when the file starts with a
        # byte order mark (headless conversion takes the system's charset instead).
        utf8 = ["--infilter=CSV:44,34,76,1"] if path.suffix.lower() == ".csv" else []
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                *utf8,
                "--convert-to",
                to,
                "--outdir",
                str(path.parent),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        out = path.with_suffix("." + to)
        assert out.is_file(), out
        return out

    return convert


@pytest.fixture
def pdf_pages():
    """pages(pdf): the text of each page (pdftotext -layout)."""
    import subprocess

    pdftotext = _required_tool("pdftotext", "poppler-utils")

    def pages(pdf: Path) -> list[str]:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=120
        ).stdout.decode("utf-8")
        return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")

    return pages


@pytest.fixture(scope="module")
def worker():
    """A process of the report pool, as `ntm report` starts it."""
    from ntm_lib.reports.worker import default_executor, stop

    pool = default_executor(1)
    yield pool
    stop(pool, kill=True)
