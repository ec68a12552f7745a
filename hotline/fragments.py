"""Parts of pages that are the same for every request, rendered once per process, language and values.

Step one of the report form lists every category of the routing with its help, in each group's inert
template too: rendering that list on every load of the form cost about as much as the rest of the page. The
header and footer of every page, and the words around a token, are alike.

A template marks such a part with {% call cached("name", value, ...) %}...{% endcall %}: the key is the
name, the language and the values, which must be all the part depends on beyond the app's own routing,
institution and templates. Nothing of one request may be in a cached part: no form token (refused below), no
nonce, nothing a student typed (a form with errors passes unless=). A part with a form field for the token
raises, so such a mistake fails every test, never silently serves one visitor's token to the next.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from flask import Flask, current_app
from markupsafe import Markup

from hotline.form_tokens import FIELD
from hotline.i18n import get_locale

KEEP = 256  # parts kept per process; keys are codes of the routing and destinations, so far fewer ever occur
TOKEN_FIELD = f'name="{FIELD}"'


def escaped(rendered: object) -> Markup:
    """Return a part as an autoescaped template rendered it; anything else may hold unescaped text."""
    if not isinstance(rendered, Markup):
        raise TypeError("a cached part must come from an autoescaped template")
    return rendered


class Fragments:
    """One process's rendered parts, the least recently used dropped first."""

    def __init__(self) -> None:
        self.parts: OrderedDict[tuple[Hashable, ...], Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...], render: Callable[[], Markup]) -> Markup:
        """Return the part rendered for this key, rendering it if it is not kept."""
        with self.lock:
            found = self.parts.get(key)
            if found is not None:
                self.parts.move_to_end(key)
                return found
        rendered = escaped(render())  # outside the lock: two threads may both render a new part, once
        if TOKEN_FIELD in rendered:
            raise RuntimeError(f"the cached part {key[0]!r} holds a form token field: it must be left out")
        with self.lock:
            self.parts[key] = rendered
            while len(self.parts) > KEEP:
                self.parts.popitem(last=False)
        return rendered


def frozen(value: object) -> Hashable:
    """Return a value as a key: a mapping as its items in order (a template's list of programmes, say)."""
    if isinstance(value, Mapping):
        return tuple((key, frozen(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    if not isinstance(value, Hashable):
        raise TypeError(f"{type(value).__name__} cannot key a cached part")
    return value


def cached(name: str, *values: object, caller: Callable[[], Markup], unless: object = False) -> Markup:
    """Return a template part as rendered before for this name, language and values (a Jinja call block).

    With unless true (a form with errors, whose values are as typed), the part is rendered afresh and not kept.
    """
    app = current_app
    if unless or app.debug or app.jinja_env.auto_reload:  # templates edited while running: render them afresh
        return escaped(caller())
    fragments: Fragments = app.extensions["hotline.fragments"]
    return fragments.get((name, get_locale(), *(frozen(value) for value in values)), caller)


def init_app(app: Flask) -> None:
    """Give the app its store of rendered parts and its templates the cached() call."""
    app.extensions["hotline.fragments"] = Fragments()
    app.jinja_env.globals["cached"] = cached
