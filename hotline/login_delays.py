"""Staff login delays: each failure doubles the wait, per account and per client; kept in the rate-limit storage.

A hard lock after a few failures let anyone shut a handler out, even one with the right password and
code. Instead, every failed login makes its account name and its client wait before the next attempt:
the first failure one second (LOGIN_DELAY_FIRST_SECONDS), each further one twice as long, up to
LOGIN_DELAY_MAX_SECONDS. An attempt during the wait is answered with the seconds left, and no password
is checked. Once the wait is over, the right password and code log in, however many failures came
before; that clears the delays of the account and of the client.

Nothing of this is written to the database, where it would date an anonymous visitor's action (a
failed login by anyone) to the second: the counts live in the rate-limit storage (memory, or Redis
without persistence), under the account name's hash and the client's rate-limit key, and are
forgotten at the end of a clock-aligned period of LOGIN_DELAY_FORGET_HOURS. The delays count on
auth.clock(), so tests move them without sleeping; only the storage's expiries run on the real clock.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from limits.storage import Storage


class TryLater(Exception):
    """A login was refused unchecked: its account or client must wait this many more seconds."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"try again in {seconds} s")
        self.seconds = seconds


@dataclass(frozen=True)
class Policy:
    """How long a failure makes the next attempt wait: first, doubling up to maximum; forgotten after forget."""

    first: int = 1
    maximum: int = 300
    forget: int = 24 * 3600

    def delay(self, failures: int) -> int:
        """Return the seconds to wait after this many failures in a row."""
        if failures < 1 or self.first < 1:
            return 0
        return min(self.first << min(failures - 1, 62), self.maximum)


def account_subject(username: str) -> str:
    """Return the subject of an account name, known or not, so the answer never tells whether it exists."""
    return "account/" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_subject(rate_limit_key: str) -> str:
    """Return the subject of a client: its rate-limit key (security.rate_limit_key), never its address."""
    return "client/" + rate_limit_key


class Delays:
    """The delays of one login attempt: of the account name asked for and of the client asking."""

    def __init__(
        self, storage: Storage, prefix: str, policy: Policy, subjects: Iterable[str], clock: Callable[[], float]
    ) -> None:
        self.storage, self.policy, self.clock = storage, policy, clock
        self.keys = [f"{prefix}login-delay/{subject}" for subject in subjects]

    def check(self) -> None:
        """Raise TryLater while any of the subjects must still wait."""
        now = int(self.clock())
        waits = [self._until(key) - now for key in self.keys]
        if max(waits, default=0) > 0:
            raise TryLater(max(waits))

    def _count(self, key: str) -> tuple[str, int]:
        # Counts live in clock-aligned periods of `forget` seconds and expire at the period's end, so that
        # a count's time to live tells nothing of when its first failure came.
        index = int(time.time() // self.policy.forget)
        return f"{key}/{index}", max((index + 1) * self.policy.forget - int(time.time()), 1)

    def _until(self, key: str) -> int:
        count, _ttl = self._count(key)
        failures = self.storage.get(count)
        if failures < 1:
            return 0
        delay = self.policy.delay(failures)
        at = self.storage.get(f"{count}/{failures}")  # the moment of the last failure, or 0 once it expired
        # A moment in the future cannot be a real failure's: wait at most one delay, never longer.
        return min(at, int(self.clock())) + delay if at else 0

    def failed(self) -> None:
        """Count a failure against every subject and note when it happened."""
        if self.policy.delay(1) == 0:
            return
        now = int(self.clock())
        for key in self.keys:
            count, ttl = self._count(key)
            failures = self.storage.incr(count, ttl)
            # A key of its own per failure, written once: two failures at once cannot mix up their moments.
            # It lives no longer than its delay, the one time a moment of a failed login is kept.
            moment = f"{count}/{failures}"
            if self.storage.incr(moment, self.policy.delay(failures) + 1, amount=now) != now:
                self.storage.clear(moment)  # left over from a count that was cleared: start it again
                self.storage.incr(moment, self.policy.delay(failures) + 1, amount=now)

    def succeeded(self) -> int:
        """Forget the failures of every subject, as the right password and code came; return the first's count."""
        names = [self._count(key)[0] for key in self.keys]
        counts = [self.storage.get(name) for name in names]
        for name in names:
            self.storage.clear(name)
        return counts[0] if counts else 0


def init_app(app: Flask) -> None:
    """Keep the delays where the rate limits are kept (the one storage security.init_app set up), limiter on or off."""
    app.extensions["hotline.login_delays"] = app.extensions["hotline.ratelimit_storage"]


def policy_of(config: Mapping[str, Any]) -> Policy:
    """Return the delay policy of the settings."""
    return Policy(
        config["LOGIN_DELAY_FIRST_SECONDS"],
        config["LOGIN_DELAY_MAX_SECONDS"],
        config["LOGIN_DELAY_FORGET_HOURS"] * 3600,
    )
