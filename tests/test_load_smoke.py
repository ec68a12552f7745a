"""A small run of tests/load/run_load.py: a worker killed mid-run loses no report whose token was shown."""

from __future__ import annotations

import os
from pathlib import Path

from load.run_load import Options, run

REPORTS = 200


def test_no_report_is_lost_when_a_worker_is_killed(tmp_path: Path) -> None:
    options = Options(
        database=os.environ.get("HOTLINE_TEST_DATABASE_URL") or "sqlite",
        reports=REPORTS,
        clients=8,
        kill_worker=True,
        redis=os.environ.get("HOTLINE_TEST_REDIS_URL"),
        root=tmp_path,
    )
    outcome = run(options)
    assert outcome.ok, outcome.summary()
    assert outcome.killed is not None and outcome.respawned
    assert len(outcome.tokens) + outcome.unanswered == REPORTS
    assert not outcome.lost and not outcome.server_errors and not outcome.half_written
