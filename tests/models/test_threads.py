"""The coder as the service calls it: several request threads at once give each note's result.

State shared by the threads (the scan of a note's cue prefixes kept per thread, scispaCy's
matcher of a doc's short forms, caches filled on first use) must never mix two notes.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models.engine import CodingEngine, load_coder

_GOLD = Path(__file__).resolve().parents[1] / "data" / "gold_synthetic.jsonl"


def _result(coder: CodingEngine, text: str) -> str:
    return coder.code(text, setting="inpatient").model_dump_json()


def test_threads_coding_at_once_give_the_sequential_results() -> None:
    coder = load_coder()
    notes = [json.loads(line)["text"] for line in _GOLD.read_text().splitlines() if line]
    # with abbreviations defined in the text, which the threads' detector reads at once
    notes += [
        f"Chronic kidney disease (CKD) stage {k}. CKD follow-up. Atrial fibrillation (AF); AF"
        f" rate controlled. Left knee pain for {k} days."
        for k in range(2, 5)
    ]
    expected = [_result(coder, text) for text in notes]
    assert any('"suggestions":[{' in result for result in expected)
    work = notes * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda text: _result(coder, text), work))
    assert found == expected * 4
