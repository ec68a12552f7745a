"""A made-up year of reports for the demo, so that the statistics page has quarters to show.

Each report goes through the same path as a student's (sealed on arrival to its destinations' keys and the
recovery key, filed as a case); only its day is moved back into the past year, and a handler's acknowledgement
is noted for most of the older ones, as the metadata-only form does. Every text says it is made up.
"""

from __future__ import annotations

import datetime as dt
import random

from flask import Flask
from sqlalchemy.orm import Session

from hotline import cases
from hotline.extensions import keyring, routing
from hotline.reports import forms, service

# What the made-up reports are about, with how often: most are about origin and about misuse.
WEIGHTS = {
    "discrimination.origin": 9,
    "discrimination.religion": 4,
    "discrimination.sex": 3,
    "discrimination.disability": 2,
    "misuse.tasks": 7,
    "misuse.supervision": 5,
    "harassment.sexual": 3,
    "labour.working_hours": 3,
    "labour.underpayment": 2,
}
DESCRIPTION = "Demomelding (verzonnen, voor de cijferpagina): {what}."
WEEKLY = (0, 1, 1, 2, 2, 3, 4)  # reports in a week, drawn from these


def file_year(app: Flask, session: Session, today: dt.date, seed: int = 2026) -> int:
    """File a year of made-up reports before today; return how many."""
    rng = random.Random(seed)  # noqa: S311  # nosec B311  # made-up data, the same every time: no secret
    config = app.config
    secrets = service.Secrets(bytes.fromhex(config["INSTANCE_SALT"]), bytes.fromhex(config["LOOKUP_PEPPER"]))
    programmes = sorted(p.slug for p in cases.programmes(session))
    known = routing(app).categories
    categories = [c for c in WEIGHTS if c in known]
    filed = 0
    for week in range(52, 0, -1):
        for _ in range(rng.choice(WEEKLY)):
            day = today - dt.timedelta(days=7 * week + rng.randint(0, 6))
            category = rng.choices(categories, weights=[WEIGHTS[c] for c in categories])[0]
            programme = rng.choice(programmes)
            routed = forms.Routed(category=category, programme=programme)
            details = forms.Details(description=DESCRIPTION.format(what=known[category].label["nl"].lower()))
            targets = cases.plan(session, routing(app), category, programme)
            _token, new = service.file_report(session, keyring(app), secrets, routed, details, targets)
            case = cases.get_case(session, new.id)
            case.received_on = day
            case.ack_due = day + dt.timedelta(days=config["ACK_DAYS"])
            case.feedback_due = cases.add_months(day, config["FEEDBACK_MONTHS"])
            if week > 1 and rng.random() < 0.85:  # a handler acknowledged it, mostly in time
                case.acknowledged_on = min(today, day + dt.timedelta(days=rng.choice((1, 2, 3, 5, 6, 9))))
                case.status = "in_progress"
            filed += 1
    session.commit()
    return filed
