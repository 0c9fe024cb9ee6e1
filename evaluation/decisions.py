"""Acceptance of suggestions from coders' decisions: what coding managers watch.

Each decision record says what a coder did with one code on one note: ``accepted``,
``rejected`` or ``modified`` a suggestion, or ``added`` a code the system had not suggested.
Rates are per suggestion (accepted + rejected + modified); added codes are the system's misses.
Reading the records from the service's tables is a thin adapter over ``decision_metrics``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from codesets.errors import CACError
from evaluation.codes import key_label

Action = Literal["accepted", "rejected", "modified", "added"]
ACTIONS: tuple[Action, ...] = ("accepted", "rejected", "modified", "added")


@dataclass(frozen=True, slots=True)
class Decision:
    """One coder decision on one code of one note."""

    system: str
    code: str
    action: Action


def _rates(counter: Counter[str]) -> dict[str, Any]:
    suggested = counter["accepted"] + counter["rejected"] + counter["modified"]

    def rate(action: str) -> float:
        return counter[action] / suggested if suggested else 0.0

    return {
        "suggested": suggested,
        **{action: counter[action] for action in ACTIONS},
        "acceptance_rate": rate("accepted"),
        "rejection_rate": rate("rejected"),
        "edit_rate": rate("modified"),
    }


def decision_metrics(decisions: Iterable[Decision], *, top_added: int = 20) -> dict[str, Any]:
    """Acceptance, rejection and edit rates overall, per system and per code; top added codes."""
    overall: Counter[str] = Counter()
    systems: dict[str, Counter[str]] = defaultdict(Counter)
    codes: dict[str, Counter[str]] = defaultdict(Counter)
    for decision in decisions:
        if decision.action not in ACTIONS:
            raise CACError(f"unknown decision action {decision.action!r}; one of {ACTIONS}")
        overall[decision.action] += 1
        systems[decision.system][decision.action] += 1
        codes[key_label((decision.system, decision.code))][decision.action] += 1
    added = sorted(
        ((label, counter["added"]) for label, counter in codes.items() if counter["added"]),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "overall": _rates(overall),
        "systems": {system: _rates(counter) for system, counter in sorted(systems.items())},
        "codes": {label: _rates(counter) for label, counter in sorted(codes.items())},
        "added_most": [{"code": label, "added": count} for label, count in added[:top_added]],
    }
