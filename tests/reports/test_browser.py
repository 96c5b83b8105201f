"""The reports in a real browser (headless Chromium driven by Playwright), opened from file://
as people open them."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, report_stem

from ntm_lib.commands.report import run_report

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


PHONE = {"width": 390, "height": 844}
# Each element's right edge, with every fold opened: nothing may stick out of the screen.
WIDER_THAN_SCREEN = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width && r.right > width + 1; })
    .map(e => e.tagName + '.' + e.className).slice(0, 10);
}"""
# For each row with a verdict: the verdict's box and its indicator's (name) box.
VERDICTS = """() => [...document.querySelectorAll('tr')].filter(
    tr => tr.querySelector('td.c-verdict') && tr.querySelector('td.c-name')).map(tr => {
  const v = tr.querySelector('td.c-verdict').getBoundingClientRect();
  const n = tr.querySelector('td.c-name').getBoundingClientRect();
  return {v: [v.left, v.top, v.right, v.bottom], n: [n.left, n.top, n.right, n.bottom],
          text: tr.querySelector('td.c-name').textContent.slice(0, 30)};
})"""
# For each chart: the smallest text it draws, in CSS pixels as shown (SVG font sizes are in
# its own units: scaled by the width shown over the width of its viewBox).
CHART_TEXT = """() => [...document.querySelectorAll('img')].map(img => {
  const svg = atob(img.src.split(',')[1]);
  const box = svg.match(/viewBox="[\\d.]+ [\\d.]+ ([\\d.]+)/);
  const sizes = [...svg.matchAll(/font(?:-size)?: ([\\d.]+)px/g)].map(m => Number(m[1]));
  const shown = img.getBoundingClientRect().width;
  return {least: Math.min(...sizes) * shown / Number(box[1]), texts: sizes.length};
})"""
# The page as it was (issue 26): Đức Chính's report, 22,515 px tall on a 390-px phone.
BEFORE = 22_515


def _phone(browser, path: Path):
    page = browser.new_page(viewport=PHONE, device_scale_factor=1)
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")
    return page


@pytest.fixture(scope="module")
def summary_page(tmp_path_factory):
    from ntm_lib.commands.summary import run_summary

    out = tmp_path_factory.mktemp("summary") / "s"
    data, register = str(SAMPLE / "indicators.csv"), str(SAMPLE / "communes.csv")
    return run_summary([data], register, "hd-2022-advanced", out, district="Cẩm Giàng")


@pytest.mark.parametrize("which", ["index", "report", "showcase", "merged", "summary"])
def test_a_phone_reads_every_page_without_sideways_scrolling(
    browser, reports, showcase, merged, summary_page, shots, which
):
    """390 px: folds folded, the page well under half its old height (Đức Chính's), charts'
    text at least 11 px as shown; with every fold opened, no element wider than the screen
    and every verdict beside its indicator (on its line or right under it, on screen)."""
    path = {
        "index": reports / "index.html",
        "report": reports / "communes" / f"{report_stem(IDS[1], 2025)}.html",
        "showcase": showcase / "communes" / f"{report_stem(IDS[0], 2025)}.html",
        "merged": merged,
        "summary": summary_page,
    }[which]
    page = _phone(browser, path)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    if which == "showcase":
        assert height <= BEFORE / 2 and height <= 10 * PHONE["height"], height
    if which in ("report", "showcase", "merged", "summary"):
        folds = page.locator("details.fold")
        assert folds.count() >= 1 and not any(folds.evaluate_all("d => d.map(x => x.open)"))
    charts = page.evaluate(CHART_TEXT)
    assert charts and all(c["texts"] and c["least"] >= 11 for c in charts), charts
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    width = PHONE["width"]
    rows = page.evaluate(VERDICTS)
    assert rows, "no verdict found"
    for r in rows:
        (vl, vt, vr, vb), (_, nt, _, nb) = r["v"], r["n"]
        assert 0 <= vl and vr <= width, r  # on screen
        assert vt < nb + 6 and vb > nt, r  # beside the name, or just under its last line
    page.screenshot(path=str(shots / f"phone-{which}.png"), full_page=True)
    page.close()


