"""Tests of hotline.tokens: case token format, normalisation, check symbols and key derivation."""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest

from hotline import crypto, tokens

FIXED_SYMBOLS = "0123456789ABCDEFGHJKMNPQR"  # 25 symbols, holds both 0 and 1
FIXED = tokens._format(FIXED_SYMBOLS)
SALT = bytes(range(32))
TOKEN_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}-[0-9A-HJKMNP-TV-Z]{2}")


def compact(token: str) -> str:
    """Return the 27 symbols of a canonical token without dashes."""
    return token.replace("-", "")


def with_symbol(token: str, position: int, symbol: str) -> str:
    """Return the dashless token with the symbol at position replaced."""
    symbols = compact(token)
    return symbols[:position] + symbol + symbols[position + 1 :]


def other_symbol(symbol: str) -> str:
    """Return the next alphabet symbol after symbol (a deterministic 'typo')."""
    return tokens.ALPHABET[(tokens.ALPHABET.index(symbol) + 1) % len(tokens.ALPHABET)]


def key_bytes(keys: tokens.CaseKeys) -> tuple[bytes, bytes, bytes]:
    """Return the raw lookup key, reply private key and signing private key."""
    return (
        keys.lookup_key,
        crypto.raw_private(keys.reply_key),
        crypto.raw_private(keys.signing_key),
    )


# --- generate ----------------------------------------------------------------------------


def test_generate_has_five_groups_of_five_and_two_check_symbols() -> None:
    token = tokens.generate()
    groups = token.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5, 5, 2]
    assert all(c in tokens.ALPHABET for c in compact(token))
    assert TOKEN_RE.fullmatch(token)
    assert tokens.normalise(token) == token


def test_generate_gives_different_tokens_of_125_bits() -> None:
    assert len({tokens.generate() for _ in range(50)}) == 50
    assert len(tokens.ALPHABET) == 32 and len(set(tokens.ALPHABET)) == 32
    assert tokens.SYMBOLS * 5 == 125
    assert not set("ILOU") & set(tokens.ALPHABET)


def test_every_symbol_of_a_token_is_drawn_from_the_whole_alphabet() -> None:
    """One random number of 125 bits, cut into 25 symbols: no position may be stuck or lean to a few symbols."""
    drawn = [compact(tokens.generate())[: tokens.SYMBOLS] for _ in range(3000)]
    for position in range(tokens.SYMBOLS):
        seen = Counter(token[position] for token in drawn)
        assert set(seen) == set(tokens.ALPHABET)
        assert max(seen.values()) < 3 * 3000 / 32  # about 94 each; 282 would be far outside chance


# --- normalise ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        FIXED,
        FIXED.lower(),
        compact(FIXED),
        compact(FIXED).lower(),
        FIXED.replace("-", " "),
        "  " + FIXED.replace("-", "   ") + "\n",
        FIXED.replace("0", "O"),
        FIXED.replace("0", "o").replace("1", "i"),
        FIXED.replace("1", "I"),
        FIXED.replace("1", "L"),
        FIXED.replace("1", "l").replace("0", "O").replace("-", ""),
    ],
    ids=[
        "canonical",
        "lower",
        "no-dashes",
        "lower-no-dashes",
        "spaces",
        "extra-space",
        "O-for-0",
        "o-and-i",
        "I-for-1",
        "L-for-1",
        "all-mixed",
    ],
)
def test_normalise_accepts_typed_variants(typed: str) -> None:
    assert tokens.normalise(typed) == FIXED


def test_normalise_maps_confusables_of_generated_token() -> None:
    token = tokens.generate()
    while not {"0", "1"} & set(token):
        token = tokens.generate()
    typed = token.lower().replace("0", "o").replace("1", "l").replace("-", " ")
    assert tokens.normalise(typed) == token


# --- check symbols ---------------------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1, 4, 5, 12, 19, 24, 25, 26])
def test_typo_raises_checksum_error(position: int) -> None:
    typo = with_symbol(FIXED, position, other_symbol(compact(FIXED)[position]))
    with pytest.raises(tokens.TokenChecksumError):
        tokens.normalise(typo)


@pytest.mark.parametrize("position", [25, 26])
def test_any_check_symbol_typo_is_caught(position: int) -> None:
    """The check symbols are a function of the body: changing one always mismatches."""
    token = tokens.generate()
    for symbol in tokens.ALPHABET:
        if symbol != compact(token)[position]:
            with pytest.raises(tokens.TokenChecksumError):
                tokens.normalise(with_symbol(token, position, symbol))


