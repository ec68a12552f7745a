"""Which published cells show their count and which show "fewer than N", so that no small count leaks.

A publication is a set of published cells, each the sum of some base (micro) cells: reports of one quarter,
category and programme, say. ``protect`` hides every cell below the threshold (primary suppression) and then
as few further cells as it reasonably can (secondary suppression) so that no hidden cell can be worked out
from the rest: not from a row or column total, another table, another period or the year total.

The attacker model. The attacker knows

* the structure: every published cell's members (which base cells it adds up);
* every SHOWN cell's value exactly;
* every hidden cell's status: PRIMARY means its value is in 0..threshold-1, SECONDARY means >= threshold;
* that base counts are non-negative integers (a base cell missing from ``counts`` counts 0);
* every link: two sets of base cells whose sums are equal (``links``), such as a quarter's reports answered
  in time and not in time, which together are all the quarter's reports.

A hidden cell is *pinned* when its integer minimum equals its integer maximum over all base-count vectors
consistent with that knowledge; it is *safe* when they differ. ``pinned`` is that audit and ``protect``
returns a pattern that passes it. The attacker also knows the status pattern itself, so ``protect`` is
deterministic (ties are broken by key) and depends on the data only through the counts.

The audit works on the base cells collapsed by membership: base cells that belong to exactly the same
published cells are one variable (their sum). For a hidden cell with true value v, it is safe iff some
consistent integer vector gives it a value other than v. Linear programming (HiGHS) bounds the question:
if the LP maximum is below v + 1 and the LP minimum above v - 1 the cell is pinned (the LP is a relaxation,
so no integer vector can do better). Otherwise the cell is declared safe only on an integer witness: an
integral LP vertex, or a solution of the mixed-integer feasibility problem "row beyond v", checked again in
exact integer arithmetic (or an unbounded LP ray, which in a rational polyhedron with an integer point yields
integer points as far out as wanted). Witnesses are kept: hiding a further cell only relaxes its equality
to ">= threshold", so every witness stays consistent and a cell once safe stays safe.

Secondary suppression is greedy: a pinned cell's LP certificate (the SHOWN rows with a nonzero dual at the
LP minimum and maximum) names the relations that pin it; the one with the smallest value (then the smallest
key) is hidden and the cell is audited again. When the certificate names no SHOWN row (the integer problem
pins the cell although the LP does not), the smallest SHOWN cell that shares a base cell with it is hidden;
failing that, the smallest SHOWN cell at all. Hiding everything is the last resort.

The limit: a cell can be pinned even when everything is hidden, by the structure (a cell with no members is
always 0) or by the statuses themselves, which say "below" or "at least" the threshold. One category, two
programmes, two quarters with counts 2 1 / 2 1 and threshold 3: each quarter total is at least 3, each
programme cell below 3 and programme p1's year below 3, so p1 is 1 in both quarters and p0 is 2. No pattern
can help then (showing a cell only tells more), so ``protect`` returns everything hidden and ``pinned`` on
that result names what still leaks; a caller should check it, or show PRIMARY and SECONDARY alike, which
takes most of that knowledge out of the attacker's hands. This needs tiny tables (seen about once in a few hundred
random cubes of 1 to 4 categories and programmes; never on a year shaped like the real one).

Numerics: the LP bound "below v + 1" uses a tolerance of 1e-6, so an LP optimum with a denominator above a
million could be misread as pinned (more hiding, never a leak); safety always rests on an exact witness.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Base = tuple[str, ...]
Key = tuple[str, ...]

SHOWN, PRIMARY, SECONDARY = "shown", "primary", "secondary"
MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 5

_TOLERANCE = 1e-6  # LP values are compared with v +- 1 with this slack; integral vertices within it are rounded
_NO_UPPER = 2**62  # a SECONDARY cell's upper bound in exact integer checks


@dataclass(frozen=True)
class Published:
    """A published cell: its value is the sum of its members' counts."""

    key: Key
    members: frozenset[Base]


Link = tuple[frozenset[Base], frozenset[Base]]  # two sets of base cells with equal sums, known to everyone


