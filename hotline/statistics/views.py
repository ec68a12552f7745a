"""The public statistics page and its downloads: the same published cells in HTML, CSV and JSON."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import time
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Response, abort, current_app, render_template, request
from sqlalchemy import func, select

from hotline.db import get_session
from hotline.extensions import routing
from hotline.i18n import gettext as _
from hotline.i18n import label
from hotline.models import Destination, SettledQuarter
from hotline.statistics import EXTENSION, charts, hotline_counts, publication, settled
from hotline.statistics.publication import Publication
from hotline.statistics.quarters import Quarter, ended
from hotline.statistics.settings import StatisticsSettings

bp = Blueprint("statistics", __name__, url_prefix="/statistics")
TABLES = ("total", "category", "programme", "answers")  # the hotline's; the portal's follow when it has a database


def settings() -> StatisticsSettings:
    return cast(StatisticsSettings, current_app.extensions[EXTENSION])


def today() -> dt.date:
    return dt.date.today()


def years() -> list[int]:
    """Return the years with at least one ended quarter since the first report, newest first."""
    session, now = get_session(), today()
    first = hotline_counts.first_report(session)
    kept = session.scalar(select(func.min(SettledQuarter.quarter)))  # figures outlive their purged cases
    start = min([now.year] + ([first.year] if first else []) + ([Quarter.parse(kept).year] if kept else []))
    return [year for year in range(now.year, start - 1, -1) if ended(year, now)]


def programmes() -> dict[str, dict[str, str]]:
    """Return the programmes a report can name, by slug, with their names."""
    found = get_session().scalars(select(Destination).where(Destination.kind == "programme"))
    return {d.slug: d.labels for d in found}


CACHE = "hotline.statistics.cache"  # in app.extensions: (year, day) -> (made at, publication), one at a time


def publish(year: int) -> Publication | None:
    """Count and protect a year's ended quarters (or take them from the cache); None when none has ended."""
    day, keep = today(), current_app.config["STATISTICS_CACHE_SECONDS"]
    quarters = ended(year, day)
    if not quarters:
        return None
    cache: dict[tuple[int, dt.date], tuple[float, Publication]] = current_app.extensions.setdefault(CACHE, {})
    kept = cache.get((year, day))
    if kept is not None and time.monotonic() - kept[0] < keep:
        return kept[1]
    months = current_app.config["FEEDBACK_MONTHS"]
    found = settled.gather(get_session(), Path(current_app.instance_path), quarters, day, months)
    made = publication.build(found.hotline, year, routing(), programmes(), settings().threshold, found.portal)
    made = dataclasses.replace(made, provisional=found.provisional)
    if keep > 0:
        cache.clear()  # one year and day at a time: a cache that cannot grow
        cache[year, day] = (time.monotonic(), made)
    return made


def chosen_year() -> int:
    available = years()
    asked = request.args.get("year", type=int)
    if asked is not None and asked not in available:
        abort(404)
    return asked if asked is not None else (available[0] if available else today().year)


def page(year: int, report: bool) -> str:
    published = publish(year)
    return render_template(
        "statistics/index.html",
        published=published,
        charts=chart_data(published) if published else {},
        year=year,
        years=years(),
        settings=settings(),
        report=report,
        today=today(),
        settles={q.key: settled.settles_on(q, current_app.config["FEEDBACK_MONTHS"]) for q in published.quarters}
        if published
        else {},
    )


@bp.get("")
def index() -> str:
    """Show a year's quarters: reports by group, category and programme, and how the hotline answered them."""
    return page(chosen_year(), report=False)


@bp.get("/<int:year>/report")
def report(year: int) -> str:
    """The year as a report to print for the institution's annual report: the same figures, without the page's tools."""
    if year not in years():
        abort(404)
    return page(year, report=True)


def chart_data(published: Publication) -> dict[str, charts.Chart]:
    """The trend of the quarters' reports, and the year's reports per group."""
    total = published.table("total").rows[0]
    quarters = [(_("K%(n)s", n=q.number), total.cells[q.key]) for q in published.quarters]
    groups = [
        (label(row.labels), row.cells[publication.YEAR]) for row in published.table("category").rows if row.level == 0
    ]
    return {"quarters": charts.columns(quarters), "groups": charts.rows(groups)}


def rows_of(published: Publication, code: str) -> list[dict[str, Any]]:
    """Return a table as plain rows: one per row and period, the value empty where it is hidden."""
    found = []
    for row in published.table(code).rows:
        for period in published.periods:
            figure = row.cells[period]
            found.append(
                {
                    "table": code,
                    "row": row.code,
                    "label_nl": row.labels["nl"],
                    "label_en": row.labels["en"],
                    "period": period if period != publication.YEAR else str(published.year),
                    "value": figure.value,
                    "status": figure.status,
                    "threshold": published.threshold,
                    "provisional": period in published.provisional
                    or (period == publication.YEAR and bool(published.provisional)),
                }
            )
    return found


def as_json(published: Publication) -> dict[str, Any]:
    """Return everything published for a year, as `hotline stats --json` prints it too."""
    return {
        "year": published.year,
        "quarters": [q.key for q in published.quarters],
        "provisional": list(published.provisional),
        "threshold": published.threshold,
        "statuses": {
            "shown": "the count",
            "primary": f"fewer than {published.threshold}: hidden",
            "secondary": "hidden so that no hidden count can be worked out from the others",
        },
        "tables": {table.code: rows_of(published, table.code) for table in published.tables},
        "median_days_to_acknowledgement": {k: v for k, v in published.medians.items() if "-" not in k},
        "median_days_to_placement": {
            k.removeprefix("placement-"): v for k, v in published.medians.items() if k.startswith("placement-")
        },
    }


@bp.get(
    "/<int:year>/<any('total', 'category', 'programme', 'answers', 'sought', 'found', 'declines', 'moments', 'signals')"
    ":table>.<any(csv, json):kind>"
)
def download(year: int, table: str, kind: str) -> Response:
    """Download one table of a year, with the period, the threshold and what was hidden, as CSV or JSON."""
    if year not in years():
        abort(404)
    published = publish(year)
    if published is None or table not in {t.code for t in published.tables}:
        abort(404)
    rows = rows_of(published, table)
    name = f"meldpunt-stages-{year}-{table}.{kind}"
    if kind == "json":
        body = json.dumps({"year": year, "threshold": published.threshold, "rows": rows}, ensure_ascii=False, indent=1)
        response = Response(body, mimetype="application/json")
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["table"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
