"""The note renderer in the browser: offsets in code points, selections back to offsets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page

from app.web.routes import router

pytestmark = pytest.mark.browser

# Each case: a note and the text of its last span to mark; offsets are Python's (code points),
# which differ from the browser's UTF-16 units after any character outside the BMP.
CASES = [
    ("Chest pain resolved.", "Chest pain"),
    ("Pt 😀 denies chest pain.", "chest pain"),
    ("𝐀𝐁 diabetes 𝐂 type 2 diabetes", "type 2 diabetes"),
    ("Dx:\r\nAsthma 🫁", "Asthma"),
]

RENDER = """async ([text, start, end]) => {
  const { renderNote } = await import('./static/js/notetext.js');
  const box = document.createElement('div');
  box.id = 'probe';
  document.body.append(box);
  const view = renderNote(box, text, { evidence: [{ key: 'k', start, end }] });
  view.highlight('k');
  const marked = [...box.querySelectorAll('.ev-active')].map((el) => el.textContent).join('');
  const range = document.createRange();
  const segs = [...box.querySelectorAll('.ev-active')];
  range.setStart(segs[0].firstChild, 0);
  const last = segs[segs.length - 1].firstChild;
  range.setEnd(last, last.length);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  const picked = view.selectionOffsets();
  box.remove();
  return { marked, picked };
}"""


@pytest.fixture(scope="module")
def static_site(serve: Callable[[Any], AbstractContextManager[str]]) -> Iterator[str]:
    app = FastAPI()
    app.include_router(router)
    with serve(app) as base_url:
        yield base_url


@pytest.mark.parametrize(("note", "expected"), CASES)
def test_a_span_is_highlighted_and_selected_back_in_code_points(
    page: Page, static_site: str, note: str, expected: str
) -> None:
    start = note.rindex(expected)
    end = start + len(expected)
    page.goto(f"{static_site}/ui/")
    result = page.evaluate(RENDER, [note, start, end])
    assert result["marked"] == expected
    assert result["picked"] == {"start": start, "end": end, "text": expected}


def test_a_selection_is_trimmed_of_surrounding_space(page: Page, static_site: str) -> None:
    page.goto(f"{static_site}/ui/")
    note = "Plan:  asthma  \nnext"
    picked = page.evaluate(
        """async (text) => {
      const { renderNote } = await import('./static/js/notetext.js');
      const box = document.createElement('div');
      document.body.append(box);
      const view = renderNote(box, text, {});
      const node = box.firstChild.firstChild;
      const range = document.createRange();
      range.setStart(node, 5);
      range.setEnd(node, 15);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return view.selectionOffsets();
    }""",
        note,
    )
    assert picked == {"start": 7, "end": 13, "text": "asthma"}


def test_section_headers_are_drawn_at_the_api_offsets(page: Page, static_site: str) -> None:
    # Offsets count code points: the header after a character outside the BMP must still be
    # drawn on its own words.
    note = "𝐀 note\nA/P:\nasthma\nPLAN: rest"
    sections = [
        {"name": "assessment_and_plan", "title": "A/P", "start": 7, "end": 19, "header_end": 11},
        {"name": "plan", "title": "PLAN", "start": 19, "end": 29, "header_end": 24},
    ]
    page.goto(f"{static_site}/ui/")
    drawn = page.evaluate(
        """async ([text, sections]) => {
      const { renderNote } = await import('./static/js/notetext.js');
      const box = document.createElement('div');
      document.body.append(box);
      const view = renderNote(box, text, { sections });
      return {
        heads: [...box.querySelectorAll('.sec-head')].map((el) => el.textContent),
        listed: view.sectionEls.map(({ section, el }) => [section.title, el.textContent]),
      };
    }""",
        [note, sections],
    )
    assert drawn == {
        "heads": ["A/P:", "PLAN:"],
        "listed": [["A/P", "A/P:"], ["PLAN", "PLAN:"]],
    }
