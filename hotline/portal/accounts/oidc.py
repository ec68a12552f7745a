"""Logging in through the institution (SURFconext) by OpenID Connect: Authlib's client, and its claims into a user.

The portal keeps the pseudonymous `sub` and only the claims it needs: a name to greet by, an e-mail address and
the role its affiliation maps to. Authlib's Flask client sends PKCE (S256), a state and a nonce, keeps them in
the session until the provider sends the user back, and checks the ID token's signature, issuer, audience and nonce.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.security import is_secure_transport
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from hotline.portal.accounts.models import OFFICE_GIVES, User
from hotline.portal.config import PortalConfigError

CLIENT = "institution"  # the name the provider is registered under in Authlib's registry
EXTENSION = "portal.oidc"
NO_ROLE = ""  # an affiliation that maps to no role: no access until the office gives one
LOGIN_ROLES = OFFICE_GIVES
TIMEOUT = 10  # seconds for each call to the provider: one that hangs must not hold a worker


class OidcError(Exception):
    """The provider's answer cannot log anyone in; the message says why, never with a secret or token."""


@dataclass(frozen=True)
class Claims:
    """What the portal takes from the provider: the subject, a name, an e-mail address and the affiliations."""

    subject: str
    name: str
    email: str | None
    affiliations: tuple[str, ...]


@dataclass(frozen=True)
class Provider:
    """The registered Authlib client and how the claims are read."""

    client: Any  # authlib's FlaskOAuth2App, which has no type hints
    name_claim: str
    email_claim: str
    affiliation_claim: str
    roles: dict[str, str]


def role_map(text: str) -> dict[str, str]:
    """Read HOTLINE_PORTAL_OIDC_ROLES, "affiliation=role,...", in order; raise PortalConfigError if wrong."""
    roles: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        affiliation, equals, role = (word.strip() for word in pair.partition("="))
        if not equals or not affiliation or role not in LOGIN_ROLES:
            raise PortalConfigError(
                f"HOTLINE_PORTAL_OIDC_ROLES: {pair!r} must be affiliation=role, the role one of "
                f"{', '.join(LOGIN_ROLES)} (a host contact logs in by invitation)"
            )
        roles.setdefault(affiliation.lower(), role)
    return roles


def init_app(app: Flask) -> None:
    """Register the institution's provider when a discovery URL is set; raise PortalConfigError if incomplete."""
    config = app.config
    url = config["OIDC_DISCOVERY_URL"]
    if not url:
        return
    missing = [f"HOTLINE_PORTAL_OIDC_{key}" for key in ("CLIENT_ID", "CLIENT_SECRET") if not config[f"OIDC_{key}"]]
    if missing:
        raise PortalConfigError(f"{' and '.join(missing)} must be set when HOTLINE_PORTAL_OIDC_DISCOVERY_URL is")
    if not is_secure_transport(url):  # https, or http on the loopback only
        raise PortalConfigError("HOTLINE_PORTAL_OIDC_DISCOVERY_URL must start with https://")
    if "openid" not in str(config["OIDC_SCOPES"]).split():
        raise PortalConfigError("HOTLINE_PORTAL_OIDC_SCOPES must include openid")
    roles = role_map(str(config["OIDC_ROLES"]))
    client = OAuth(app).register(
        CLIENT,
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=url,  # read on the first login, not at start
        client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256", "default_timeout": TIMEOUT},
    )
    app.extensions[EXTENSION] = Provider(
        client, config["OIDC_NAME_CLAIM"], config["OIDC_EMAIL_CLAIM"], config["OIDC_AFFILIATION_CLAIM"], roles
    )


def provider() -> Provider | None:
    """Return the institution's provider, or None when the portal has no institution login."""
    return cast(Provider | None, current_app.extensions.get(EXTENSION))


def _text(value: Any, limit: int) -> str | None:
    return (value.strip()[:limit] or None) if isinstance(value, str) else None


def claims_of(found: Provider, id_token: Mapping[str, Any], userinfo: Mapping[str, Any]) -> Claims:
    """Read the claims the portal needs from the checked ID token and the userinfo answer; ignore the rest."""
    subject = id_token.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise OidcError("the ID token has no usable sub")
    if userinfo.get("sub", subject) != subject:  # OpenID Connect Core 5.3.2: it must be the same person
        raise OidcError("the userinfo answer is about another sub than the ID token")
    values = {**id_token, **userinfo}
    raw = values.get(found.affiliation_claim)
    listed = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    affiliations = tuple(item.strip().lower() for item in listed if isinstance(item, str))
    email = _text(values.get(found.email_claim), 320)
    return Claims(subject, _text(values.get(found.name_claim), 200) or email or "", email, affiliations)


def role_for(affiliations: tuple[str, ...], roles: Mapping[str, str]) -> str:
    """Return the role of the first configured affiliation the user has, or NO_ROLE."""
    return next((role for affiliation, role in roles.items() if affiliation in affiliations), NO_ROLE)


def start(found: Provider, redirect_uri: str) -> Response:
    """Send the user to the provider, with the state, nonce and PKCE challenge kept in the session."""
    try:
        return cast(Response, found.client.authorize_redirect(redirect_uri))
    except (requests.RequestException, ValueError) as exc:  # ValueError: discovery answered with no JSON
        raise OidcError(f"the provider's discovery document could not be read: {type(exc).__name__}") from exc


def complete(found: Provider) -> Claims:
    """Take the provider's answer on the callback: check state, code (PKCE) and ID token, and read the claims."""
    try:
        token = found.client.authorize_access_token()
        id_token = token.get("userinfo")
        if not id_token:
            raise OidcError("the provider sent no ID token")
        metadata = found.client.load_server_metadata()
        # SURFconext gives most attributes at the userinfo endpoint rather than in the ID token.
        userinfo = found.client.userinfo(token=token) if metadata.get("userinfo_endpoint") else {}
    except OAuthError as exc:
        raise OidcError(f"the provider's answer was refused: {exc.error}") from exc
    except JoseError as exc:
        raise OidcError(f"the ID token was refused: {type(exc).__name__}") from exc
    except requests.RequestException as exc:
        raise OidcError(f"the provider could not be reached: {type(exc).__name__}") from exc
    return claims_of(found, id_token, userinfo)


def sign_in(session: Session, claims: Claims, roles: Mapping[str, str]) -> User:
    """Find the user by subject and update their name and e-mail, or add them with the mapped role (or none).

    A role once given stays: the office may have changed it, and it is the portal's to keep. A user still
    without a role gets the mapped one when their affiliation has come to map to one.
    """
    user = session.scalar(select(User).where(User.subject == claims.subject))
    role = role_for(claims.affiliations, roles)
    if user is None:
        user = User(
            id=secrets.token_hex(16),
            role=role,
            name=claims.name,
            email=claims.email,
            subject=claims.subject,
            active=role != NO_ROLE,
            created_on=dt.date.today(),
        )
        session.add(user)
    else:
        user.name, user.email = claims.name or user.name, claims.email
        if user.role == NO_ROLE and role != NO_ROLE:
            user.role, user.active = role, True
    session.flush()
    return user