def test_single_symbol_typos_are_almost_all_caught() -> None:
    """Ten check bits from SHA-256 miss about 1 in 1024 substitutions, no more."""
    symbols = compact(FIXED)
    missed = 0
    for position in range(len(symbols)):
        for symbol in tokens.ALPHABET.replace(symbols[position], ""):
            try:
                tokens.normalise(with_symbol(FIXED, position, symbol))
                missed += 1
            except tokens.TokenChecksumError:
                pass
    assert missed <= 3  # of 27 * 31 = 837 typos


def test_checksum_error_comes_before_any_derivation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_hkdf(*args: Any, **kwargs: Any) -> bytes:
        pytest.fail("hkdf was called for a token with a typo")

    monkeypatch.setattr(tokens, "hkdf", no_hkdf)
    typo = with_symbol(FIXED, 3, other_symbol(compact(FIXED)[3]))
    with pytest.raises(tokens.TokenChecksumError):
        tokens.derive(typo, SALT)


# --- malformed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        compact(FIXED)[:-1],
        FIXED[:-3],
        compact(FIXED) + "0",
        FIXED + "-00000",
        FIXED[:5] + "U" + FIXED[6:],
        FIXED[:5] + "!" + FIXED[6:],
        "U" * 27,
        FIXED.replace("-", "_"),
    ],
    ids=[
        "empty",
        "one-short",
        "group-short",
        "one-long",
        "group-long",
        "U",
        "bang",
        "all-U",
        "underscores",
    ],
)
def test_malformed_token_raises_malformed_token(text: str) -> None:
    with pytest.raises(tokens.MalformedToken):
        tokens.normalise(text)


def test_token_errors_are_value_errors() -> None:
    assert issubclass(tokens.MalformedToken, tokens.TokenError)
    assert issubclass(tokens.TokenChecksumError, tokens.TokenError)
    assert issubclass(tokens.TokenError, ValueError)


# --- derive ---------------------------------------------------------------------------------------


def test_derive_is_deterministic() -> None:
    token = tokens.generate()
    first, second = tokens.derive(token, SALT), tokens.derive(token, SALT)
    assert key_bytes(first) == key_bytes(second)
    assert first.reply_public == second.reply_public
    assert first.signing_public == second.signing_public


def test_derive_with_other_salt_gives_other_keys() -> None:
    token = tokens.generate()
    ours, theirs = (
        key_bytes(tokens.derive(token, SALT)),
        key_bytes(tokens.derive(token, os.urandom(32))),
    )
    for mine, other in zip(ours, theirs, strict=True):
        assert mine != other


def test_derive_with_other_token_gives_other_keys() -> None:
    ours, theirs = (
        key_bytes(tokens.derive(tokens.generate(), SALT)),
        key_bytes(tokens.derive(tokens.generate(), SALT)),
    )
    for mine, other in zip(ours, theirs, strict=True):
        assert mine != other


def test_derived_keys_differ_from_each_other() -> None:
    keys = tokens.derive(tokens.generate(), SALT)
    lookup, reply, signing = key_bytes(keys)
    assert len({lookup, reply, signing}) == 3
    assert all(len(k) == 32 for k in (lookup, reply, signing))
    assert len({keys.reply_public, keys.signing_public, lookup}) == 3


@pytest.mark.parametrize(
    "typed",
    [
        FIXED.lower(),
        compact(FIXED),
        compact(FIXED).lower(),
        FIXED.replace("-", " "),
        FIXED.replace("0", "O"),
    ],
    ids=["lower", "no-dashes", "lower-no-dashes", "spaces", "O-for-0"],
)
def test_derive_from_typed_variant_equals_canonical(typed: str) -> None:
    assert key_bytes(tokens.derive(typed, SALT)) == key_bytes(tokens.derive(FIXED, SALT))


# --- lookup digest -------------------------------------------------------------------------------


def test_lookup_digest_depends_on_pepper() -> None:
    lookup = tokens.derive(tokens.generate(), SALT).lookup_key
    assert tokens.lookup_digest(lookup, b"pepper-one") != tokens.lookup_digest(lookup, b"pepper-two")
    assert tokens.lookup_digest(lookup, b"pepper-one") == tokens.lookup_digest(lookup, b"pepper-one")


def test_lookup_digest_is_64_hex_without_lookup_key() -> None:
    lookup = tokens.derive(tokens.generate(), SALT).lookup_key
    digest = tokens.lookup_digest(lookup, os.urandom(32))
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert lookup.hex() not in digest
    assert digest != lookup.hex()
