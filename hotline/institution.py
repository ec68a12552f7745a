"""The institution that runs this hotline: its name, logo, colours and a person to reach, on every page.

Read from institution.toml in the instance folder (institution.example.toml shows every key). The colours are
design tokens: /institution.css gives them to the theme, so no page carries an inline style.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app

from hotline import private_files

LANGUAGES = ("nl", "en")
EXAMPLE = "institution.example.toml"
EXAMPLE_LOGO = "institution-logo.example.svg"
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
LOGO_MAX_BYTES = 200 * 1024
# WCAG 2.1 AA for normal text (success criterion 1.4.3): the least contrast between text and its background.
MIN_CONTRAST = 4.5
COLOURS = {
    # token: (what it colours, the colour it must contrast with, or None)
    "primary": ("links, buttons and the header band", "white"),
    "primary_text": ("text on the primary colour", "primary"),
    "accent": ("the focus ring and highlights", None),
    "ink": ("body text", "white"),
}
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class InstitutionError(Exception):
    """institution.toml is missing or wrong; the message says what to change."""


@dataclass(frozen=True)
class Person:
    """A way to reach a person: a name or desk, a phone number, opening hours, an e-mail address."""

    name: dict[str, str]
    phone: str = ""
    email: str = ""
    hours: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Institution:
    name: dict[str, str]
    about: dict[str, str]
    colours: dict[str, str]
    contact: Person
    adviser: Person | None
    logo: bytes | None = None
    logo_type: str = ""

    @cached_property
    def version(self) -> str:
        """A short fingerprint of the tokens and logo, so a browser fetches them again when they change.

        Every page links both with it: hashed once per process, not on every page (the logo may be 200 KB).
        """
        digest = hashlib.sha256(repr((sorted(self.colours.items()), self.logo)).encode())
        return digest.hexdigest()[:12]

    def tokens_css(self) -> str:
        """The colours as CSS custom properties that css/theme.css builds the components on."""
        lines = [
            f"  --meldpunt-color-{name.replace('_', '-')}: {value};" for name, value in sorted(self.colours.items())
        ]
        return (
            "/* The institution's colours, from institution.toml. */\n.meldpunt-theme {\n" + "\n".join(lines) + "\n}\n"
        )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _text(data: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    ):
        raise InstitutionError(f"{where}: give [{key}] a Dutch (nl) and an English (en) text")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _person(data: Any, key: str, where: str, name_key: str) -> Person:
    if not isinstance(data, dict):
        raise InstitutionError(f"{where}: [{key}] must be a table")
    phone, email = data.get("phone", ""), data.get("email", "")
    if not isinstance(phone, str) or not isinstance(email, str):
        raise InstitutionError(f"{where}: {key}.phone and {key}.email are text")
    if not phone.strip() and not email.strip():
        raise InstitutionError(
            f"{where}: give [{key}] a phone number or an e-mail address, so a student can reach a person"
        )
    return Person(
        name=_text(data, name_key, f"{where} [{key}]"),
        phone=phone.strip(),
        email=email.strip(),
        hours=_text(data, "hours", f"{where} [{key}]", required=False),
    )


def parse(data: dict[str, Any], where: str, folder: Path | None) -> Institution:
    """Check institution.toml's contents and return the institution it describes."""
    colours = data.get("colours")
    if not isinstance(colours, dict):
        raise InstitutionError(f"{where}: [colours] is missing")
    for token in COLOURS:
        value = colours.get(token)
        if not isinstance(value, str) or not _HEX.fullmatch(value):
            raise InstitutionError(f'{where}: colours.{token} ({COLOURS[token][0]}) must be a colour like "#0b5563"')
    unknown = sorted(set(colours) - set(COLOURS))
    if unknown:
        raise InstitutionError(f"{where}: unknown colour {', '.join(unknown)} (known: {', '.join(COLOURS)})")
    resolved = {"white": "#ffffff", **{k: v.lower() for k, v in colours.items()}}
    for token, (what, against) in COLOURS.items():
        if against and contrast(resolved[token], resolved[against]) < MIN_CONTRAST:
            ratio = contrast(resolved[token], resolved[against])
            raise InstitutionError(
                f"{where}: colours.{token} ({what}) has a contrast of {ratio:.1f}:1 with {against}; "
                f"at least {MIN_CONTRAST}:1 is needed to be readable (WCAG AA)"
            )
    adviser = data.get("confidential_adviser")
    logo, logo_type = None, ""
    if data.get("logo"):
        if folder is None or not isinstance(data["logo"], str):
            raise InstitutionError(f"{where}: logo must name a file in the instance folder")
        path = folder / data["logo"]
        logo_type = LOGO_TYPES.get(path.suffix.lower(), "")
        if not logo_type:
            raise InstitutionError(f"{where}: the logo must be an .svg or .png file, not {path.name}")
        if path.name != data["logo"] or not path.is_file():
            raise InstitutionError(f"{where}: no logo file {data['logo']} in {folder}")
        logo = path.read_bytes()
        if len(logo) > LOGO_MAX_BYTES:
            raise InstitutionError(f"{where}: the logo is {len(logo) // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB")
    return Institution(
        name=_text(data, "name", where),
        about=_text(data, "about", where),
        colours={k: v.lower() for k, v in colours.items()},
        contact=_person(data.get("contact"), "contact", where, "label"),
        adviser=_person(adviser, "confidential_adviser", where, "name") if adviser is not None else None,
        logo=logo,
        logo_type=logo_type,
    )


