"""Staff login primitives: Argon2id password hashes, TOTP (RFC 6238) and its enrolment QR code.

Besides crypto.py and tokens.py, this is the one module that holds cryptographic primitives.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import os
import re
import secrets
import time
from functools import cache
from urllib.parse import quote, urlencode

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

# Argon2id as the OWASP cheat sheet's stronger setting; tests lower these through a fixture.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_ITERATIONS = 3
ARGON2_LANES = 4
HASH_LENGTH = 32
SALT_BYTES = 16

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
TOTP_WINDOW = 1  # steps either side: a phone's clock may be a little off
TOTP_SECRET_BYTES = 20
ISSUER = "Meldpunt Stages"
PARAMETERS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def clock() -> float:
    """Return the current Unix time; tests replace it to move time without sleeping."""
    return time.time()


def now() -> dt.datetime:
    """Return the current UTC time in whole seconds, naive, as stored in the database."""
    return dt.datetime.fromtimestamp(int(clock()), dt.UTC).replace(tzinfo=None)


def _argon2(salt: bytes) -> Argon2id:
    return Argon2id(
        salt=salt,
        length=HASH_LENGTH,
        iterations=ARGON2_ITERATIONS,
        lanes=ARGON2_LANES,
        memory_cost=ARGON2_MEMORY_KIB,
    )


def hash_password(password: str) -> str:
    """Return a PHC string: $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>."""
    return _argon2(os.urandom(SALT_BYTES)).derive_phc_encoded(password.encode("utf-8"))


def verify_password(password: str, encoded: str) -> bool:
    """Check a password against a PHC string with the parameters it records, in constant time."""
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), encoded)
    except (InvalidKey, ValueError):
        return False
    return True


def needs_rehash(encoded: str) -> bool:
    """Tell whether a hash was made with other parameters than the current ones."""
    match = PARAMETERS.match(encoded)
    current = (ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES)
    return match is None or tuple(int(value) for value in match.groups()) != current


@cache
def _dummy_hash(memory: int, iterations: int, lanes: int) -> str:
    return hash_password(secrets.token_urlsafe(16))


def spend_like_a_check(password: str) -> None:
    """Verify against a throwaway hash, so an unknown or locked account answers as slowly as a real one."""
    verify_password(password, _dummy_hash(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES))


def generate_password() -> str:
    """Return an initial password of 120 random bits, in groups of four letters and digits."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def generate_totp_secret() -> str:
    """Return a new TOTP secret: 20 random bytes in base32, without padding."""
    return base64.b32encode(secrets.token_bytes(TOTP_SECRET_BYTES)).decode().rstrip("=")


def _secret_bytes(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(key: bytes, counter: int, digits: int = TOTP_DIGITS) -> str:
    """Return the HOTP value (RFC 4226) of a key and counter, with HMAC-SHA1 as authenticator apps expect."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), "sha1").digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(at: float | None = None) -> int:
    """Return the TOTP time step of a moment (now by default)."""
    return int((clock() if at is None else at) // TOTP_STEP_SECONDS)


def totp(secret: str, at: float | None = None) -> str:
    """Return the TOTP code (RFC 6238) of a base32 secret at a moment."""
    return hotp(_secret_bytes(secret), time_step(at))


def verify_totp(secret: str, code: str, last_step: int) -> int | None:
    """Return the time step a code belongs to, within the window and later than the last one used; else None."""
    code = re.sub(r"\s", "", code)
    if len(code) != TOTP_DIGITS or not code.isascii() or not code.isdigit():
        return None
    key, current = _secret_bytes(secret), time_step()
    found = None
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        # Check every step, so the time taken does not say which one matched.
        if hmac.compare_digest(hotp(key, step), code) and step > last_step and found is None:
            found = step
    return found


def otpauth_uri(secret: str, username: str) -> str:
    """Return the otpauth:// URI that authenticator apps read from the QR code."""
    label = quote(f"{ISSUER}:{username}")
    parameters = {
        "secret": secret,
        "issuer": ISSUER,
        "algorithm": "SHA1",
        "digits": TOTP_DIGITS,
        "period": TOTP_STEP_SECONDS,
    }
    return f"otpauth://totp/{label}?{urlencode(parameters, quote_via=quote)}"


def qr_svg(uri: str, title: str) -> str:
    """Draw a QR code as inline SVG markup: no script, no style attribute, nothing fetched."""
    import segno  # only at enrolment: not loaded into every worker

    code = segno.make(uri, error="m", micro=False)
    svg: str = code.svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title, svgclass="qr")
    return svg
