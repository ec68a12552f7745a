"""Rate-limit state that names no address and dates nothing finer than a limit's own period.

A client's key is a keyed hash of its address (an IPv6 client's /64), cut to a few bits so that many
addresses share it. The hash's secret is random and lives only in memory: in Redis, which must run
without persistence, and in each process that uses it (for memory://, only there). Every instance
sharing the storage shares the secret, and with it the budgets. The secret and every window start and
end on the clock, and are stored under their index with their end as expiry: no key, value or time to
live tells when within its period a request came.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
import time
from typing import Any, cast

from flask import Flask
from flask_limiter import Limiter
from limits import RateLimitItem
from limits.storage import MemoryStorage, RedisStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from limits.util import WindowStats

from hotline.config import ConfigError

# Create the window's counter with the window's end as its expiry, or count one more in it: one step.
INCREASE = b"""
local current = redis.call('incrby', KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call('expireat', KEYS[1], ARGV[1])
end
return current
"""

# Give back what a request took from a window, unless the window has ended: never a key without its expiry.
GIVE_BACK = b"""
if redis.call('exists', KEYS[1]) == 1 then
    return redis.call('decrby', KEYS[1], ARGV[1])
end
return 0
"""

# The first instance to need this period's secret stores its random one; every instance then reads it.
FIRST_ONE_WINS = b"""
if redis.call('setnx', KEYS[1], ARGV[1]) == 1 then
    redis.call('expireat', KEYS[1], ARGV[2])
end
return redis.call('get', KEYS[1])
"""


def namespace(institution_key: str) -> str:
    """Return the prefix of a deployment's keys: its instances share budgets, others on the same Redis do not."""
    return hashlib.sha256(b"hotline/ratelimit|" + institution_key.encode()).hexdigest()[:12]


def period_of(now: float, seconds: int) -> tuple[int, int]:
    """Return the index of the clock-aligned period that holds a moment, and the second it ends."""
    index = int(now // seconds)
    return index, (index + 1) * seconds


class RotatingSecret:
    """A random secret per clock-aligned period, in memory only: the limiter's storage and the processes using it."""

    def __init__(self, storage: Storage, prefix: str, hours: int) -> None:
        self.storage, self.prefix, self.seconds = storage, prefix, hours * 3600
        self.local: dict[int, bytes] = {}
        self.lock = threading.Lock()
        self.redis = storage if isinstance(storage, RedisStorage) else None
        self.share = self.redis.get_connection().register_script(FIRST_ONE_WINS) if self.redis else None

    def current(self) -> bytes:
        """Return the secret of the period now running, making it if no one has."""
        index, ends = period_of(time.time(), self.seconds)
        with self.lock:  # the old period's secret goes as the new one comes
            if index in self.local:
                return self.local[index]
            if self.redis is not None and self.share is not None:
                # Asked once per period and process, not per request: a round trip saved on every limit check.
                name = self.redis.prefixed_key(f"{self.prefix}/hotline-secret/{index}")
                shared = self.share([name], [secrets.token_hex(32), ends])
                secret = shared if isinstance(shared, bytes) else str(shared).encode()
            else:  # memory:// is one process: the secret lives in it
                secret = secrets.token_bytes(32)
            self.local = {index: secret}
            return secret


def client_of(address: str) -> bytes:
    """Return what identifies a client: its IPv4 address, or the /64 network an IPv6 client holds."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:  # no address, as through a Unix socket: every such client shares one key
        return address.encode()
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return parsed.ipv4_mapped.packed
        return ipaddress.IPv6Network((parsed, 64), strict=False).network_address.packed
    return parsed.packed


def bucket(secret: bytes, address: str, bits: int) -> str:
    """Return the client's key: the first bits of a keyed hash of its address, in hex."""
    digest = hmac.new(secret, client_of(address), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{value:0{math.ceil(bits / 4)}x}"


class AlignedWindow(FixedWindowRateLimiter):
    """A fixed window on the clock: its key holds the window's index, and it expires at the window's end.

    The library's fixed window expires a time after its first hit, which dates that hit to the second.
    """

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage)
        self.redis = storage if isinstance(storage, RedisStorage) else None
        self.increase = self.redis.get_connection().register_script(INCREASE) if self.redis else None
        self.give = self.redis.get_connection().register_script(GIVE_BACK) if self.redis else None

    def window(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> tuple[str, int]:
        """Return the key of the window now running for a limit and client, and the second it ends."""
        index, ends = period_of(time.time(), item.get_expiry())
        return f"{item.key_for(*identifiers)}/{index}", ends

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self.take(item, *identifiers, cost=cost)[0]

    def take(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> tuple[bool, str]:
        """Count a request in the window now running; return whether it is within the limit, and the window's key."""
        key, ends = self.window(item, identifiers)
        if self.redis is not None and self.increase is not None:
            count = int(self.increase([self.redis.prefixed_key(key)], [ends, cost]))
        else:  # memory://: the expiry is counted from now, so it falls on the window's end
            count = self.storage.incr(key, ends - time.time(), amount=cost)  # type: ignore[arg-type]
        return count <= item.amount, key

    def give_back(self, key: str, cost: int = 1) -> None:
        """Uncount a request that take() counted in the window of this key, unless that window has ended."""
        if self.redis is not None and self.give is not None:
            self.give([self.redis.prefixed_key(key)], [cost])
        elif isinstance(self.storage, MemoryStorage) and self.storage.get(key) > 0:  # an ended window stays gone
            self.storage.decr(key, cost)

    def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        return self.storage.get(self.window(item, identifiers)[0]) < item.amount - cost + 1

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        key, ends = self.window(item, identifiers)
        return WindowStats(ends, max(0, item.amount - self.storage.get(key)))

    def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        self.storage.clear(self.window(item, identifiers)[0])


class AlignedLimiter(Limiter):
    """Flask-Limiter, counting in clock-aligned windows."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        self.aligned = AlignedWindow(self.storage) if self.enabled else None
        if self.enabled and not isinstance(self.storage, MemoryStorage | RedisStorage):
            raise ConfigError("HOTLINE_RATELIMIT_STORAGE_URL must be memory:// or a Redis URL")

    @property
    def limiter(self) -> RateLimiter:
        """Return the clock-aligned strategy (Flask-Limiter offers none of its own)."""
        if self.aligned is None:
            raise RuntimeError("rate limiting is off")
        return self.aligned


def shared_storage(app: Flask, limiter: Limiter) -> Storage:
    """Return the one rate-limit storage of the app: the limiter's, or one like it if limiting is off.

    The rotating secret and the login delays (login_delays.py) keep their counts there too, so a worker
    holds one connection pool to Redis, not one per user of it.
    """
    if limiter.enabled:
        return limiter.storage
    options: dict[str, Any] = app.config.get("RATELIMIT_STORAGE_OPTIONS", {})
    return cast(Storage, storage_from_string(app.config["RATELIMIT_STORAGE_URI"], **options))


def secret_for(app: Flask, storage: Storage) -> RotatingSecret:
    """Return the app's rotating secret, kept in the rate-limit storage."""
    return RotatingSecret(storage, app.config.get("RATELIMIT_KEY_PREFIX", ""), app.config["RATELIMIT_SECRET_HOURS"])
