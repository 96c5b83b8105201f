"""The reports in a real browser (headless Chromium driven by Playwright), opened from file://
as people open them."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, report_stem

from ntm_lib.reports.batch import run_report

IDS = ["10912", "10897"]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
    run_report(
        [str(SAMPLE / "indicators.csv")],
        str(SAMPLE / "communes.csv"),
        "hd-2022-advanced",
        out,
        communes=IDS,
        jobs=2,
    )
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


@pytest.mark.parametrize(
    "name", ["index.html"] + [f"communes/{report_stem(c, 2025)}.html" for c in IDS]
)
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
        return [
            int(v)
            for v in page.locator("table.communes tbody tr td:nth-child(4)").evaluate_all(
                "cells => cells.map(c => c.dataset.value)"
            )
        ]

    header.click()
    assert column() == sorted(column()) and header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert column() == sorted(column(), reverse=True)
    assert errors == []
    page.close()


@pytest.fixture(scope="module")
def showcase(tmp_path_factory):
    """Đức Chính's showcase: the model-commune set, with its plan (roadmap section)."""
    out = tmp_path_factory.mktemp("showcase") / "reports"
    run_report(
        [str(SAMPLE / "indicators.csv"), str(SAMPLE / "model_conditions.csv")],
        str(SAMPLE / "communes.csv"),
        "hd-2022-model",
        out,
        communes=[IDS[0]],
        jobs=1,
        plan=str(SAMPLE / "plan.csv"),
        budget=str(SAMPLE / "budget.csv"),
    )
    return out


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('table, figure, img, pre')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + '.' + e.className);
  return [document.documentElement.scrollWidth - width, wide];
}"""


def test_report_prints_on_a4(browser, showcase, shots):
    page, _, _ = _open(browser, showcase / "communes" / f"{report_stem(IDS[0], 2025)}.html")
    assert "roadmap" in page.content()  # the showcase has its roadmap section
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})  # about A4's printable width
    extra, wide = page.evaluate(OVERFLOW)
    assert extra <= 0 and not wide, (extra, wide)  # nothing wider than the page
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    # The criteria table, the indicators of the model set, the roadmap and its charts, the
    # sections that follow: compact enough to hand on, at most 8 A4 pages.
    assert 3 <= pages <= 8, pages
    sizes = set(re.findall(rb"/MediaBox\s*\[0 0 (\d+)\.?\d* (\d+)\.?\d*\]", pdf))
    assert sizes <= {(b"595", b"841"), (b"595", b"842")}, sizes  # A4 portrait, in points
    page.close()


@pytest.mark.parametrize("name", ["index.html", f"communes/{report_stem(IDS[0], 2025)}.html"])
def test_pages_read_on_a_phone(browser, reports, shots, name):
    """At 390 px: no sideways scrolling of the page (wide tables scroll inside their box),
    charts as vector images (sharp at any size), and on the index the commune name is the
    link."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto((reports / name).as_uri())
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    sources = page.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
    assert sources and all(src.startswith("data:image/svg+xml") for src in sources)
    assert all(
        page.locator("img").evaluate_all(
            f"els => els.map(e => e.getBoundingClientRect().width <= {width})"
        )
    )
    if name == "index.html":
        link = page.locator("table.communes tbody tr a").first
        assert link.inner_text().strip() and not link.inner_text().strip().isdigit()
    page.screenshot(path=str(shots / f"phone-{Path(name).stem}.png"), full_page=True)
    page.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_lesson_runs_in_jupyterlab(browser, tmp_path):
    """As a trainer would: JupyterLab on a loopback port, the lesson opened, Run All Cells,
    every cell run without an error; then the server is stopped."""
    import json
    import secrets
    import subprocess
    import sys
    import time
    import urllib.request

    from ntm_lib.reports.kernel import ensure_kernel
    from ntm_lib.reports.training import NOTEBOOKS

    ensure_kernel()  # `ntm-assess` is this Python, for the server and its kernels
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOKS / "training_vi.ipynb", root)
    settings = tmp_path / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell drawn (not only those in view), so that every output can be read
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port, token = _free_port(), secrets.token_hex(16)
    env = os.environ | {
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = open(tmp_path / "lab.log", "wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI's containers run as root
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/lab/tree/training_vi.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        # The kernel must be up and idle before Run All (the status bar may say idle before
        # it is connected): ask the server.
        for _ in range(180):
            sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}"))
            if any(
                x["path"].endswith("training_vi.ipynb") and x["kernel"]["execution_state"] == "idle"
                for x in sessions
            ):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the lesson's kernel never became idle: {sessions}")
        page.wait_for_function(
            "() => document.querySelector('.jp-Notebook-ExecutionIndicator')"
            "?.getAttribute('data-status') === 'idle'",
            timeout=90_000,
        )
        for _ in range(3):  # a click lost while the page is busy is tried again
            page.locator("#jp-MainMenu").get_by_text("Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell"
                    " .jp-InputPrompt')].some(e => /\\[(\\d+|\\*)\\]/.test(e.textContent))",
                    timeout=30_000,
                )
                break
            except Exception:  # noqa: BLE001 - playwright's timeout: click again
                page.keyboard.press("Escape")
        # Done when the last cell has run (its prompt numbered), or when a cell failed (Run
        # All stops there). The answer checks are hidden cells: their prompts are folded.
        page.wait_for_function(
            """() => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell'
                         + ' .jp-InputPrompt')].map(e => e.textContent.trim());
                     const failed = document.querySelector('.jp-OutputArea-output[data-mime-type'
                         + '="application/vnd.jupyter.stderr"]');
                     return failed || (!p.some(t => t.includes('*'))
                                       && /^\\[\\d+\\]:$/.test(p[p.length - 1])); }""",
            timeout=240_000,
        )
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        numbers = [int(t.strip()[1:-2]) for t in prompts if t.strip()[1:-2].isdigit()]
        assert numbers == sorted(numbers) and len(numbers) >= len(prompts) - 2, prompts
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts()
        outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
        assert not [e for e in errors if "Error" in e or "Traceback" in e], errors
        assert "Traceback" not in outputs
        assert "Xem đáp án" in outputs and "Tiêu chí" in outputs
        page.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert server.returncode is not None
