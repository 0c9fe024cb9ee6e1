"""A coder's whole review in headless Chromium, checked afterwards through the API.

Sign in, open a note from the worklist, see a suggestion's evidence highlighted, accept, reject
with a reason, modify through the code picker, add a code from a text selection, hit a conflict
(shown plainly, nothing lost), finalize; then every decision must be stored and audited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

AUDIT_JS = (Path(__file__).parent / "data" / "a11y_audit.js").read_text(encoding="utf-8")

# Where a phrase is drawn: the viewport rectangles of its first and last characters.
PHRASE_RECTS = """(phrase) => {
  const box = document.getElementById('note-text');
  const at = box.textContent.indexOf(phrase);
  if (at < 0) return null;
  const point = (offset) => {
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    let seen = 0;
    while (walker.nextNode()) {
      const length = walker.currentNode.length;
      if (offset < seen + length) return [walker.currentNode, offset - seen];
      seen += length;
    }
    return null;
  };
  const rect = (offset) => {
    const [node, index] = point(offset);
    const range = document.createRange();
    range.setStart(node, index);
    range.setEnd(node, index + 1);
    const r = range.getBoundingClientRect();
    return { x: r.x, y: r.y, w: r.width, h: r.height };
  };
  return { first: rect(at), last: rect(at + phrase.length - 1) };
}"""


def sign_in(page: Page, service: Any, key: str | None = None) -> None:
    """Open the client and sign in with the coder key (or ``key``)."""
    page.goto(f"{service.base_url}/ui/")
    page.get_by_label("API key").fill(key or service.coder_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#worklist-rows tr").first).to_be_visible()


def select_with_mouse(page: Page, phrase: str) -> None:
    """Drag the mouse across ``phrase`` in the note, as a coder selects words."""
    rects = page.evaluate(PHRASE_RECTS, phrase)
    assert rects is not None, f"{phrase!r} is not in the note"
    first, last = rects["first"], rects["last"]
    page.mouse.move(first["x"] + 1, first["y"] + first["h"] / 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["w"] - 1, last["y"] + last["h"] / 2, steps=5)
    page.mouse.up()


def highlighted(page: Page) -> str:
    """The note text currently highlighted as the selected suggestion's evidence."""
    return str(
        page.eval_on_selector_all(
            "#note-text .ev-active", "els => els.map((e) => e.textContent).join('')"
        )
    )


