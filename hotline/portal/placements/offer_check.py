"""An offer's norms check as a page shows it: each rule's outcome in words, why, and its source.

The rules' texts are filled in by hotline/norms_text.py, as for the hotline's fair-conditions check, without
the advice to a student: the office and the host act on the offer itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.i18n import label
from hotline.norms import PROBLEM, UNCHECKED, Finding, Norms
from hotline.norms_text import euros, grouped, hours, outcome_labels, show, term_labels

__all__ = ["Unchecked", "context", "show", "unchecked"]


@dataclass(frozen=True)
class Unchecked:
    """A rule the offer does not say enough for, and what it would need."""

    title: str
    missing: str


def unchecked(findings: list[Finding]) -> list[Unchecked]:
    """Return the rules that could not be checked, each with the terms the offer leaves open."""
    names = term_labels()
    return [
        Unchecked(label(f.rule.title), ", ".join(names.get(m, m) for m in f.missing))
        for f in findings
        if f.outcome == UNCHECKED
    ]


def context(findings: list[Finding], norms: Norms) -> dict[str, Any]:
    """Return what an offer page shows of its check, and the writers of its hours and amounts."""
    return {
        "shown": grouped(findings, norms, advice=False),
        "unchecked": unchecked(findings),
        "outcomes": outcome_labels(),
        "blocked": any(f.outcome == PROBLEM for f in findings),
        "hours": hours,
        "euros": euros,
    }
