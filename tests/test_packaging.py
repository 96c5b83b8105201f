"""The package as others install it: a wheel carries its notebooks, templates and sample, and
`ntm report` runs from it in a fresh environment, from a folder outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from setuptools import find_packages


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    assert set(find_packages(str(ROOT), include=["ntm_lib*"])) <= listed


@pytest.mark.slow
def test_a_wheel_installed_elsewhere_runs_ntm_report(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(wheels.glob("ntm_assess-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert {
        "ntm_lib/notebooks/commune_assessment.ipynb",
        "ntm_lib/sample/indicators.csv",
        "ntm_lib/locale/vi/LC_MESSAGES/ntm.mo",
        "ntm_lib/illustrative.yaml",
    } <= names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The dependencies come from this environment (a path after the new one's own), the
    # package from the wheel alone: pip installs it with no dependencies and no index.
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
    )
    where = subprocess.run(
        [python, "-c", "import ntm_lib; print(ntm_lib.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert where.startswith(str(site)), where
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    # The dependencies' own data (nbconvert's templates) stayed with them, in this prefix.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    done = subprocess.run(
        [
            str(venv / "bin" / "ntm"),
            "report",
            str(SAMPLE / "indicators.csv"),
            "--communes",
            str(SAMPLE / "communes.csv"),
            "--set",
            "hd-2022-advanced",
            "--commune",
            "10912",
            "--jobs",
            "1",
            "--out",
            "out",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = next((elsewhere / "out" / "communes").glob("10912*.html")).read_text()
    assert "Đức Chính" in page
