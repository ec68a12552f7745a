"""A destination's inbox: its cases grouped as new, overdue, in progress and closed, sorted and paged.

Metadata only. A case is overdue when no handler acknowledged it by its ack_due day, or when
no handler answered it in substance (a reply or the closing summary) by its feedback_due day;
overdue wins over new and in progress, and a closed case is never overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session, selectinload

from hotline.models import Case, CaseRoute, Destination, Handler

GROUPS = ("new", "overdue", "in_progress", "closed")
SORTS = {"received": Case.received_on, "ack_due": Case.ack_due, "feedback_due": Case.feedback_due}
DIRECTIONS = ("asc", "desc")
PER_PAGE = 50
MAX_PAGE = 400  # offset paging stays fast to 20,000 cases deep; sort the other way to reach the rest


class BadQuery(ValueError):
    """An inbox query parameter has a value the inbox does not know; field names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class Query:
    """What the handler asked the inbox for."""

    group: str = "new"
    sort: str = "received"
    direction: str = "desc"
    page: int = 1


@dataclass(frozen=True)
class Page:
    """One page of a group, with the counts of every group."""

    asked: Query  # the validated group, sort, direction and page
    counts: dict[str, int]
    cases: list[Case]
    overdue: set[str]

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.counts[self.asked.group] // PER_PAGE)))


def parse(args: Mapping[str, str]) -> Query:
    """Read group, sort, dir and page from query parameters; raise BadQuery for a value out of range."""
    default = Query()
    group, sort = args.get("group", default.group), args.get("sort", default.sort)
    direction, page = args.get("dir", default.direction), args.get("page", "1")
    if group not in GROUPS:
        raise BadQuery("group")
    if sort not in SORTS:
        raise BadQuery("sort")
    if direction not in DIRECTIONS:
        raise BadQuery("dir")
    if not page.isascii() or not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise BadQuery("page")
    return Query(group, sort, direction, int(page))


def is_overdue(today: dt.date) -> ColumnElement[bool]:
    """Return the condition of an overdue case."""
    late_ack = and_(Case.acknowledged_on.is_(None), Case.ack_due < today)
    late_feedback = and_(Case.feedback_on.is_(None), Case.feedback_due < today)
    return and_(Case.status != "closed", or_(late_ack, late_feedback))


def condition(group: str, today: dt.date) -> ColumnElement[bool]:
    """Return the condition of a group; the four groups split the cases without overlap."""
    overdue = is_overdue(today)
    if group == "closed":
        return Case.status == "closed"
    if group == "overdue":
        return overdue
    fresh = and_(Case.status == "received", Case.acknowledged_on.is_(None))
    if group == "new":
        return and_(fresh, not_(overdue))
    return and_(Case.status != "closed", not_(fresh), not_(overdue))


def counts(session: Session, destination: Destination, today: dt.date) -> dict[str, int]:
    """Count a destination's cases per group in one query."""
    columns = [func.coalesce(func.sum(when((condition(g, today), 1), else_=0)), 0) for g in GROUPS]
    query = select(*columns).select_from(Case).join(CaseRoute, CaseRoute.case_id == Case.id)
    row = session.execute(query.where(CaseRoute.destination_id == destination.id)).one()
    return dict(zip(GROUPS, (int(n) for n in row), strict=True))


def page(session: Session, destination: Destination, query: Query, today: dt.date) -> Page:
    """Return one page of a destination's group, sorted as asked, with the counts of every group."""
    column = SORTS[query.sort]
    order: list[ColumnElement[Any]] = (
        [column.asc(), Case.id.asc()] if query.direction == "asc" else [column.desc(), Case.id.desc()]
    )
    # Sort and skip over narrow (key, id) rows first, then load only the page's cases: deep pages stay cheap.
    ids = session.scalars(
        select(Case.id)
        .join(CaseRoute, CaseRoute.case_id == Case.id)
        .where(CaseRoute.destination_id == destination.id, condition(query.group, today))
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((query.page - 1) * PER_PAGE)
    ).all()
    loading = selectinload(Case.routes).selectinload(CaseRoute.destination)
    by_id = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)).options(loading))}
    found = [by_id[case_id] for case_id in ids]
    late = {c.id for c in found if overdue(c, today)}
    return Page(query, counts(session, destination, today), found, late)


def overdue(case: Case, today: dt.date) -> bool:
    """Tell whether one loaded case is overdue (the same rule as is_overdue)."""
    late_ack = case.acknowledged_on is None and case.ack_due < today
    late_feedback = case.feedback_on is None and case.feedback_due < today
    return case.status != "closed" and (late_ack or late_feedback)


def group_of(case: Case, today: dt.date) -> str:
    """Return the group one loaded case is in (the same rules as condition)."""
    if case.status == "closed":
        return "closed"
    if overdue(case, today):
        return "overdue"
    return "new" if case.status == "received" and case.acknowledged_on is None else "in_progress"


def destination_of(handler: Handler, slug: str) -> Destination | None:
    """Return the handler's destination with this slug, or None when it is not theirs."""
    return next((d for d in handler.destinations if d.slug == slug), None)
