"""The reports in a real browser (headless Chromium driven by Playwright), opened from file://
as people open them."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from ntm_lib.reports.batch import run_report

IDS = ["10912", "10897"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for name in (os.environ.get("NTM_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra")
    executable = _chromium()
    if executable is None:
        if os.environ.get("NTM_REQUIRE_BROWSER"):
            pytest.fail("no Chromium found, but NTM_REQUIRE_BROWSER is set (CI must have one)")
        pytest.skip("no Chromium on this machine: apt-get install chromium, or set NTM_CHROMIUM")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "reports"
    run_report([str(SAMPLE / "indicators.csv")], str(SAMPLE / "communes.csv"),
               "hd-2022-advanced", out, communes=IDS, jobs=2)
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")
    return page, errors, requests


@pytest.mark.parametrize("name", ["index.html"] + [f"communes/{c}-2025.html" for c in IDS])
def test_page_loads_cleanly_offline(browser, reports, shots, name):
    page, errors, requests = _open(browser, reports / name)
    assert errors == []
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    table = "table.communes" if name == "index.html" else "table.criteria"
    assert page.locator(table).is_visible()
    shot = shots / (Path(name).stem + ".png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_index_sorts_by_criteria_met(browser, reports):
    page, errors, _ = _open(browser, reports / "index.html")
    header = page.locator("table.communes th").nth(3)

    def column():
        return [int(v) for v in page.locator("table.communes tbody tr td:nth-child(4)")
                .evaluate_all("cells => cells.map(c => c.dataset.value)")]

    header.click()
    assert column() == sorted(column()) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column() == sorted(column(), reverse=True)
    assert errors == []
    page.close()


def test_report_prints_on_a4(browser, reports, shots):
    page, _, _ = _open(browser, reports / "communes" / f"{IDS[0]}-2025.html")
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    # The criteria table, 34 indicators, five sections and three charts: more than a page,
    # and the print stylesheet keeps it well under the ~20 of an unstyled page.
    assert 3 <= pages <= 10, pages
    sizes = set(re.findall(rb"/MediaBox\s*\[0 0 (\d+)\.?\d* (\d+)\.?\d*\]", pdf))
    assert sizes <= {(b"595", b"841"), (b"595", b"842")}, sizes  # A4 portrait, in points
    page.close()