def test_a_coder_reviews_a_note_from_worklist_to_final(
    page: Page, review_service: Any, artifacts: Path
) -> None:
    service = review_service
    with service.api() as api:
        note = api.get(f"/v1/notes/{service.scenario_note_id}").json()
    text = note["text"]

    # Worklist: both seeded notes, with their counts; open the scenario note from its row.
    sign_in(page, service)
    expect(page.locator("#session-who")).to_have_text("Signed in as coder-ann (coder)")
    rows = page.locator("#worklist-rows tr")
    expect(rows).to_have_count(3)
    row = rows.filter(has_text="ENC-WEB-1")
    expect(row).to_contain_text("2026-03-02")
    expect(row).to_contain_text("outpatient")
    expect(row.locator("td.num").first).to_have_text("4")  # suggestions, all pending
    expect(row.locator("td.num").nth(1)).to_have_text("4")
    assert page.evaluate(AUDIT_JS) == []
    page.screenshot(path=str(artifacts / "worklist.png"))
    row.get_by_role("link", name="ENC-WEB-1").click()

    # Note view: ranked suggestions; the first is selected and its evidence highlighted.
    cards = page.locator("#suggestions > li")
    expect(cards).to_have_count(4)
    assert cards.evaluate_all("els => els.map((e) => e.dataset.code)") == [
        "E11.9",
        "I10",
        "E78.5",
        "J18.9",
    ]
    expect(page.locator("#note-text .ev-active").first).to_be_visible()
    assert highlighted(page) == "type 2 diabetes mellitus"
    # Hovering another suggestion moves the highlight to its evidence.
    page.locator(".sugg[data-code='I10']").hover()
    assert highlighted(page) == "essential hypertension"
    # Negated and family mentions are drawn differently from the rest of the text.
    expect(page.locator("#note-text .a-negated")).to_have_text("chest pain")
    expect(page.locator("#note-text .a-family")).to_have_text("breast cancer")
    # Section headers come from the note API, drawn in the text and listed for navigation.
    expect(page.locator("#note-sections button")).to_have_text(
        ["CHIEF COMPLAINT", "HISTORY OF PRESENT ILLNESS", "ASSESSMENT AND PLAN"]
    )
    expect(page.locator("#note-text .sec-head")).to_have_text(
        ["CHIEF COMPLAINT:", "HISTORY OF PRESENT ILLNESS:", "ASSESSMENT AND PLAN:"]
    )
    expect(page.locator(".sugg[data-code='J18.9'] .warnings")).to_contain_text("organism")
    page.locator("#note-title").hover()
    assert page.evaluate(AUDIT_JS) == []
    page.screenshot(path=str(artifacts / "note-view.png"))

    # Accept the selected suggestion with one key.
    page.locator(".sugg[data-code='E11.9']").click()
    page.keyboard.press("a")
    expect(page.locator(".sugg[data-code='E11.9'] .decision-accepted")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Accepted E11.9")

    # Reject with a free-text reason.
    page.locator(".sugg[data-code='J18.9']").click()
    page.keyboard.press("r")
    expect(page.locator("#reject-dialog")).to_be_visible()
    page.keyboard.press("6")
    page.keyboard.type("Treated elsewhere; not addressed at this visit")
    page.keyboard.press("Enter")
    expect(page.locator(".sugg[data-code='J18.9'] .decision-rejected")).to_be_visible()
    expect(page.locator(".sugg.selected")).to_be_focused()  # the keyboard stays in the list

    # Modify through the code picker; a missing reason is asked for and the choice is kept.
    page.locator(".sugg[data-code='E78.5']").click()
    page.keyboard.press("m")
    picker = page.locator("#picker-dialog")
    expect(picker).to_be_visible()
    # A code's start lists the code, then its billable descendants.
    page.locator("#picker-q").fill("e78.")
    expect(page.locator(".picker-opt").first).to_have_attribute("data-code", "E78")
    expect(page.locator(".picker-opt").nth(1)).to_contain_text("billable")
    # A few letters of each word find the code.
    page.locator("#picker-q").fill("mixed hyperlip")
    expect(page.locator(".picker-opt").first).to_have_attribute("data-code", "E78.2")
    option = page.locator(".picker-opt[data-code='E78.2']")
    expect(option).to_be_visible()
    expect(option).to_contain_text("billable")
    assert page.evaluate(AUDIT_JS) == []
    option.click()
    expect(page.locator("#picker-error")).to_contain_text("Write why")
    expect(page.locator(".picker-opt.active")).to_have_attribute("data-code", "E78.2")
    page.locator("#picker-reason").fill("Triglycerides and LDL both raised in the labs")
    page.locator("#picker-reason").press("Enter")
    expect(picker).to_be_hidden()
    expect(page.locator(".sugg[data-code='E78.5'] .decision-modified")).to_contain_text("E78.2")

    # A conflicting code (Excludes1 with the accepted E11.9) is refused and shown plainly;
    # the dialog keeps the coder's query and choice.
    select_with_mouse(page, "Diabetes - continue metformin")
    page.keyboard.press("c")
    expect(picker).to_be_visible()
    expect(page.locator("#picker-context")).to_contain_text("Diabetes - continue metformin")
    page.locator("#picker-q").fill("E10.9")
    expect(page.locator(".picker-opt.active")).to_have_attribute("data-code", "E10.9")
    page.locator("#picker-q").press("Enter")
    expect(page.locator("#picker-error")).to_contain_text("E10")
    expect(picker).to_be_visible()
    expect(page.locator("#picker-q")).to_have_value("E10.9")
    page.screenshot(path=str(artifacts / "picker-conflict.png"))
    page.keyboard.press("Escape")
    expect(picker).to_be_hidden()

    # Add a missed code from a mouse selection in the note.
    select_with_mouse(page, "Mother had breast cancer")
    page.keyboard.press("c")
    expect(page.locator("#picker-context")).to_contain_text("Mother had breast cancer")
    page.locator("#picker-q").fill("family history breast")
    expect(page.locator(".picker-opt[data-code='Z80.3']")).to_be_visible()
    page.locator(".picker-opt[data-code='Z80.3']").click()
    expect(page.locator("#added-codes")).to_contain_text("Z80.3")

    # Finalizing with a suggestion undecided is refused; decide it, then finalize.
    page.keyboard.press("f")
    expect(page.locator("#error")).to_be_visible()
    page.locator("#error-close").click()
    page.locator(".sugg[data-code='I10']").click()
    page.keyboard.press("a")
    expect(page.locator(".sugg[data-code='I10'] .decision-accepted")).to_be_visible()
    page.keyboard.press("f")
    expect(page.locator("#note-meta")).to_contain_text("finalized")

    # History shows who decided what.
    page.keyboard.press("h")
    history = page.locator("#history-list")
    expect(history).to_contain_text("suggestion accept")
    expect(history).to_contain_text("coder-ann")
    expect(history).to_contain_text("E78.5 → E78.2; reason: Triglycerides")
    page.screenshot(path=str(artifacts / "note-finalized.png"))

    # Every decision is stored: through the API, not the screen.
    with service.api() as api:
        stored = api.get(f"/v1/notes/{service.scenario_note_id}/suggestions").json()
        final = api.get(f"/v1/notes/{service.scenario_note_id}/final").json()
        events = api.get(f"/v1/notes/{service.scenario_note_id}/audit").json()
    decisions = {s["code"]: s["decision"] for s in stored["suggestions"]}
    assert decisions["E11.9"]["status"] == "accepted"
    assert decisions["I10"]["status"] == "accepted"
    assert decisions["J18.9"] == {
        "status": "rejected",
        "code": None,
        "reason": "Treated elsewhere; not addressed at this visit",
    }
    assert decisions["E78.5"] == {
        "status": "modified",
        "code": "E78.2",
        "reason": "Triglycerides and LDL both raised in the labs",
    }
    [added] = stored["added_codes"]
    start = text.index("Mother had breast cancer")
    assert (added["code"], added["evidence"]["start"], added["evidence"]["end"]) == (
        "Z80.3",
        start,
        start + len("Mother had breast cancer"),
    )
    assert stored["status"] == "finalized"
    assert sorted(c["code"] for c in final["codes"]) == ["E11.9", "E78.2", "I10", "Z80.3"]
    by_coder = [e["action"] for e in events if e["actor"] == service.coder_name]
    for action in ("suggestion.accept", "suggestion.reject", "suggestion.modify"):
        assert action in by_coder
    assert len(by_coder) >= 6  # 4 decisions, 1 added code, 1 finalize

    # Reopen asks why, and the note is open for review again.
    page.keyboard.press("o")
    page.locator("#reopen-reason").fill("Late pathology report")
    page.keyboard.press("Enter")
    expect(page.locator("#note-meta")).to_contain_text("in review")
    with service.api() as api:
        assert api.get(f"/v1/notes/{service.scenario_note_id}").json()["status"] == "in_review"


def test_a_wrong_key_is_refused_and_nothing_is_shown(page: Page, review_service: Any) -> None:
    page.goto(f"{review_service.base_url}/ui/")
    page.get_by_label("API key").fill("cac_not_a_real_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error")).to_contain_text("unknown or revoked")
    expect(page.locator("#worklist-rows")).to_have_count(0)
    assert page.evaluate("() => sessionStorage.length") == 0


