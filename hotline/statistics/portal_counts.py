"""The hotline's one door to the portal: its published counts per quarter, through hotline.portal.figures.

MODULES.md: no hotline module imports the portal, except the statistics reading the portal's published
aggregates (counts, never rows). This module imports that one function and nothing else of the portal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from hotline.portal.figures import Quarterly, read
from hotline.statistics.quarters import Quarter


def counts(instance: Path, quarters: Sequence[Quarter], today: dt.date) -> Quarterly | None:
    """Return the portal's counts for these quarters, or None when this instance has no portal database."""
    return read(instance, [(q.key, q.start, q.end) for q in quarters], today)
