"""(d) Sealing a report to 3 handlers with hotline.crypto.seal, against an OpenPGP subprocess per seal; v1 beside v2.

Run alone: python -m tests.benchmarks.bench_sealing
gpg (Debian's gnupg) encrypts the same bytes to 3 throwaway curve25519 keys in a temporary GNUPGHOME,
one `gpg --encrypt` process per seal as a naive design would. Without gpg the comparison is skipped.
Beside it, the floor: only the operations no seal to 3 keys can skip (floor_sealer), which bounds the
ratio any HPKE-per-recipient design reaches on this machine. Also prints the other core paths:
deriving case keys and unlocking a key file. And envelope v1 (X25519 wraps) beside v2 (X-Wing wraps, issue 17)
for the same 2 KiB report and 5 MiB attachment to 3 keys, with the size of each envelope.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hotline import crypto, tokens
from tests.benchmarks.timing import Row, print_rows, timed, timed_together

TARGET = 50  # times faster than gpg
REPORT = json.dumps({"description": "Tijdens mijn stage werd ik steeds anders behandeld. " * 38}).encode()[:2048]
ATTACHMENT_BYTES = 5 * 1024 * 1024


def gpg_keys(home: Path, gpg: str, number: int) -> list[str]:
    """Make throwaway curve25519 keys without passphrase; return their user ids."""
    users = [f"bench{n}@example.invalid" for n in range(number)]
    for user in users:
        subprocess.run(  # noqa: S603  (a fixed command on the local gpg)
            [gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", user]
            + ["future-default", "default", "never"],
            env=os.environ | {"GNUPGHOME": str(home)},
            check=True,
            capture_output=True,
        )
    return users


def gpg_sealer(home: Path, gpg: str, users: list[str]) -> Callable[[bytes], bytes]:
    """Return a function that encrypts bytes with one gpg process to every user."""
    command = [gpg, "--batch", "--quiet", "--trust-model", "always", "--encrypt", "--output", "-"]
    for user in users:
        command += ["--recipient", user]
    env = os.environ | {"GNUPGHOME": str(home)}

    def seal(data: bytes) -> bytes:
        done = subprocess.run(command, input=data, env=env, check=True, capture_output=True)  # noqa: S603
        return done.stdout

    return seal


def hotline_sealer(kind: str, post_quantum: bool = False) -> Callable[[bytes], crypto.Envelope]:
    """Return a function that seals bytes as a reporter to 3 handler keys: envelope v1, or v2 (X-Wing wraps)."""
    keys_of = (crypto.generate_key(f"h{n}", post_quantum=post_quantum) for n in range(3))
    recipients = [(key.kid, crypto.reader_of(key.public)) for key in keys_of]
    keys = tokens.derive(tokens.generate(), secrets.token_bytes(32))

    def seal(data: bytes) -> crypto.Envelope:
        return crypto.seal(
            data,
            kind=kind,
            direction="to_handlers",
            reply_public_key=keys.reply_public,
            recipients=recipients,
            signer="reporter",
            signing_key=keys.signing_key,
        )

    return seal


def floor_sealer() -> Callable[[bytes], object]:
    """Return the work no envelope to 3 keys can skip, alone: what sealing could cost at best on this machine.

    Per recipient one HPKE seal of a 32-byte key, as the design requires (an ephemeral X25519 key, a
    shared secret, HPKE's key schedule); the reporter signs once with Ed25519; AES-256-GCM and SHA-256 pass
    over the padded payload once each. No key commitment, header, padding copy or encoding.
    """
    recipients = [X25519PrivateKey.generate().public_key() for _ in range(3)]
    signer = Ed25519PrivateKey.generate()
    key, nonce = os.urandom(32), os.urandom(12)

    def work(data: bytes) -> object:
        for recipient in recipients:
            crypto.SUITE.encrypt(key, recipient, info=b"meldpunt/bench/floor")
        sealed = AESGCM(key).encrypt(nonce, data, None)
        return signer.sign(hashlib.sha256(sealed).digest())

    return work


def run(quick: bool = False) -> list[Row]:
    print("(d) sealing: hotline.crypto.seal to 3 handlers against one gpg process per seal", flush=True)
    attachment = os.urandom(ATTACHMENT_BYTES)
    cases = [
        ("a report of 2 KiB", REPORT, "report", 15 if quick else 60),
        ("a 5 MiB attachment", attachment, "attachment", 5 if quick else 15),
    ]
    ours, floors = {}, {}
    for label, data, kind, runs in cases:
        seal, work, padded = hotline_sealer(kind), floor_sealer(), bytes(crypto.padded_size(len(data) + 4))
        ours[label], floors[label] = timed_together(
            [
                (f"hotline seal, {label}", lambda s=seal, d=data: s(d)),
                (f"floor: 3 HPKE wraps, a signature, AES+SHA, {label}", lambda w=work, d=padded: w(d)),
            ],
            runs,
        )
    post_quantum = []
    for label, data, kind, runs in cases:  # envelope v1 beside v2 (issue 17): time and size
        v1, v2 = hotline_sealer(kind), hotline_sealer(kind, post_quantum=True)
        one, two = timed_together(
            [(f"envelope v1 (X25519 wraps), {label}", lambda s=v1, d=data: s(d)),
             (f"envelope v2 (X-Wing wraps), {label}", lambda s=v2, d=data: s(d))],
            runs,
        )  # fmt: skip
        sizes = [len(json.dumps(seal(data).to_json())) for seal in (v1, v2)]
        wraps = [len(crypto.b64d(seal(data).recipients[0]["wrap"])) for seal in (v1, v2)]
        print(f"  {label}: envelope JSON v1 {sizes[0]:,} bytes, v2 {sizes[1]:,} bytes (+{sizes[1] - sizes[0]:,}); "
              f"a wrap {wraps[0]} against {wraps[1]} bytes", flush=True)  # fmt: skip
        post_quantum += [
            Row("pq", f"seal {label} to 3 keys: v1 / v2", f"{one:.2f} / {two:.2f} ms (+{two - one:.2f} ms)"),
            Row("pq", f"  envelope JSON, {label}: v1 / v2", f"{sizes[0]:,} / {sizes[1]:,} bytes"),
        ]
    timed("derive case keys from a token", lambda: tokens.derive(tokens.generate(), b"s" * 32), 15 if quick else 50)
    handler = crypto.generate_key("bench")
    key_file = crypto.export_private_key(handler, "bench passphrase words here", crypto.PBKDF2_ITERATIONS)
    timed(
        "unlock a key file (PBKDF2, 600,000 iterations)",
        lambda: crypto.import_private_key(key_file, "bench passphrase words here"),
        3,
    )

    gpg = shutil.which("gpg")
    if gpg is None:
        print("  gpg is missing (apt-get install gnupg): the OpenPGP comparison is skipped", flush=True)
        return (
            [
                Row("d", f"seal {label}, hotline", f"{ms:.2f} ms", f">= {TARGET}x faster than gpg", None)
                for label, ms in ours.items()
            ]
            + [Row("d", "gpg comparison", "skipped: gpg missing", f">= {TARGET}x", None)]
            + post_quantum
        )
    rows = []
    with tempfile.TemporaryDirectory() as home:
        os.chmod(home, 0o700)
        users = gpg_keys(Path(home), gpg, 3)
        seal = gpg_sealer(Path(home), gpg, users)
        for label, data, _kind, runs in cases:
            theirs = timed(
                f"gpg --encrypt to 3 keys (a process), {label}", lambda d=data: seal(d), max(5, runs // 4), warm=True
            )
            ratio = theirs / ours[label]
            best = theirs / floors[label]
            print(
                f"  {label}: hotline {ratio:.0f}x faster (target >= {TARGET}x); the floor of any seal to 3 keys"
                f" is {best:.0f}x faster",
                flush=True,
            )
            rows.append(
                Row(
                    "d",
                    f"seal {label} to 3 keys: hotline / gpg",
                    f"{ours[label]:.2f} / {theirs:.1f} ms = {ratio:.0f}x",
                    f">= {TARGET}x",
                    ratio >= TARGET,
                )
            )
            rows.append(
                Row(
                    "d",
                    f"  floor of any seal to 3 keys / gpg, {label}",
                    f"{floors[label]:.2f} / {theirs:.1f} ms = {best:.0f}x",
                    "(the most this machine allows)",
                )
            )
        version = subprocess.run([gpg, "--version"], capture_output=True, text=True, check=True)  # noqa: S603
        print(f"  {version.stdout.splitlines()[0]}", flush=True)
    return rows + post_quantum


if __name__ == "__main__":
    print_rows(run())
