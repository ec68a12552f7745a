"""Actions a student takes in the browser, and a handler's view of what arrived."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import agreements
import pytest
from conftest import PASSPHRASE, Account, Clock

from hotline import auth, cases, crypto, models, tokens

CANARY = "CANARY-browser-3b1e-omschrijving"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


def violations(page: Any, axe_source: str) -> list[str]:
    """Run axe (the axe_source fixture) on the page once it has loaded; describe each violation with its impact and
    targets. Before the load event a stylesheet may still be on its way, and axe would judge unstyled links and
    colours (seen in CI: link-in-text-block on a portal page, two workers at once)."""
    page.wait_for_load_state("load")
    page.evaluate(axe_source)
    result = page.evaluate(RUN_AXE, AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}" for v in result["violations"]]


def choose_category(page: Any, category: str) -> None:
    """Choose what happened on step one: the group, then the category within it.

    With JavaScript the group's categories appear in place; without, the form asks the server for them (?group=).
    """
    page.check(f'input[name="group"][value="{category.split(".")[0]}"]')
    choice = page.locator(f'input[name="category"][value="{category}"]')
    if not choice.count():
        page.click("#step1-form button[type=submit]")
        choice.wait_for()
    choice.check()


def choose_and_continue(page: Any, base: str, category: str, programme: str = "hbo-ict") -> None:
    """Fill step one of the report form and go on to step two."""
    page.goto(f"{base}/report")
    choose_category(page, category)
    page.select_option("#programme", programme)
    page.click("button[type=submit]")
    page.wait_for_selector("#description")


def file_with_js(watched: Any, base: str, description: str, category: str = "discrimination.origin") -> str:
    """File a report through the browser path and return the token shown."""
    page = watched.page
    choose_and_continue(page, base, category)
    page.wait_for_selector(".browser-path:not([hidden])")
    assert page.locator(".server-path").is_hidden()
    page.fill("#description", description)
    page.fill("#organisation", "Stagebedrijf BV")
    page.click("button[type=submit]")
    shown = page.wait_for_selector("[data-case-token]:not([data-case-token=''])")
    token = shown.get_attribute("data-case-token")
    assert token and shown.text_content() == token
    assert page.locator("[data-sealed-here]").is_visible()
    return str(token)


def open_status(watched: Any, base: str, token: str) -> str:
    """Look a case up on the status page and return the status shown."""
    page = watched.page
    page.goto(f"{base}/status")
    page.fill("#token", token)
    page.click("#status-form button[type=submit]")
    shown = page.wait_for_selector("[data-case-status]:not([data-case-status=''])")
    return str(shown.get_attribute("data-case-status"))


def open_as_handler(case: models.Case, key: crypto.PrivateKey) -> dict[str, bytes]:
    """Open what a handler key can read of a case, checking the reporter's signature.

    The handler keys have X-Wing keys, so every envelope must be v2 with an X-Wing wrap, and no classical one, for
    the handler (issue 17): from the browser and from the server path alike.
    """

    def verify_key(signer: str) -> bytes | None:
        return case.reporter_signing_key if signer == "reporter" else None

    opened = {}
    for record in case.envelopes:
        envelope = cases.envelope_of(record)
        if key.kid in envelope.kids() and record.direction == "to_handlers":
            assert key.xwing_seed is not None and envelope.header.version == 2
            assert [r.get("kem") for r in envelope.recipients if r["kid"] == key.kid] == [None]  # X-Wing only
            opened[record.kind] = crypto.open_envelope(
                envelope, key, verify_key=verify_key, reply_public_key=case.reply_public_key
            )
    return opened


def assert_reporter_post_quantum(envelope: crypto.Envelope, keys: tokens.CaseKeys) -> None:
    """The reporter's wrap of an envelope is an X-Wing wrap to the token's key, and the only wrap for their kid."""
    own = [r for r in envelope.recipients if r["kid"] == crypto.fingerprint(keys.reply_public)]
    assert envelope.header.version == 2 and [r.get("kem") for r in own] == [None]
    with pytest.raises(crypto.DecryptionFailed, match="X-Wing"):  # the classical reply key alone opens nothing
        crypto.open_envelope(envelope, keys.reply_key, verify_key=lambda _signer: None)


def log_in_with_browser(page: Any, base: str, clock: Clock, account: Account) -> None:
    """Log an enrolled handler in through the real form, with the next one-time code."""
    assert account.secret
    clock.advance(auth.TOTP_STEP_SECONDS)  # the enrolment (or the last login) used this step's code
    page.goto(f"{base}/casework/login")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.fill("#code", auth.totp(account.secret))
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/casework/**")


def log_in_and_unlock(
    watched: Any, base: str, clock: Clock, account: Account, case_id: str, key_file: Path, passphrase: str = PASSPHRASE
) -> Any:
    """Log in through the real form, open the case page, choose the key file and type its passphrase."""
    page = watched.page
    log_in_with_browser(page, base, clock, account)
    page.goto(f"{base}/casework/case/{case_id}")
    page.wait_for_selector("[data-reader]:not([hidden])")
    page.set_input_files("#key-file", str(key_file))
    page.fill("#unlock-phrase", passphrase)
    page.click("[data-key-form] button[type=submit]")
    page.wait_for_selector("[data-reader-notice]:not([hidden]), [data-reader-error]:not([hidden])")
    return page


def write_key_file(tmp_path: Path, key: crypto.PrivateKey) -> tuple[Path, dict[str, Any]]:
    document = crypto.export_private_key(key, PASSPHRASE)
    path = tmp_path / "sleutel.json"
    path.write_text(json.dumps(document), "utf-8")
    return path, document


# Adult terms that give every rule of the fair-conditions check a finding, nearly all of them problems.
UNFAIR = {
    "start": "1-2-2027",
    "end": "30-6-2027",
    "hours_per_week": "61",
    "longest_day": "13",
    "days_per_week": "7",
    "night_work": "yes",
    "weekend_work": "yes",
    "under_18": "no",
    "allowance": "0",
    "allowance_period": "month",
    "tasks": "Bedden opmaken, wassen en in de nachtdienst alleen op de afdeling staan",
    "tasks_match": "no",
    "staff_signals": ["rostered", "replaces_staff", "covers_absence", "beyond_competence"],
    "learning_plan": "no",
    "evaluations": "no",
    "supervisor": "no",
    "contact_moments": "1",
    "sector": "healthcare",
    "written_agreement": "yes",
    "parts": ["parties", "period"],
}


def fill_terms(page: Any, terms: dict[str, str | list[str]]) -> None:
    """Answer the questions of the check's form as a student does: type, click the radio buttons and boxes, choose."""
    form = page.locator("form.meldpunt-check-form")
    for name, value in terms.items():
        if isinstance(value, list):
            for code in value:
                form.locator(f"input[name={name}][value='{code}']").check()
        elif name == "sector":
            form.locator("#sector").select_option(value)
        elif form.locator(f"input[type=radio][name={name}]").count():
            form.locator(f"input[name={name}][value='{value}']").check()
        else:
            form.locator(f"#{name}").fill(value)


def check_terms(page: Any, base: str, terms: dict[str, str | list[str]]) -> None:
    """Fill in the check's form, send it and wait for the outcome."""
    page.goto(f"{base}/check")
    fill_terms(page, terms)
    page.click("form.meldpunt-check-form button[type=submit]")
    page.wait_for_selector("[data-rule]")


def write_agreement(folder: Path) -> Path:
    """Write a hogeschool's three-party agreement as a Word file (.docx), for the check to read."""
    path = folder / "stageovereenkomst.docx"
    path.write_bytes(agreements.docx_file(agreements.DUTCH_THREE_PARTY))
    return path


def read_agreement(page: Any, base: str, path: Path) -> None:
    """Upload an agreement on the check's page and wait for the form it fills in."""
    page.goto(f"{base}/check")
    page.set_input_files("#agreement", str(path))
    with page.expect_navigation():
        page.click("form[action$='/check/read'] button[type=submit]")
