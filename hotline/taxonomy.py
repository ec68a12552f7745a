"""The coarse sector and internship phase a student may give: they feed the anonymous statistics."""

from __future__ import annotations

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