def example_text() -> str:
    return resources.files("hotline").joinpath(EXAMPLE).read_text("utf-8")


def write_example(instance: Path) -> Path:
    """Put the fictitious example institution, and its logo, in an instance folder (for the demo)."""
    target = instance / "institution.toml"
    if not target.exists():
        private_files.write_text(target, example_text())
        logo = instance / tomllib.loads(example_text())["logo"]
        private_files.create(logo).write_bytes(resources.files("hotline").joinpath(EXAMPLE_LOGO).read_bytes())
    return target


def missing(path: Path) -> str:
    return (
        f"no {path}: say which institution runs this hotline, with a person to reach. "
        f"Copy {resources.files('hotline').joinpath(EXAMPLE)} there and fill it in."
    )


def load(path: Path) -> Institution:
    """Read institution.toml; without one, the fictitious example (serving then refuses: see require)."""
    if not path.exists():
        data = tomllib.loads(example_text())
        data.pop("logo", None)
        return parse(data, EXAMPLE, None)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InstitutionError(f"{path}: {exc}") from exc
    return parse(data, str(path), path.parent)


bp = Blueprint("institution", __name__)


def current() -> Institution:
    institution: Institution = current_app.extensions["hotline.institution"]
    return institution


@bp.get("/institution.css")
def tokens() -> Response:
    response = Response(current().tokens_css(), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 86400  # the link carries ?v=<version>, so a change is fetched at once
    return response


@bp.get("/institution-logo")
def logo() -> Response:
    institution = current()
    if institution.logo is None:
        abort(404)
    response = Response(institution.logo, mimetype=institution.logo_type)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def require(app: Flask) -> None:
    """Refuse to serve students without the instance's own institution.toml (tests and demos aside).

    The CLI's other commands (init, keys, cases) need no face, so only serving asks for it.
    """
    path = Path(app.config["INSTITUTION_FILE"])
    if not path.exists() and not (app.config.get("TESTING") or app.config.get("DEMO")):
        raise InstitutionError(missing(path))


def init_app(app: Flask) -> None:
    # A wrong institution.toml stops every command; a missing one stops serving only (require).
    app.extensions["hotline.institution"] = load(Path(app.config["INSTITUTION_FILE"]))
    app.register_blueprint(bp)
    app.context_processor(lambda: {"institution": current()})
