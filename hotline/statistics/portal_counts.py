"""The hotline's one door to the portal: its published counts per quarter, through hotline.portal.figures.

MODULES.md: no hotline module imports the portal, except the statistics reading the portal's published
aggregates (counts, never rows). This module imports that one module of the portal and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hotline.portal.figures import Quarterly, names, read
from hotline.statistics.quarters import Quarter

Doc = dict[str, Any]  # one quarter's portal counts as plain JSON, as statistics.settled keeps them
PAIRS = ("sought", "found", "declines", "signals")  # counts keyed by (quarter, code)
SINGLE = ("moments_due", "moments_on_time")  # counts keyed by quarter


def counts(instance: Path, quarters: Sequence[Quarter], today: dt.date) -> Quarterly | None:
    """Return the portal's counts for these quarters, or None when this instance has no portal database."""
    return read(instance, [(q.key, q.start, q.end) for q in quarters], today)


def count(instance: Path, quarters: Sequence[Quarter], today: dt.date) -> dict[str, Doc] | None:
    """Return the portal's counts as one plain document per quarter asked, or None without a portal database."""
    found = counts(instance, quarters, today)
    if found is None:
        return None
    docs: dict[str, Doc] = {}
    for quarter in quarters:
        q = quarter.key
        doc: Doc = {
            name: sorted([code, n] for (k, code), n in getattr(found, name).items() if k == q) for name in PAIRS
        }
        doc |= {name: getattr(found, name).get(q, 0) for name in SINGLE}
        doc["days_to_placement"] = sorted([d, n] for d, n in found.days_to_placement.get(q, Counter()).items())
        docs[q] = doc
    return docs


def join(instance: Path, quarters: Sequence[Quarter], docs: Mapping[str, Doc]) -> Quarterly:
    """Put quarters' documents together as the portal's counts, with the names of codes from placements.toml."""
    pairs: dict[str, dict[tuple[str, str], int]] = {name: {} for name in PAIRS}
    single: dict[str, dict[str, int]] = {name: {} for name in SINGLE}
    days: dict[str, Counter[int]] = {}
    for quarter in quarters:
        q = quarter.key
        doc = docs.get(q)
        if doc is None:
            continue
        for name in PAIRS:
            pairs[name].update({(q, code): n for code, n in doc[name]})
        if doc["moments_due"]:  # as figures.quarterly: both or neither
            for name in SINGLE:
                single[name][q] = doc[name]
        if doc["days_to_placement"]:
            days[q] = Counter({d: n for d, n in doc["days_to_placement"]})
    programmes, reasons = names(instance)
    return Quarterly(
        sought=pairs["sought"],
        found=pairs["found"],
        declines=pairs["declines"],
        moments_due=single["moments_due"],
        moments_on_time=single["moments_on_time"],
        signals=pairs["signals"],
        days_to_placement=days,
        programmes=programmes,
        reasons=reasons,
    )