def test_the_next_note_opens_with_one_key(page: Page, review_service: Any) -> None:
    with review_service.api() as api:
        open_notes = [item["note_id"] for item in api.get("/v1/worklist").json()["items"]]
    assert len(open_notes) >= 2  # the other notes stay open whatever the order of the tests
    note_url = f"{review_service.base_url}/ui/#/notes/"
    sign_in(page, review_service)
    page.keyboard.press("n")
    expect(page).to_have_url(f"{note_url}{open_notes[0]}")
    expect(page.locator("#suggestions > li").first).to_be_visible()
    page.keyboard.press("n")
    expect(page).to_have_url(f"{note_url}{open_notes[1]}")
    expect(page.locator("#note-title")).to_contain_text("ENC-WEB")


def test_the_key_lasts_for_the_tab_and_sign_out_forgets_it(page: Page, review_service: Any) -> None:
    sign_in(page, review_service)
    page.reload()
    expect(page.locator("#worklist-rows tr").first).to_be_visible()
    expect(page.locator("#keybar")).to_contain_text("Open next note")
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_contain_text("Refresh")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
    assert page.evaluate("() => localStorage.length") == 0


def test_the_worklist_filters_and_finds(page: Page, review_service: Any) -> None:
    sign_in(page, review_service)
    page.get_by_label("Setting").select_option("inpatient")
    expect(page.locator("#worklist-empty")).to_be_visible()
    page.get_by_label("Setting").select_option("outpatient")
    expect(page.locator("#worklist-rows tr").first).to_be_visible()
    page.get_by_role("searchbox", name="Encounter").fill("web-3")  # asked of the service
    expect(page.locator("#worklist-rows tr")).to_have_count(1)
    expect(page.locator("#worklist-rows")).to_contain_text("ENC-WEB-3")
    expect(page.locator("#worklist-count")).to_have_text("1 notes")


