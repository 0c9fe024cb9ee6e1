"""The batch job's account of itself: counts that must balance, and where the outputs went."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from app.batch.tables import OUTPUTS
from codesets.errors import CACError


class BatchOutputError(CACError):
    """The output directory already holds results, or the counts of a run do not balance."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """Counts of one run; ``rows_in == notes_coded + errors`` always holds for a finished run."""

    engine: str
    rows_in: int
    notes_coded: int
    errors: int
    suggestions: int
    seconds: float

    def check(self) -> None:
        """Raise if a row went missing: every input row is a coded note or an error."""
        if self.rows_in != self.notes_coded + self.errors:
            raise BatchOutputError(
                f"{self.rows_in} rows in but {self.notes_coded} coded + {self.errors} errors"
            )

    def to_json(self) -> str:
        """The summary as one JSON object."""
        return json.dumps(asdict(self), sort_keys=True)


def prepare_output(output: Path, *, overwrite: bool) -> None:
    """Make ``output`` ready: refuse to mix with earlier results unless told to replace them."""
    existing = [output / name for name in (*OUTPUTS, "summary.json") if (output / name).exists()]
    if existing and not overwrite:
        raise BatchOutputError(f"{output} already holds batch results; pass --overwrite")
    for path in existing:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    output.mkdir(parents=True, exist_ok=True)
