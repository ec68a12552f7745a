"""Staff login primitives: Argon2id hashes, TOTP against RFC 6238, replay refusal, the QR code."""

from __future__ import annotations

import base64
import re

import pytest
from conftest import Clock

from hotline import auth

RFC6238_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_password_hash_round_trip() -> None:
    encoded = auth.hash_password("correct horse")
    assert encoded.startswith("$argon2id$v=19$m=64,t=1,p=4$")
    assert auth.verify_password("correct horse", encoded)


@pytest.mark.parametrize("attempt", ["wrong horse", "", "correct horse ", "Correct horse"])
def test_a_wrong_password_does_not_verify(attempt: str) -> None:
    assert not auth.verify_password(attempt, auth.hash_password("correct horse"))


def test_hashes_are_salted() -> None:
    assert auth.hash_password("same") != auth.hash_password("same")


def test_a_malformed_hash_never_verifies() -> None:
    assert not auth.verify_password("x", "not a hash")
    assert not auth.verify_password("x", "$argon2id$v=19$m=64,t=1,p=4$AAAA$AAAA")


def test_production_parameters_and_rehash(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = auth.hash_password("pw")
    monkeypatch.setattr(auth, "ARGON2_MEMORY_KIB", 65536)
    monkeypatch.setattr(auth, "ARGON2_ITERATIONS", 3)
    assert auth.needs_rehash(cheap)
    assert auth.verify_password("pw", cheap)  # an old hash still verifies with the parameters it records
    assert re.match(
        r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", auth.hash_password("pw")
    )


@pytest.mark.parametrize(
    ("moment", "code"),
    [  # RFC 6238 appendix B, SHA-1, the last six of its eight digits
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
        (20000000000, "353130"),
    ],
)
def test_totp_matches_the_rfc_6238_vectors(moment: int, code: str) -> None:
    assert auth.totp(RFC6238_SECRET, moment) == code


def test_a_code_is_accepted_one_step_either_side(clock: Clock) -> None:
    secret, now = auth.generate_totp_secret(), clock.now
    step = auth.time_step()
    for offset in (-1, 0, 1):
        assert auth.verify_totp(secret, auth.totp(secret, now + offset * 30), 0) == step + offset
    for offset in (-2, 2):
        assert auth.verify_totp(secret, auth.totp(secret, now + offset * 30), 0) is None


def test_a_used_code_is_refused(clock: Clock) -> None:
    secret = auth.generate_totp_secret()
    code = auth.totp(secret)
    used = auth.verify_totp(secret, code, 0)
    assert used == auth.time_step()
    assert auth.verify_totp(secret, code, used) is None
    earlier = auth.totp(secret, clock.now - 30)
    assert auth.verify_totp(secret, earlier, used) is None  # not even an older code of the window
    clock.advance(30)
    assert auth.verify_totp(secret, auth.totp(secret), used) == used + 1


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(clock: Clock, code: str) -> None:
    assert auth.verify_totp(auth.generate_totp_secret(), code, 0) is None


def test_codes_may_carry_spaces(clock: Clock) -> None:
    secret = auth.generate_totp_secret()
    code = auth.totp(secret)
    assert auth.verify_totp(secret, f"{code[:3]} {code[3:]}", 0) is not None


def test_secret_and_initial_password_are_random_and_long() -> None:
    secret = auth.generate_totp_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)  # 20 bytes
    assert secret != auth.generate_totp_secret()
    password = auth.generate_password()
    assert re.fullmatch(r"([a-z2-7]{4}-){5}[a-z2-7]{4}", password)  # 120 bits


def test_otpauth_uri_names_issuer_account_and_parameters() -> None:
    uri = auth.otpauth_uri("JBSWY3DPEHPK3PXP", "alice")
    assert uri.startswith("otpauth://totp/Meldpunt%20Stages%3Aalice?")
    for part in ("secret=JBSWY3DPEHPK3PXP", "issuer=Meldpunt%20Stages", "algorithm=SHA1", "digits=6", "period=30"):
        assert part in uri


def test_qr_code_is_plain_svg_without_style_or_script() -> None:
    svg = auth.qr_svg(auth.otpauth_uri("JBSWY3DPEHPK3PXP", "alice"), "QR <code>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>QR &lt;code&gt;</title>" in svg
    assert "style" not in svg and "<script" not in svg and "href" not in svg
    assert not re.search(r"\son\w+=", svg)


def test_clock_moves_now(clock: Clock) -> None:
    before = auth.now()
    clock.advance(61.9)
    assert (auth.now() - before).total_seconds() == 61
    assert auth.now().microsecond == 0 and auth.now().tzinfo is None
