"""In Chromium: a page reload in the middle of a study brings back the study, its data and the narrative."""
from __future__ import annotations

import re
from pathlib import Path

from tests.test_browser import (WORK_MS, app_url, apply_in_data_tab, open_tab, page, pytestmark,  # noqa: F401
                                settle, upload_panel)

ONBOARDING_PANEL = Path(__file__).resolve().parent / "data" / "onboarding_panel.csv"
CONCLUSIONS = "States that grow faster couple their two systems more closely."


def test_a_reload_mid_study_restores_study_data_and_narrative(app_url, page, tmp_path):
    from playwright.sync_api import expect
    page.goto(app_url)
    expect(page.locator(".table-number", has_text="Table 9")).to_be_visible(timeout=WORK_MS)
    settle(page)
    upload = tmp_path / "states.csv"
    upload.write_bytes(ONBOARDING_PANEL.read_bytes())
    upload_panel(page, upload)
    apply_in_data_tab(page, "Start a new study on this file", tmp_path / "1-onboarding.png")
    open_tab(page, "Narrative")
    conclusions = page.get_by_role("textbox", name="Conclusions", exact=True)
    conclusions.fill(CONCLUSIONS)
    page.get_by_role("textbox", name="Authors", exact=True).click()  # leaving the text area sends it
    settle(page)
    assert re.search(r"[?&]study=\w+", page.url), page.url

    page.reload()
    expect(page.get_by_role("heading", name="Study of states.csv")).to_be_visible(timeout=WORK_MS)
    expect(page.locator(".table-number", has_text="Table 9")).to_be_visible(timeout=WORK_MS)
    settle(page)
    page.screenshot(path=tmp_path / "2-after-reload.png")
    open_tab(page, "Narrative")
    expect(page.get_by_role("textbox", name="Conclusions", exact=True)).to_have_value(CONCLUSIONS)
    open_tab(page, "Data")
    expect(page.get_by_text("Data in use: states.csv")).to_be_visible()
    expect(page.get_by_text("No problems found in the data for this study.")).to_be_visible()
    page.screenshot(path=tmp_path / "3-data-after-reload.png", full_page=True)
