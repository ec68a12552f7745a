"""`hotline stats`: the published statistics, the same figures as the public page and its downloads."""

from __future__ import annotations

import json

import click

from hotline.cli.base import HotlineError, app_session, cli
from hotline.statistics import views


@cli.command("stats")
@click.option("--year", type=int, help="The year (default: the latest with an ended quarter).")
@click.option("--json", "as_json", is_flag=True, help="Print every table as JSON, as the page's downloads give them.")
def stats_command(year: int | None, as_json: bool) -> None:
    """Print a year's published statistics: only ended quarters, with small counts hidden as on the page."""
    with app_session() as (app, _session), app.test_request_context():
        available = views.years()
        chosen = year if year is not None else (available[0] if available else None)
        if chosen is None or chosen not in available:
            raise HotlineError(f"no quarter of {chosen or 'this year'} has ended yet: nothing is published")
        published = views.publish(chosen)
        if published is None:
            raise HotlineError(f"no quarter of {chosen} has ended yet: nothing is published")
        if as_json:
            click.echo(json.dumps(views.as_json(published), ensure_ascii=False, indent=1))
            return
        click.echo(
            f"{chosen}: quarters {', '.join(q.key for q in published.quarters)}; threshold {published.threshold}"
        )
        for row in published.table("total").rows + published.table("category").rows:
            cells = [row.cells[p] for p in published.periods]
            shown = ["" if c.value is None and c.status == "shown" else str(c.value) if c.value is not None else
                     f"<{published.threshold}" if c.status == "primary" else "hidden" for c in cells]  # fmt: skip
            click.echo(f"  {row.labels['en']:<45} " + " ".join(f"{s:>8}" for s in shown))