def protect(
    cells: Sequence[Published],
    counts: Mapping[Base, int],
    threshold: int,
    links: Sequence[Link] = (),
    cost: Callable[[Key, int], float] | None = None,
) -> dict[Key, str]:
    """Return each published cell's status. PRIMARY: value below the threshold (0 included). SECONDARY: hidden
    although >= threshold, so that no hidden cell can be worked out. Raises ValueError if threshold < 3.

    ``links`` are equalities between sums of base cells that the attacker knows besides the published cells
    (the counts must satisfy them; ValueError if not). ``cost`` says what hiding a cell loses (default: its
    value); the cheapest candidate is hidden first, so a caller can spare its totals."""
    audit = _Audit(cells, counts, threshold, None, links)
    if cost is not None:
        audit.cost = [cost(audit.keys[k], audit.value[k]) for k in range(audit.m)]
    queue = [(audit.rank[i], i) for i in range(audit.m) if audit.status[i] != SHOWN]
    heapq.heapify(queue)
    while queue:
        _, i = heapq.heappop(queue)
        while True:
            safe, certificate = audit.check(i)
            if safe:
                break
            j = audit.choose(i, certificate)
            if j is None:  # everything is hidden: what is still pinned is fixed by the structure alone
                break
            audit.hide(j)
            heapq.heappush(queue, (audit.rank[j], j))
    return {audit.keys[i]: audit.status[i] for i in range(audit.m)}


def pinned(
    cells: Sequence[Published],
    counts: Mapping[Base, int],
    status: Mapping[Key, str],
    threshold: int,
    links: Sequence[Link] = (),
) -> list[Key]:
    """The audit: the hidden cells whose value an attacker can determine exactly (integer min == integer max).

    ``status`` must give every cell a status consistent with its value (PRIMARY below the threshold,
    SECONDARY at or above it); a SHOWN cell may have any value. Sorted by key."""
    audit = _Audit(cells, counts, threshold, status, links)
    return sorted(audit.keys[i] for i in range(audit.m) if audit.status[i] != SHOWN and not audit.check(i)[0])


