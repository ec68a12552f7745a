"""Quarters, the finest period the statistics publish, and which of them have ended and so may be published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: 2026 Q1 runs from 1 January to 31 March."""

    year: int
    number: int  # 1 to 4

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The quarter's last day."""
        following = dt.date(self.year + 1, 1, 1) if self.number == 4 else dt.date(self.year, 3 * self.number + 1, 1)
        return following - dt.timedelta(days=1)

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, key: str) -> Quarter:
        """Read 2026Q1; raise ValueError for anything else."""
        year, letter, number = key.partition("Q")
        if not (year.isdigit() and len(year) == 4 and letter and number in ("1", "2", "3", "4")):
            raise ValueError(f"not a quarter: {key!r}")
        return cls(int(year), int(number))


def of_year(year: int) -> list[Quarter]:
    return [Quarter(year, number) for number in range(1, 5)]


def ended(year: int, today: dt.date) -> list[Quarter]:
    """Return the year's quarters that have ended by today: publication waits until a quarter is over."""
    return [quarter for quarter in of_year(year) if quarter.end < today]