def test_a_printed_report_names_its_commune_on_every_page(browser, showcase, tmp_path, pdf_pages):
    """A4: a running header with the commune and the year (and the illustrative mark) on
    every page, every fold printed, sources and input rows at 8 pt or more."""
    page = _phone(browser, showcase / "communes" / f"{report_stem(IDS[0], 2025)}.html")
    page.emulate_media(media="print")
    assert all(page.locator("details.fold").evaluate_all("d => d.map(x => x.open)"))
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('td.c-minor')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest >= 8 * 96 / 72 - 0.01, smallest  # 8 pt in CSS px
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=True))
    texts = pdf_pages(pdf)
    assert len(texts) >= 3
    for n, text in enumerate(texts, start=1):
        head = text.strip().splitlines()[0]
        assert "Đức Chính (10912) · 2025 · SỐ LIỆU MINH HỌA" in head, (n, head)
        assert f"{n}/{len(texts)}" in head
    assert "indicators.csv:1046" in "".join(texts).replace(" ", "")  # the folded table printed
    page.close()


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """Tuệ Tĩnh: a 2025 merger of three sample communes, with no district, under the
    2026-2030 set (as `make report` runs it)."""
    from ntm_lib.cli import main

    tmp = tmp_path_factory.mktemp("merged")
    args = [str(SAMPLE / "indicators.csv"), "--communes", str(SAMPLE / "communes.csv")]
    assert (
        main(
            ["merge"]
            + args
            + [
                "--set",
                "hd-2022-advanced",
                "--new-set",
                "vn-2026-ntm",
                "--group",
                "2",
                "--out",
                str(tmp / "m.csv"),
            ]
        )
        == 0
    )
    out = tmp / "run"
    run_report(
        [str(tmp / "m.vn-2026-ntm.csv")],
        str(tmp / "m.communes.csv"),
        "vn-2026-ntm",
        out,
        communes=["10909"],
        jobs=1,
        predecessors={
            "data": [str(SAMPLE / "indicators.csv")],
            "communes": str(SAMPLE / "communes.csv"),
            "set": "hd-2022-advanced",
        },
    )
    return out / "communes" / "10909_tue-tinh-2026.html"


def test_a_merged_commune_is_compared_within_its_province(merged):
    """No district since July 2025: never 'trong huyện', no rank among one commune, an index
    chart with its scale, and the illustrative mark through its predecessors' data."""
    page = merged.read_text(encoding="utf-8")
    assert "trong huyện" not in page and "Xếp hạng trong huyện" not in page
    assert "1/1" not in page
    assert "SỐ LIỆU MINH HỌA" in page and 'class="illustrative"' in page
    index = (merged.parents[1] / "index.html").read_text(encoding="utf-8")
    assert 'class="illustrative"' in index and '<th data-sort="text">Tỉnh</th>' in index


LAB_SETTINGS = Path(__file__).parents[2] / "notebooks" / ".jupyterlab"


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
            # as `make lab` starts it: in Vietnamese, checkpoints away from the lessons
            f"--LabApp.app_settings_dir={LAB_SETTINGS}",
            f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}",
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
        menu = page.locator("#jp-MainMenu")
        assert menu.get_by_text("Chạy", exact=True).count() == 1  # the Vietnamese menus
        assert menu.get_by_text("Run", exact=True).count() == 0
        for _ in range(3):  # a click lost while the page is busy is tried again
            menu.get_by_text("Chạy", exact=True).click()
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
        page.keyboard.press("Control+s")  # saved, as a trainer would
        page.wait_for_timeout(1500)
        page.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert server.returncode is not None
    assert not list(root.rglob(".ipynb_checkpoints")), "checkpoints left beside the lesson"
