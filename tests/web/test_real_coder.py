"""The product's own coder behind the client: what the browser draws matches the stored offsets.

The review flow runs on a scripted coder so its steps can name codes; here the real pipeline
codes a note, and every suggestion's highlight and every mention's assertion style must land on
exactly the characters the API gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every rendered segment of the note: its offset, its text and its classes.
SEGMENTS = """() => [...document.querySelectorAll('#note-text [data-start]')].map((el) => ({
  start: Number(el.dataset.start), text: el.textContent, classes: [...el.classList],
}))"""


def covered(segments: list[dict[str, Any]], css_class: str) -> set[int]:
    """The character offsets drawn with ``css_class``."""
    return {
        offset
        for seg in segments
        if css_class in seg["classes"]
        for offset in range(seg["start"], seg["start"] + len(seg["text"]))
    }


def test_highlights_and_assertion_styles_follow_the_real_coders_offsets(
    page: Page, real_coder_service: Any, artifacts: Path
) -> None:
    service = real_coder_service
    with service.api() as api:
        text = api.get(f"/v1/notes/{service.scenario_note_id}").json()["text"]
        stored = api.get(f"/v1/notes/{service.scenario_note_id}/suggestions").json()
    assert stored["suggestions"], "the real coder suggested nothing for the scenario note"
    assert "\r" not in text and text.isascii()  # so browser offsets equal Python's here

    page.goto(f"{service.base_url}/ui/")
    page.get_by_label("API key").fill(service.coder_key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="ENC-REAL-1").click()
    cards = page.locator("#suggestions > li")
    expect(cards).to_have_count(len(stored["suggestions"]))
    page.screenshot(path=str(artifacts / "note-view-real-coder.png"))

    # The rendered text is the note, character for character.
    segments = page.evaluate(SEGMENTS)
    assert "".join(seg["text"] for seg in segments) == text

    for suggestion in stored["suggestions"]:
        page.locator(f"#suggestions > li[data-id='{suggestion['id']}']").hover()
        drawn = covered(page.evaluate(SEGMENTS), "ev-active")
        expected = {i for ev in suggestion["evidence"] for i in range(ev["start"], ev["end"])}
        assert drawn == expected, suggestion["code"]

    for mention in stored["mentions"]:
        if mention["assertion"] == "present":
            continue
        styled = covered(segments, f"a-{mention['assertion']}")
        assert set(range(mention["start"], mention["end"])) <= styled, mention["text"]
