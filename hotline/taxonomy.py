"""Labels shared by the student and staff pages: case statuses, and the coarse sector and
internship phase a student may give (those two feed the anonymous statistics)."""

from __future__ import annotations

from hotline.i18n import gettext as _


def status_labels() -> dict[str, str]:
    """Return the case statuses in the current language."""
    return {
        "received": _("Ontvangen"),
        "in_progress": _("In behandeling"),
        "forwarded": _("Doorgestuurd"),
        "closed": _("Afgesloten"),
    }


SECTORS = {
    "healthcare": {"nl": "Zorg en welzijn", "en": "Healthcare and welfare"},
    "education": {"nl": "Onderwijs", "en": "Education"},
    "government": {"nl": "Overheid", "en": "Government"},
    "business": {"nl": "Zakelijke dienstverlening", "en": "Business services"},
    "ict": {"nl": "ICT en techniek", "en": "ICT and engineering"},
    "retail": {"nl": "Handel, horeca en recreatie", "en": "Retail, hospitality and leisure"},
    "industry": {"nl": "Industrie, bouw en logistiek", "en": "Industry, construction and logistics"},
    "culture": {"nl": "Cultuur, media en sport", "en": "Culture, media and sport"},
    "other": {"nl": "Anders", "en": "Other"},
}
PHASES = {
    "search": {"nl": "Bij het zoeken en de selectie", "en": "While looking and being selected"},
    "during": {"nl": "Tijdens de stage", "en": "During the internship"},
}
