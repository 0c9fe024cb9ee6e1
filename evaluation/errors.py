"""The evaluation harness's errors, all ``CACError`` subclasses so ``cac`` prints one clear line.

- ``GoldFormatError``: a gold file with malformed charts (every problem listed with its line).
- ``DatasetError``: a corpus directory (CodiEsp, NegEx kit) missing files or in the wrong layout.
- ``MetricsFileError``: a ``metrics.json`` that cannot be read or compared.
- ``CoderUnavailableError``: the coder cannot be loaded, or lacks an option the run asks for.
"""

from __future__ import annotations

from codesets.errors import CACError


class GoldFormatError(CACError):
    """A gold file whose charts do not follow the documented format."""

    def __init__(self, source: str, problems: list[str]) -> None:
        shown = problems[:20]
        more = f"\n... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(shown) + more)
        self.problems = problems


class DatasetError(CACError):
    """A corpus directory that lacks the files its adapter needs."""


class MetricsFileError(CACError):
    """A metrics file that is missing, unreadable or not written by this harness."""


class CoderUnavailableError(CACError):
    """The coder cannot be loaded, or does not support what the run asks of it."""