class _Audit:
    """The LP over the collapsed base cells, with the pattern's bounds and the integer witnesses found."""

    def __init__(
        self,
        cells: Sequence[Published],
        counts: Mapping[Base, int],
        threshold: int,
        status: Mapping[Key, str] | None,
        links: Sequence[Link],
    ) -> None:
        import highspy
        import numpy as np

        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < MIN_THRESHOLD:
            raise ValueError(f"the threshold must be an integer of at least {MIN_THRESHOLD}, not {threshold!r}")
        self.threshold = threshold
        cells = sorted(cells, key=lambda cell: cell.key)  # rows in key order: the result ignores the input's order
        self.keys: list[Key] = [cell.key for cell in cells]
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("two published cells have the same key")
        self.m = len(self.keys)
        self.rank = list(range(self.m))  # the tie-break: smaller key first

        # Collapse base cells by the published cells they belong to and the side of each link they are on.
        membership: dict[Base, list[int]] = {}
        for i, cell in enumerate(cells):
            for base in cell.members:
                membership.setdefault(base, []).append(i)
        terms: dict[Base, list[tuple[int, int]]] = {}  # base -> (link, +1 or -1)
        ordered_links = sorted((sorted(left), sorted(right)) for left, right in links)
        for k, (left, right) in enumerate(ordered_links):
            for sign, side, other in ((1, left, right), (-1, right, left)):
                for base in set(side) - set(other):
                    terms.setdefault(base, []).append((k, sign))
        variables: dict[tuple[tuple[int, ...], tuple[tuple[int, int], ...]], int] = {}
        truth: list[int] = []
        self.rows: list[list[int]] = [[] for _ in range(self.m)]
        link_rows: list[list[tuple[int, int]]] = [[] for _ in ordered_links]  # (variable, coefficient)
        for base in sorted(set(membership) | set(terms)):
            count = counts.get(base, 0)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"the count of {base!r} must be a non-negative integer, not {count!r}")
            signature = (tuple(membership.get(base, ())), tuple(sorted(terms.get(base, ()))))
            j = variables.get(signature)
            if j is None:
                j = variables[signature] = len(truth)
                truth.append(0)
                for i in signature[0]:
                    self.rows[i].append(j)
                for k, sign in signature[1]:
                    link_rows[k].append((j, sign))
            truth[j] += count
        self.n = len(truth)
        self.matrix: NDArray[np.int64] = np.zeros((self.m, self.n), dtype=np.int64)
        for i, row in enumerate(self.rows):
            self.matrix[i, row] = 1
        self.links: NDArray[np.int64] = np.zeros((len(link_rows), self.n), dtype=np.int64)
        for k, link in enumerate(link_rows):
            for j, sign in link:
                self.links[k, j] = sign
        truth_vector = np.array(truth, dtype=np.int64)
        if bool((self.links @ truth_vector != 0).any()):
            raise ValueError("the counts do not satisfy the links")
        values = self.matrix @ truth_vector
        self.value: list[int] = [int(v) for v in values]
        self.cost: list[float] = [float(v) for v in self.value]  # what hiding a cell loses: protect may say

        if status is None:
            self.status = [PRIMARY if v < threshold else SHOWN for v in self.value]
        else:
            self.status = []
            for key, v in zip(self.keys, self.value, strict=True):
                given = status.get(key)
                if given not in (SHOWN, PRIMARY, SECONDARY):
                    raise ValueError(f"no valid status for {key!r}: {given!r}")
                if (given == PRIMARY and v >= threshold) or (given == SECONDARY and v < threshold):
                    raise ValueError(f"{key!r} is {given} but its value is {v}")
                self.status.append(given)
        self.low = np.array([self._bounds(i)[0] for i in range(self.m)], dtype=np.int64)
        self.high = np.array([self._bounds(i)[1] for i in range(self.m)], dtype=np.int64)
        self.witnesses: NDArray[np.int64] = values.reshape(self.m, 1)  # row values of each integer witness

        self.highs: Any = None
        if self.n:
            # The core solver without highspy's Python wrapper, whose constructor prints a banner to standard output
            # (once a process) before its output can be switched off; the wrapper is the fallback.
            solver: Any = getattr(getattr(highspy, "_core", None), "_Highs", None) or highspy.Highs
            highs = solver()
            highs.setOptionValue("output_flag", False)
            inf = highs.getInfinity()
            highs.addVars(self.n, np.zeros(self.n), np.full(self.n, inf))
            # Rows 0..m-1 are the published cells in key order, then one row "left - right = 0" per link.
            starts = np.zeros(self.m + len(link_rows), dtype=np.int32)
            indices: list[int] = []
            coefficients: list[float] = []
            for i, row in enumerate(self.rows):
                starts[i] = len(indices)
                indices.extend(row)
                coefficients.extend([1.0] * len(row))
            for k, link in enumerate(link_rows):
                starts[self.m + k] = len(indices)
                indices.extend(j for j, _ in link)
                coefficients.extend(float(sign) for _, sign in link)
            lower = np.concatenate((self.low.astype(np.float64), np.zeros(len(link_rows))))
            upper = np.concatenate(
                (np.where(self.high >= _NO_UPPER, inf, self.high.astype(np.float64)), np.zeros(len(link_rows)))
            )
            highs.addRows(
                len(starts),
                lower,
                upper,
                len(indices),
                starts,
                np.array(indices, dtype=np.int32),
                np.array(coefficients, dtype=np.float64),
            )
            self.highs = highs
            self.inf = inf
            self.columns = np.arange(self.n, dtype=np.int32)
            self.sense = highspy.ObjSense
            self.model_status = highspy.HighsModelStatus
            self.integer = np.full(self.n, highspy.HighsVarType.kInteger.value, dtype=np.uint8)
            self.continuous = np.full(self.n, highspy.HighsVarType.kContinuous.value, dtype=np.uint8)

    def _bounds(self, i: int) -> tuple[int, int]:
        status, v = self.status[i], self.value[i]
        if status == SHOWN:
            return v, v
        if status == PRIMARY:
            return 0, self.threshold - 1
        return self.threshold, _NO_UPPER

    def hide(self, i: int) -> None:
        """Hide a SHOWN cell: its equality becomes ">= threshold", a relaxation that keeps every witness."""
        self.status[i] = SECONDARY
        self.low[i], self.high[i] = self._bounds(i)
        self.highs.changeRowBounds(i, float(self.threshold), self.inf)

    def check(self, i: int) -> tuple[bool, list[int]]:
        """Whether hidden cell i is safe; if not, the SHOWN rows of its LP certificate."""
        if not self.rows[i]:
            return False, []  # no members: always 0
        v = self.value[i]
        if bool((self.witnesses[i] != v).any()):
            return True, []
        certificate: set[int] = set()
        for up in (True, False):
            movable, rows = self._direction(i, up)
            if movable:
                return True, []
            certificate.update(rows)
        return False, sorted(certificate)

    def choose(self, i: int, certificate: list[int]) -> int | None:
        """The SHOWN cell to hide next for pinned cell i: the smallest in its certificate, else nearby."""
        candidates = [k for k in certificate if self.status[k] == SHOWN]
        if not candidates:
            columns = self.rows[i]
            candidates = [k for k in range(self.m) if self.status[k] == SHOWN and bool(self.matrix[k, columns].any())]
        if not candidates:
            candidates = [k for k in range(self.m) if self.status[k] == SHOWN]
        if not candidates:
            return None
        return min(candidates, key=lambda k: (self.cost[k], self.rank[k]))

    def _direction(self, i: int, up: bool) -> tuple[bool, list[int]]:
        """Whether an integer vector gives cell i a value above (up) or below its true value."""
        import numpy as np

        v = self.value[i]
        if not up and v == 0:
            return False, []
        highs = self.highs
        cost = np.zeros(self.n)
        cost[self.rows[i]] = 1.0
        highs.changeColsCost(self.n, self.columns, cost)
        highs.changeObjectiveSense(self.sense.kMaximize if up else self.sense.kMinimize)
        highs.run()
        status = highs.getModelStatus()
        if up and status in (self.model_status.kUnbounded, self.model_status.kUnboundedOrInfeasible):
            return True, []
        if status != self.model_status.kOptimal:
            raise RuntimeError(f"the disclosure LP ended with {highs.modelStatusToString(status)}")
        objective = highs.getInfo().objective_function_value
        solution = highs.getSolution()
        if (up and objective < v + 1 - _TOLERANCE) or (not up and objective > v - 1 + _TOLERANCE):
            duals = np.asarray(solution.row_dual)
            rows = [int(k) for k in np.flatnonzero(np.abs(duals[: self.m]) > 1e-9) if self.status[k] == SHOWN]
            return False, rows
        if self._witness(np.asarray(solution.col_value), i):
            return True, []
        # The LP vertex is fractional: ask the integer question itself, "cell i beyond v", as a feasibility MIP.
        low, high = self.low[i], self.high[i]
        bound_low = float(max(int(low), v + 1)) if up else float(low)
        bound_high = (self.inf if high >= _NO_UPPER else float(high)) if up else float(v - 1)
        highs.changeColsCost(self.n, self.columns, np.zeros(self.n))
        highs.changeRowBounds(i, bound_low, bound_high)
        highs.changeColsIntegrality(self.n, self.columns, self.integer)
        try:
            highs.run()
            found = highs.getModelStatus() == self.model_status.kOptimal and self._witness(
                np.asarray(highs.getSolution().col_value), i
            )
        finally:
            highs.changeColsIntegrality(self.n, self.columns, self.continuous)
            highs.changeRowBounds(i, float(low), self.inf if int(high) >= _NO_UPPER else float(high))
        return found, []

    def _witness(self, x: NDArray[np.float64], i: int) -> bool:
        """Keep x if it is (within rounding) an integer vector consistent with the pattern that moves cell i."""
        import numpy as np

        rounded = np.rint(x)
        if x.size and float(np.max(np.abs(x - rounded))) > _TOLERANCE:
            return False
        vector = rounded.astype(np.int64)
        if bool((vector < 0).any()) or bool((self.links @ vector != 0).any()):
            return False
        values = self.matrix @ vector
        if not bool(((values >= self.low) & (values <= self.high)).all()) or int(values[i]) == self.value[i]:
            return False
        self.witnesses = np.column_stack((self.witnesses, values))
        return True
