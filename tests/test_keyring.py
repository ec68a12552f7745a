"""The keyring remembers only verifications of the exact bytes on disk."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import DemoMaterial, publish

from hotline import crypto
from hotline.keyring import INSTITUTION_FILE, Keyring, KeyringError, institution_document, key_list_path, write_json


def keyring_of(tmp_path: Path, material: DemoMaterial) -> Keyring:
    write_json(tmp_path / "keys" / INSTITUTION_FILE, institution_document(material.institution.ed25519.public_key()))
    return Keyring(tmp_path / "keys", crypto.institution_fingerprint(material.institution.ed25519.public_key()))


def test_a_new_list_on_disk_is_verified_afresh(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=1)
    assert ring.verified("hbo-ict").version == 1
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=2)
    assert ring.verified("hbo-ict").version == 2


def test_a_tampered_list_is_refused_after_a_verified_one(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public])
    ring.verified("hbo-ict")
    path = key_list_path(ring.keys_dir, "hbo-ict")
    document = json.loads(path.read_text())
    document["body"] = document["body"].replace('"version":1', '"version":9')
    path.write_text(json.dumps(document))
    with pytest.raises(KeyringError, match="bad signature"):
        ring.verified("hbo-ict")
    with pytest.raises(KeyringError, match="bad signature"):
        ring.verified("hbo-ict")  # a failure is never remembered as a success


def test_a_rollback_is_refused_even_when_the_list_was_verified_before(tmp_path: Path, material: DemoMaterial) -> None:
    ring = keyring_of(tmp_path, material)
    publish(ring.keys_dir, material, "hbo-ict", [material.handlers["hbo-ict"].public], version=1)
    ring.verified("hbo-ict")
    with pytest.raises(KeyringError, match="older"):
        ring.verified("hbo-ict", min_version=2)


def test_every_loop_over_a_cases_key_lists_locks_its_destinations_in_slug_order(
    client: Any, app: Any, monkeypatch: Any
) -> None:
    """Keyring.for_destination may update a destination's row; every caller visits them by slug (for_slugs' order),
    so that two requests never lock two destination rows in opposite orders."""
    from conftest import file_report

    from hotline import cases, checks, extensions
    from hotline.casework import sealed, service
    from hotline.keyring import Keyring
    from hotline.models import Case
    from hotline.reports import service as reports_service

    file_report(client, category="labour.working_hours")  # to the Labour Inspectorate and the programme
    visited: list[str] = []
    real = Keyring.for_destination
    monkeypatch.setattr(Keyring, "for_destination", lambda self, s, d: visited.append(d.slug) or real(self, s, d))
    with app.app_context():
        session = app.extensions["hotline.sessionmaker"]()
        ring = extensions.keyring(app)
        case = session.query(Case).one()
        case.routes.sort(key=lambda route: route.destination.slug, reverse=True)  # as the rows may come back
        routed = sorted(route.destination.slug for route in case.routes)
        assert len(routed) == 2
        handler = SimpleNamespace(kid="0" * 64, destinations=[r.destination for r in case.routes])  # no such key
        for call in (
            lambda: service.signed_key_lists(session, ring, case),
            lambda: service.signer_names(session, ring, case),
            lambda: cases.key_lists(session, ring, case),
            lambda: reports_service._handler_keys(session, ring, case),
            lambda: sealed.own_key(session, ring, handler, case),
        ):
            visited.clear()
            try:
                call()
            except checks.Refused:
                pass  # own_key found no key for the made-up kid, after visiting every destination in order
            assert visited[: len(routed)] == routed, visited
        session.rollback()
        session.close()
