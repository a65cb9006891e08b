"""End to end in a real browser: the app served on localhost and driven in Debian's headless Chromium.

Set UPDATE_SCREENSHOT=1 to also write the README's screenshot (docs/screenshot.png) from this run.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import docx
import pytest

from analysis import examples

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
README_SCREENSHOT = ROOT / "docs" / "screenshot.png"
STARTUP_SECONDS = 120
WORK_MS = 180_000  # an estimation or a manuscript on a slow shared machine

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                                  reason="Debian's chromium is not installed (CI installs it)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run streamlit_app.py` on a free port, until its health check answers; always stopped after."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                                   "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                                  cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{log.read_text()}")
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        context.set_default_timeout(WORK_MS)
        yield context.new_page()
        browser.close()


def settle(page) -> None:
    """Let a rerun start, then wait until the script has finished."""
    page.wait_for_timeout(400)
    page.wait_for_selector(READY, timeout=WORK_MS)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).first.click()
    settle(page)


def upload_panel(page, path: Path) -> None:
    """Choose a file in the Data tab's uploader."""
    open_tab(page, "Data")
    page.get_by_test_id("stFileUploader").filter(has_text="Upload your panel").locator("input[type='file']") \
        .set_input_files(path)


def apply_in_data_tab(page, button: str, screenshot: Path) -> None:
    """Click a Data tab button once it shows (screenshot before) and wait until the data fit the study."""
    from playwright.sync_api import expect
    pressed = page.get_by_role("button", name=button)
    expect(pressed).to_be_visible(timeout=WORK_MS)
    page.screenshot(path=screenshot)
    pressed.click()
    settle(page)
    expect(page.get_by_text("No problems found in the data for this study.")).to_be_visible(timeout=WORK_MS)


def test_demo_upload_setting_and_word_manuscript_in_chromium(app_url, page, tmp_path):
    from playwright.sync_api import expect
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page.goto(app_url)
    expect(page.locator(".table-number", has_text="Table 9")).to_be_visible(timeout=WORK_MS)
    settle(page)
    expect(page.get_by_text("Synthetic demonstration data, not official statistics.").first).to_be_visible()
    assert page.locator(".table-number[id^='table']").count() == 9  # Tables 1-9, besides the chapter's
    page.screenshot(path=shots / "1-demo-results.png")
    if os.environ.get("UPDATE_SCREENSHOT"):
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shots / "1-demo-results.png", README_SCREENSHOT)

    frame = examples.demo_panel().frame
    upload = tmp_path / "my_panel.csv"
    frame.rename(columns={c: c.replace("_", " ").title() for c in frame.columns}).to_csv(upload, index=False)
    upload_panel(page, upload)
    apply_in_data_tab(page, "Use these columns", shots / "2-data-mapping.png")
    expect(page.get_by_text("Synthetic demonstration data, not official statistics.")).to_have_count(0)
    page.screenshot(path=shots / "3-data-mapped.png")

    open_tab(page, "Results")
    decimals = page.get_by_label("Decimals")
    decimals.fill("2")
    decimals.press("Enter")
    settle(page)
    table7 = page.locator("table.academic").nth(6)
    expect(table7.locator("td.num").first).to_have_text(re.compile(r"^−?\d+\.\d{2}\D*$"), timeout=WORK_MS)
    page.screenshot(path=shots / "4-results-two-decimals.png")

    open_tab(page, "Downloads")
    page.screenshot(path=shots / "5-downloads.png")
    with page.expect_download(timeout=WORK_MS) as download:
        page.get_by_role("button", name="Manuscript, Word (.docx)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    content = saved.read_bytes()
    assert saved.suffix == ".docx" and content[:4] == b"PK\x03\x04"
    manuscript = docx.Document(io.BytesIO(content))
    assert len(manuscript.tables) >= 9
