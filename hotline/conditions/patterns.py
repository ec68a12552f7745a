"""What each field looks like in Dutch and English agreements: one rule per way of writing it, in order of trust.

A wrong suggestion is worse than none, so each rule asks for the words around a value (a label, a unit,
"per maand"), and refuses a match that is denied, conditional, or about something else (travel costs,
the minimum wage, the school's supervisor).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hotline.conditions.text import (
    AMOUNT,
    COUNT,
    DATE,
    NUMBER,
    TIME,
    decimal,
    form_number,
    money,
    parse_count,
    parse_date,
)

FIELD_ORDER = (
    "start", "end", "hours_per_week", "longest_day", "days_per_week", "night_work", "weekend_work", "under_18",
    "allowance", "allowance_period", "tasks", "tasks_match", "staff_signals", "learning_plan", "evaluations",
    "supervisor", "contact_moments", "sector", "written_agreement", "parts",
)  # fmt: skip
Values = dict[str, str | tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """A way a field is written: the pattern, and how a match becomes form values (None: not after all)."""

    pattern: re.Pattern[str]
    read: Callable[[re.Match[str]], Values | None]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_DENIED_BEFORE = _re(r"\b(?:geen|niet|nooit|zonder|no|not|never|without)\b[^.;:]*$")
_DENIED_AFTER = _re(r"^[^.;]*?\b(?:niet|verboden|uitgesloten|vrij|not|prohibited|forbidden|excluded|off)\b")
_IF_BEFORE = _re(r"\b(?:indien|als|wanneer|tenzij|if|unless|when|where)\b[^.;:]*$")


def _denied(match: re.Match[str], *, before: int = 40, after: int = 30) -> bool:
    """Tell whether the clause around a match denies it ("geen nachtdiensten") or makes it a condition."""
    head = match.string[max(0, match.start() - before) : match.start()]
    tail = match.string[match.end() : match.end() + after]
    return bool(_DENIED_BEFORE.search(head) or _IF_BEFORE.search(head) or _DENIED_AFTER.search(tail))


_DENIED_WITHIN = _re(r"\b(?:geen|niet|nooit|vrij|no|not|never|free|off)\b")


def _yes(field: str) -> Callable[[re.Match[str]], Values | None]:
    """Read a key phrase as "yes" unless its clause denies it ("de stagiair werkt niet in het weekend")."""
    return lambda match: None if _denied(match) or _DENIED_WITHIN.search(match[0]) else {field: "yes"}


def _period(match: re.Match[str]) -> Values | None:
    start, end = parse_date(match["start"]), parse_date(match["end"])
    if start is None or end is None or not 0 < (end - start).days <= 2 * 366:
        return None
    return {"start": start.isoformat(), "end": end.isoformat()}


def _date(field: str) -> Callable[[re.Match[str]], Values | None]:
    def read(match: re.Match[str]) -> Values | None:
        day = parse_date(match["date"])
        return {field: day.isoformat()} if day else None

    return read


_LAWS = _re(r"\b(?:wet\w*|wettelijk\w*|arbeidstijdenwet|law|legal\w*|act)\b")


def _hours(match: re.Match[str]) -> Values | None:
    hours = decimal(match["n"])
    if hours is None or not 1 <= hours <= 80 or _LAWS.search(match.string) or _denied(match):
        return None  # a law's maximum is not the agreed hours
    return {"hours_per_week": form_number(hours)}


def _days(match: re.Match[str]) -> Values | None:
    days = parse_count(match["n"])
    return {"days_per_week": str(days)} if 1 <= days <= 7 else None


def _count(match: re.Match[str]) -> Values | None:
    count = parse_count(match["n"])
    return {"contact_moments": str(count)} if 0 <= count <= 20 and not _denied(match, after=0) else None


_NOT_ALLOWANCE = _re(
    r"reis\w*|onkosten\w*|kilometer\w*|\bkm\b|minimum\s*loon|minimumloon\w*|wettelijk\w*|\bcao\b|loon\b"
    r"|travel\w*|expenses|mileage|minimum\s+wage|statutory|\bsalary\b|\bwage"
)
_FOR_COSTS = _re(r"^\W*(?:voor|ter\s+dekking\s+van|for|to\s+cover)\s+(?:reis|onkosten|travel|expenses|kilometer)")
PERIODS = {
    "month": r"per\s+(?:kalender)?maand|per\s+month|p/m|p\.m\.|/\s*(?:maand|mnd|month)\b|(?:a|each)\s+month|monthly"
    r"|maandelijks",
    "week": r"per\s+week|/\s*week\b|(?:a|each)\s+week|weekly|wekelijks",
    "hour": r"per\s+(?:gewerkt(?:e)?\s+)?(?:uur|hour)|/\s*(?:uur|hour|u)\b|(?:an|each)\s+hour|hourly",
    "total": r"(?:voor|over)\s+de\s+(?:gehele|hele|volledige|totale)\s+stage(?:periode)?"
    r"|for\s+the\s+(?:entire|whole|full)\s+(?:internship|placement)(?:\s+period)?|in\s+total|in\s+totaal|\(?totaal\)?"
    r"|eenmalig|one-off|lump\s+sum",
}
_PERIOD = "|".join(f"(?P<{code}>{words})" for code, words in PERIODS.items())
_ALLOWANCE_WORD = r"\b(?:stagevergoeding(?:en)?|vergoeding|stagegeld|allowance|stipend|remuneration)\b"


def _allowance(match: re.Match[str]) -> Values | None:
    amount = money(match["amount"] or match["amount_after"])
    head = match.string[max(0, match.start("money") - 40) : match.start("money")]
    gap = match["gap"] or ""
    if amount is None or amount <= 0 or _NOT_ALLOWANCE.search(gap) or _FOR_COSTS.search(match.string[match.end() :]):
        return None
    if _NOT_ALLOWANCE.search(head) and not re.search(_ALLOWANCE_WORD, head[-25:], re.IGNORECASE):
        return None  # "het minimumloon van € 14,71 per uur" is not what the intern is paid
    period = next(code for code in PERIODS if match[code])
    return {"allowance": form_number(amount, cents=True), "allowance_period": period}


def _no_allowance(match: re.Match[str]) -> Values | None:
    if _IF_BEFORE.search(match.string[max(0, match.start() - 40) : match.start()]):
        return None  # "indien geen stagevergoeding wordt betaald" is a condition, not a fact
    if _FOR_COSTS.search(match.string[match.end() :]):
        return None  # "geen vergoeding voor reiskosten" is about expenses
    return {"allowance_period": "none"}


_HOST = (
    r"(?:stagebieder|stageverlener|stageadres|stageorganisatie|stagebedrijf|leerbedrijf|organisatie|bedrijf|werkgever)"
)
_FOR_HOST = rf"\s+(?:namens|vanuit|van|bij)\s+(?:de\s+|het\s+)?{_HOST}"
_HOST_SUPERVISOR = (
    rf"(?:(?:praktijkbegeleider|werkbegeleider|praktijkopleider|bedrijfsbegeleider|leermeester)(?:{_FOR_HOST})?"
    rf"|(?:stage)?begeleider{_FOR_HOST}"
    r"|(?:host|company|workplace|on-?site|industry|field)\s+(?:organi[sz]ation\s+)?supervisor"
    r"|supervisor\s+(?:at|from|of|on\s+behalf\s+of)\s+the\s+(?:host|company|organi[sz]ation|employer)"
    r"(?:\s+organi[sz]ation)?)"
)
_NAME = (
    r"(?:(?:mevrouw|meneer|de\s+heer|dhr|mevr|mw|mr|mrs|ms|dr|drs|ir|ing|prof)\.?\s+)?"
    r"(?P<name>(?-i:[A-Z])[\w'.-]*(?:\s+(?:[\w'.-]+)){0,4})"
)
_PLACEHOLDERS = {"naam", "name", "nvt", "n.v.t.", "tbd", "nnb", "n.n.b."}


def _supervisor(match: re.Match[str]) -> Values | None:
    return None if match["name"].split()[0].lower() in _PLACEHOLDERS else {"supervisor": "yes"}


_WORK = r"(?:werk\w*|dienst\w*|rooster\w*|ingeroosterd|stagedag\w*|work\w*|shifts?|rota|rostered)"
_WEEKEND = r"(?:zaterdag(?:en)?|zondag(?:en)?|weekends?|saturdays?|sundays?)"

RULES: tuple[Rule, ...] = (
    # start and end
    Rule(_re(rf"(?P<start>{DATE})\s*(?:tot\s+en\s+met|t/m|t\.m\.|tot|until|till|through|to|-|–|—)\s*(?P<end>{DATE})"), _period),
    Rule(_re(rf"\b(?:begindatum|startdatum|ingangsdatum|aanvangsdatum|datum\s+van\s+aanvang|eerste\s+stagedag|start(?:ing)?\s+date|commencement\s+date|(?:stage|internship)\s+(?:begint|start|starts|begins|commences)(?:\s+op|\s+on)?)\b\s*[:|]?\s*(?:op\s+|on\s+)?(?P<date>{DATE})"), _date("start")),
    Rule(_re(rf"\b(?:einddatum|datum\s+van\s+beëindiging|laatste\s+stagedag|end(?:ing)?\s+date|finish\s+date|(?:stage|internship)\s+(?:eindigt|ends|finishes)(?:\s+op|\s+on)?)\b\s*[:|]?\s*(?:op\s+|on\s+)?(?P<date>{DATE})"), _date("end")),
    # hours a week: "36 uur per week", "Uren per week | 36", "working hours: 38 per week"
    Rule(_re(rf"(?<![\d.,:])(?P<n>{NUMBER})\s*(?:uur|uren|u\.?|hours?|hrs\.?)\s*(?:per|a|each|every|/|in\s+de)\s*week\b"), _hours),
    Rule(_re(rf"\b(?:uren|uur|hours|werkuren|stage-?uren)\s+per\s+week\b\s*[:|]?\s*(?P<n>{NUMBER})(?![\d:.,])(?!\s*(?:dagen|days))"), _hours),
    Rule(_re(rf"\b(?:weekly\s+hours|working\s+hours|werkuren|arbeidsduur|werktijd|stage-?uren)\b\s*[:|]?\s*(?P<n>{NUMBER})\s*(?:uur|uren|hours?)?\s*(?:per|a|/)\s*week\b"), _hours),
    # days a week
    Rule(_re(rf"\b(?P<n>{COUNT})\s*(?:werkdagen|stagedagen|dagen|dag|working\s+days|workdays|days?)\s*(?:per|a|each|every|/|in\s+de)\s*week\b"), _days),
    Rule(_re(rf"\b(?:werkdagen|stagedagen|dagen|working\s+days|days)\s+per\s+week\b\s*[:|]?\s*(?P<n>{COUNT})\b(?![\d:.,])"), _days),
    # allowance: the amount must follow the allowance's name (or be called it) and carry what it is per
    Rule(_re(rf"{_ALLOWANCE_WORD}(?P<gap>[^€\d\n]{{0,60}}?)(?P<money>{AMOUNT})[^€\d\n]{{0,20}}?(?:{_PERIOD})"), _allowance),
    Rule(_re(rf"\b(?:stagevergoeding|vergoeding|allowance|stipend)\s+(?:{_PERIOD})\s*[:|]?\s*(?P<gap>(?:of\s+|van\s+)?)(?P<money>{AMOUNT})"), _allowance),
    Rule(_re(rf"(?P<money>{AMOUNT})[^€\d\n]{{0,20}}?(?:{_PERIOD})(?P<gap>[^€\d\n.]{{0,30}}?)\b(?:als|as)\s+(?:stagevergoeding|vergoeding|allowance|stipend)\b"), _allowance),
    Rule(_re(r"\b(?:geen|no|zonder|without)\s+(?:enkele\s+|financiële\s+|any\s+|financial\s+)?(?:stagevergoeding|vergoeding|allowance|stipend|remuneration)\b"), _no_allowance),
    Rule(_re(r"\b(?:onbetaalde\s+stage|stage\s+is\s+onbetaald|unpaid\s+(?:internship|placement)|internship\s+is\s+unpaid|will\s+not\s+receive\s+(?:an?|any)\s+(?:allowance|stipend|remuneration))\b"), _no_allowance),
    Rule(_re(r"\b(?:stagevergoeding|allowance)\s*[:|]\s*(?:geen|nee|none|no|nil|€\s*0(?:,00|,-)?)\s*$"), _no_allowance),
    # supervision and learning
    Rule(_re(rf"\b{_HOST_SUPERVISOR}\b\s*(?:[:|]|\bis\b|\bwordt\b)\s*{_NAME}"), _supervisor),
    Rule(_re(r"\b(?:stageplan|stagewerkplan|praktijkplan|leerplan|leerwerkplan|leerdoel(?:en)?|learning\s+(?:plan|goals?|objectives?|outcomes|agreement)|training\s+plan)\b"), _yes("learning_plan")),
    Rule(_re(r"(?<!risk\s)\b(?:evaluatie\w*|evalueren|evalueert|geëvalueerd|tussentijdse\s+beoordeling|eindbeoordeling|beoordelingsgesprek\w*|beoordelingsformulier\w*|evaluation|evaluations|evaluated|assessment|appraisal)\b"), _yes("evaluations")),
    Rule(_re(rf"(?<![\d.,])\b(?P<n>{COUNT})\s+(?:\w+\s+)?(?:contactmomenten|contactmoment|stagebezoeken|stagebezoek|bezoeken|driegesprekken|driehoeksgesprekken|(?:site\s+)?visits|contact\s+moments|(?:three-way|tripartite)\s+meetings)\b"), _count),
    # working times and the sector
    Rule(_re(r"\b(?:nachtdienst(?:en)?|nachtwerk|nachtelijke\s+diensten|night[\s-]?shifts?|night\s+work|night\s+duty)\b"), _yes("night_work")),
    Rule(_re(r"\b(?:weekenddienst(?:en)?|weekendwerk|weekend\s+shifts?|weekend\s+work)\b"), _yes("weekend_work")),
    Rule(_re(rf"\b(?:{_WORK}\b[^.;]{{0,60}}?\b{_WEEKEND}|{_WEEKEND}\b[^.;]{{0,40}}?\b{_WORK})\b"), _yes("weekend_work")),
    Rule(_re(r"\b(?:ziekenhuis|ziekenhuizen|zorginstelling(?:en)?|zorgorganisatie|patiëntenzorg|patientenzorg|verpleeghuis|verpleegafdeling|thuiszorg|ggz|hospital|care\s+home|nursing\s+home|patient\s+care)\b"), lambda match: {"sector": "healthcare"}),
)  # fmt: skip

HOURS_A_DAY = _re(
    rf"(?<![\d.,:])(?P<n>{NUMBER})\s*(?:uur|uren|hours?)\s*(?:per|a|each)\s*(?:werkdag|dag|working\s+day|day)\b"
)
TIME_RANGE = _re(
    rf"(?<![\d.:])(?P<start>{TIME})\s*(?:uur\s*)?(?:-|–|—|tot|to|until|till)\s*(?P<end>{TIME})(?![\d]|[.:]\d)"
)
WORK_TIME_CONTEXT = _re(
    r"\b(?:werk\w*|\w*dienst\w*|rooster\w*|stagedag\w*|arbeidstijd\w*|shifts?|work\w*|hours\s+of\s+work"
    r"|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday)\b"
)
_BREAK = _re(r"\b(?:pauze|lunch\w*|break)\b[^\d]{0,15}$")
BIRTH = _re(
    rf"\b(?:geboortedatum|geboren\s+op|date\s+of\s+birth|birth\s*date|born\s+on|d\.o\.b\.?)\s*[:|]?\s*(?P<date>{DATE})"
)


def hours_a_day(match: re.Match[str]) -> int | None:
    """Return the minutes of "8 uur per dag", or None if it is no working day."""
    hours = decimal(match["n"])
    return int(hours * 60) if hours is not None and 1 <= hours <= 16 and not _denied(match, after=0) else None


def is_break(match: re.Match[str]) -> bool:
    """Tell whether a time range is a break ("pauze 12:30 - 13:00"), not working time."""
    return bool(_BREAK.search(match.string[max(0, match.start() - 20) : match.start()]))


PARTS = {
    "parties": _re(r"\b(?:partijen|ondergetekenden|parties|undersigned)\b"),
    "supervisors": _re(r"\b(?:\w*begeleid\w*|supervis\w*|mentor\w*)\b"),
    "period": _re(r"\b(?:begindatum|einddatum|startdatum|start\s+date|end\s+date|stageperiode|stageduur|duur\s+van\s+de\s+stage|looptijd|periode|period|duration)\b"),
    "hours": _re(r"\b(?:werktijd\w*|werkuren|stage-?uren|(?:uur|uren)\s+per\s+(?:week|dag)|arbeidstijd\w*|werkdagen|vakantie\w*|verlof|working\s+hours|hours\s+(?:of\s+work|per\s+week)|working\s+days|holidays?|annual\s+leave)\b"),
    "allowance": _re(r"\b(?:stagevergoeding\w*|vergoeding|onkosten\w*|reiskosten\w*|allowance|stipend|expenses|remuneration)\b"),
    "tasks": _re(r"\b(?:werkzaamheden|taken|takenpakket|stageopdracht\w*|tasks|duties|activities)\b"),
    "learning_plan": _re(r"\b(?:stageplan|stagewerkplan|praktijkplan|leerplan|leerwerkplan|leerdoel(?:en)?|learning\s+(?:plan|goals?|objectives?|outcomes|agreement))\b"),
    "evaluation": _re(r"\b(?:evaluat\w*|evalueren|beoordeling\w*|eindbeoordeling|assessment|appraisal)\b"),
    "insurance": _re(r"\b(?:aansprakelijk\w*|verzeker\w*|liabilit\w*|liable|insurance|insured|insures)\b"),
    "confidentiality": _re(r"\b(?:geheimhouding\w*|vertrouwelijk\w*|confidential\w*|non-disclosure)\b"),
    "sick_leave": _re(r"\b(?:ziekte\w*|ziekmeld\w*|ziek|arbeidsongeschikt\w*|sick\w*|illness)\b"),
    "termination": _re(r"\b(?:beëindig\w*|beeindig\w*|opzeg\w*|ontbind\w*|ontbonden|termination|terminat\w*)\b"),
    "extra_staff": _re(r"\b(?:boventallig\w*|supernumerary|extra\s+staff|in\s+addition\s+to\s+(?:the\s+)?regular\s+staff|niet\s+ter\s+vervanging|niet\s+ingezet\s+(?:ter|als)\s+vervang\w*|not\s+(?:be\s+used\s+to\s+)?replace\w*\s+(?:regular|paid)\s+(?:staff|employees))\b"),
}  # fmt: skip
THREE_PARTIES = (
    _re(r"\b(?:student|stagiair\w*|intern|trainee)\b"),
    _re(r"\b(?:onderwijsinstelling|hogeschool|universiteit|opleiding|school|university|college)\b"),
    _re(r"\b(?:stagebieder|stageverlener|leerbedrijf|host|company|organi[sz]ation)\b"),
)
