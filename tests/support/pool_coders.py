"""Small coders for ``models.pool`` tests: spawned coding processes import them from here.

``tests/support`` is on ``sys.path`` (pytest's ``pythonpath``), and a spawned process inherits the
parent's ``sys.path``, so ``pool_coders:<name>`` loads in the worker processes as well.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from codesets.errors import CACError
from models.schema import CodingResult, Evidence, Setting, Suggestion, Versions

VERSIONS = Versions(icd10cm="2026", hcpcs="test", cpt="test", model="words", pipeline="words")
DIE = "stop this process"
PAUSE = "[pause]"  # a note starting with it takes 20 ms, as a real one would


class WordCoder:
    """Suggests I10 with evidence on the note's first word and a confidence from its length.

    The note ``DIE`` ends the coding process at once, as an out-of-memory kill would; a note
    starting with ``PAUSE`` takes 20 ms.
    """

    def code(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> CodingResult:
        """The suggestion described above."""
        return self.code_timed(text, setting=setting, date_of_service=date_of_service)[0]

    def code_timed(
        self, text: str, *, setting: Setting = "outpatient", date_of_service: date | None = None
    ) -> tuple[CodingResult, dict[str, float]]:
        """``code``, with the process id as its one "stage" (so tests see which process coded)."""
        if text == DIE:
            os._exit(1)
        if text.startswith(PAUSE):
            time.sleep(0.02)
        first = text.split()[0]
        suggestion = Suggestion(
            system="ICD-10-CM",
            code="I10",
            description="Essential (primary) hypertension",
            billable=True,
            confidence=len(text) % 97 / 97,
            rank=1,
            evidence=[Evidence(start=0, end=len(first), text=first)],
            rationale=f"{setting} note of {len(text)} characters",
        )
        result = CodingResult(
            suggestions=[suggestion],
            mentions=[],
            versions=VERSIONS,
            setting=setting,
            date_of_service=date_of_service,
        )
        return result, {"pid": float(os.getpid())}


def load_word_coder() -> WordCoder:
    """Loader of ``WordCoder``."""
    return WordCoder()


def load_nothing() -> WordCoder:
    """A loader that fails the way a missing code-set file does."""
    raise CACError("code-set file missing: icd10cm.marshal")


# a loader reading it fails once the file it names exists (set it before the process spawns)
BROKEN_FILE_ENV = "POOL_CODERS_BROKEN_FILE"


def load_until_broken() -> WordCoder:
    """``WordCoder``, or the error of ``load_nothing`` once the file ``BROKEN_FILE_ENV`` names
    exists (a coder that stops loading, as after a bad deployment)."""
    broken = os.environ.get(BROKEN_FILE_ENV)
    if broken is not None and Path(broken).exists():
        return load_nothing()
    return WordCoder()


def wait_until_dead(pid: int) -> None:
    """Return once the process has exited with all its threads (a zombie its parent has not
    reaped yet, or gone).

    A killed process's main thread shows as a zombie while its other threads may still be
    exiting and holding its pipe open: they are gone once it counts one thread.
    """
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            fields = status.read_text()
        except FileNotFoundError:  # reaped
            return
        except ProcessLookupError:  # /proc answers ESRCH while the process is being torn down
            fields = ""
        if "State:\tZ" in fields and "Threads:\t1\n" in fields:
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} is still running")