def test_the_worklist_is_sorted_by_the_service(page: Page, review_service: Any) -> None:
    sign_in(page, review_service)
    first = page.locator("#worklist-rows tr").first
    page.get_by_label("Sort").select_option(label="Date of service, latest")
    expect(first).to_contain_text("ENC-WEB-3")
    page.get_by_label("Sort").select_option(label="Date of service, earliest")
    expect(first).to_contain_text("ENC-WEB-1")
    page.get_by_label("Sort").select_option(label="Newest first")
    expect(first).to_contain_text("ENC-WEB-3")
    page.get_by_label("Sort").select_option(label="Oldest first")
    expect(first).to_contain_text("ENC-WEB-1")


def test_an_analyst_sees_notes_but_no_review_actions(page: Page, review_service: Any) -> None:
    sign_in(page, review_service, review_service.analyst_key)
    expect(page.locator("#session-who")).to_have_text("Signed in as analyst-bo (analyst)")
    page.locator("#worklist-rows tr").filter(has_text="ENC-WEB-2").get_by_role("link").click()
    expect(page.locator("#suggestions > li").first).to_be_visible()
    expect(page.locator(".sugg-actions")).to_have_count(0)
    expect(page.locator("#btn-add")).to_be_hidden()
    expect(page.locator("#btn-finalize")).to_be_hidden()
    expect(page.locator("#keybar")).to_contain_text("History")
    expect(page.locator("#keybar")).not_to_contain_text("Accept")


def test_a_key_that_cannot_review_is_refused(page: Page, review_service: Any) -> None:
    page.goto(f"{review_service.base_url}/ui/")
    page.get_by_label("API key").fill(review_service.integration_key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error")).to_contain_text("integration key cannot review notes")
    expect(page.locator("#worklist-rows")).to_have_count(0)
    assert page.evaluate("() => sessionStorage.length") == 0
