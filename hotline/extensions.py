"""Typed access to what create_app() attaches to an app: the routing, the keyring and the image budget."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app

from hotline.attachments import ImageBudget
from hotline.keyring import Keyring
from hotline.norms import Norms
from hotline.routing import Routing


def routing(app: Flask | None = None) -> Routing:
    """Return the app's categories and routes (the current app by default)."""
    return cast(Routing, (app or current_app).extensions["hotline.routing"])


def keyring(app: Flask | None = None) -> Keyring:
    """Return the app's keyring of verified destination key lists (the current app by default)."""
    return cast(Keyring, (app or current_app).extensions["hotline.keyring"])


def image_budget(app: Flask | None = None) -> ImageBudget:
    """Return the app's budget for decoding images, with its gate shared by this process's threads."""
    return cast(ImageBudget, (app or current_app).extensions["hotline.images"])


def norms(app: Flask | None = None) -> Norms:
    """Return the app's fair-conditions rules (the current app by default)."""
    return cast(Norms, (app or current_app).extensions["hotline.norms"])
