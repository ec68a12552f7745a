"""Every template builds its buttons, fields, headings, tables and alerts from the NL Design System components.

One look for one thing across the whole product (issue 12 part 1): a button is always a utrecht-button, a
heading's class matches its level, and no page keeps a home-made alert box beside the four alert kinds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
TAG = re.compile(r"<(button|table|h[1-6]|input|textarea|select|a)\b((?:[^>{]|\{\{.*?\}\}|\{%.*?%\})*)>", re.S)
CLASS = re.compile(r'\bclass="((?:[^"{]|\{\{.*?\}\}|\{%.*?%\})*)"', re.S)
TYPE = re.compile(r'\btype="([^"]+)"')
# What each element's class must contain: a component class, or the _ui.html macro that writes it.
NEEDS = {
    "button": ("utrecht-button", "ui.button("),
    "table": ("utrecht-table",),
    "textarea": ("utrecht-textarea", "ui.textarea("),
    "select": ("utrecht-select", "ui.select("),
}
INPUTS = {
    "radio": ("utrecht-radio-button",),
    "checkbox": ("utrecht-checkbox",),
    "text": ("utrecht-textbox", "ui.textbox("),
    "password": ("utrecht-textbox", "ui.textbox("),
    "date": ("utrecht-textbox", "ui.textbox("),
    "email": ("utrecht-textbox", "ui.textbox("),
    "number": ("utrecht-textbox", "ui.textbox("),
    "tel": ("utrecht-textbox", "ui.textbox("),
    "search": ("utrecht-textbox", "ui.textbox("),
    "url": ("utrecht-textbox", "ui.textbox("),
}
# Home-made look-alikes of the components that the design system replaced.
LEGACY = {"notice", "warning", "errors", "button", "secondary", "demo", "danger", "choice"}


def problems(path: Path) -> list[str]:
    text = path.read_text("utf-8")
    found = []
    for match in CLASS.finditer(text):
        tokens = set(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", match.group(1)).split())
        if tokens & LEGACY:
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: the home-made class {sorted(tokens & LEGACY)}")
    for match in TAG.finditer(text):
        tag, attrs = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        classes = CLASS.search(attrs)
        value = classes.group(1) if classes else ""
        kind = ""
        if tag.startswith("h"):
            if f"utrecht-heading-{tag[1]}" not in value:
                found.append(f"line {line}: <{tag}> without class utrecht-heading-{tag[1]}")
            continue
        if tag == "input":
            typed = TYPE.search(attrs)
            kind = typed.group(1) if typed else "text"
            needs = ("utrecht-",) if "{{" in kind else INPUTS.get(kind)  # _ui.html's choice: radio or checkbox
        elif tag == "a":
            needs = ("utrecht-button-link", "ui.button_link(") if "button" in value else None
        else:
            needs = NEEDS.get(tag)
        if needs and not any(need in value for need in needs):
            found.append(f"line {line}: <{tag}{' type=' + kind if tag == 'input' else ''}> without {needs[0]}")
    return found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_templates_use_the_design_system_components(path: Path) -> None:
    found = problems(path)
    assert not found, f"{path.relative_to(ROOT)}:\n" + "\n".join(found)


def test_the_check_catches_a_home_made_component(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<h2>Kop</h2>\n<button type="submit">Ok</button>\n<p class="notice">x</p><table></table>\n'
        '<input name="a"><input type="hidden" name="b"><input type="radio" class="{{ ui.choice() }}">\n'
        '<h1 class="utrecht-heading-1">Goed</h1><button class="{{ ui.button(\'secondary\') }}">Ok</button>'
        '<a class="button" href="/">x</a><a class="{{ ui.button_link() }}" href="/">y</a>',
        "utf-8",
    )
    found = problems(page)
    assert found == [
        "line 3: the home-made class ['notice']",
        "line 5: the home-made class ['button']",
        "line 1: <h2> without class utrecht-heading-2",
        "line 2: <button> without utrecht-button",
        "line 3: <table> without utrecht-table",
        "line 4: <input type=text> without utrecht-textbox",
        "line 4: <input type=radio> without utrecht-radio-button",
        "line 5: <a> without utrecht-button-link",
    ]
