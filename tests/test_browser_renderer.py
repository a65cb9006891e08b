"""In Chromium: the figure renderer killed again and again during a Word download fails that download alone; the
server stays up, and a second session builds the manuscript with its figures."""
from __future__ import annotations

import io
import subprocess
import threading
import time
import urllib.request
from urllib.parse import urlparse

import docx

from tests.test_browser import WORK_MS, app_url, open_tab, page, pytestmark, settle  # noqa: F401

KILL_SECONDS = 8


def server_pid(url: str) -> int:
    port = urlparse(url).port
    found = subprocess.run(["pgrep", "-f", f"streamlit run streamlit_app.py.*--server.port {port}"],
                           capture_output=True, text=True, check=True).stdout.split()
    return int(found[0])


def kill_renderers(parent: int, stop: threading.Event, killed: list) -> None:
    """SIGKILL every renderer process the server starts, as a crash in vl-convert would end it."""
    while not stop.is_set():
        pids = subprocess.run(["pgrep", "-P", str(parent), "-f", "render_process.py"], capture_output=True,
                              text=True).stdout.split()
        for pid in pids:
            subprocess.run(["kill", "-9", pid], check=False)
        killed += pids
        time.sleep(0.05)


def test_a_killed_renderer_leaves_the_server_up_for_a_second_session(app_url, page, tmp_path):
    from playwright.sync_api import expect
    page.goto(app_url)
    expect(page.locator(".table-number", has_text="Table 9")).to_be_visible(timeout=WORK_MS)
    settle(page)
    open_tab(page, "Downloads")
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=kill_renderers, args=(server_pid(app_url), stop, killed))
    killer.start()
    try:
        page.get_by_role("button", name="Manuscript, Word (.docx)").click()
        page.wait_for_timeout(KILL_SECONDS * 1000)
    finally:
        stop.set()
        killer.join()
    assert killed, "the download never started the renderer"
    page.screenshot(path=tmp_path / "1-after-the-kills.png")
    with urllib.request.urlopen(f"{app_url}_stcore/health", timeout=10) as answer:
        assert answer.status == 200

    second = page.context.new_page()
    second.goto(app_url)
    expect(second.locator(".table-number", has_text="Table 9")).to_be_visible(timeout=WORK_MS)
    settle(second)
    open_tab(second, "Downloads")
    with second.expect_download(timeout=WORK_MS) as download:
        second.get_by_role("button", name="Manuscript, Word (.docx)").click()
    manuscript = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(manuscript.tables) >= 9 and manuscript.inline_shapes, "tables and figures in the manuscript"
