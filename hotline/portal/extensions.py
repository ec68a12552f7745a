"""Typed access to what create_portal_app() attaches: the fair-conditions rules and the placements catalogue."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app

from hotline.norms import Norms
from hotline.portal.placements.catalogue import Catalogue
from hotline.portal.supervision.settings import SupervisionSettings

NORMS = "portal.norms"
CATALOGUE = "portal.catalogue"
SUPERVISION = "portal.supervision"


def norms(app: Flask | None = None) -> Norms:
    """Return the fair-conditions rules an offer is held against (the hotline's norms.toml and override)."""
    return cast(Norms, (app or current_app).extensions[NORMS])


def catalogue(app: Flask | None = None) -> Catalogue:
    """Return the programmes, learning areas, regions, decline reasons and fit weights."""
    return cast(Catalogue, (app or current_app).extensions[CATALOGUE])


def supervision(app: Flask | None = None) -> SupervisionSettings:
    """Return the supervision defaults per programme (supervision.toml)."""
    return cast(SupervisionSettings, (app or current_app).extensions[SUPERVISION])
