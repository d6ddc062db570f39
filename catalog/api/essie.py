"""ClinicalTrials.gov's query language for the API: ``query.*`` areas, ``filter.advanced`` and
``aggFilters``, read into ``Q`` objects on ``Trial``.

``filter.advanced`` takes the Essie operators people use: ``AREA[Field]value`` (a word, a
"quoted phrase", ``RANGE[a, b]`` or a parenthesised expression), ``RANGE[low, high]`` with
``MIN`` and ``MAX`` on dates, enrollment and ages, ``AND``, ``OR``, ``NOT`` and parentheses;
plain words search every text as ``query.term`` does. Anything else (an unknown area, another
Essie operator such as ``SEARCH[...]`` or ``EXPANSION[...]``, a value a field cannot hold) is
refused with a message that names it, never ignored.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db.models import Q

from catalog.models import (
    AgeGroup,
    AgencyClass,
    OverallStatus,
    Phase,
    Sex,
    Site,
    StudyType,
)
from catalog.registry.ctgov import age_in_years
from catalog.search import fulltext
from catalog.search.filters import UpperIn

# As the other text parameters: a request line within gunicorn's 8 KB even when every
# character is percent-encoded.
MAX_ADVANCED_CHARS = 500
MAX_DEPTH = 20


class EssieError(ValueError):
    """A query the catalog cannot answer as asked; ``str()`` says what and why."""


# Query areas (``query.*``) ---------------------------------------------------------------------


def _parsed(text, area):
    parsed = fulltext.parse(text)
    if not parsed:
        raise EssieError(f"nothing to search for in {area}")
    return parsed


def _text_area(function):
    def build(text, area):
        return function(_parsed(text, area))

    return build


def _titles(parsed):
    return fulltext.search_q(parsed, weights="a")


def _patient(parsed):
    # What a patient reads: titles, conditions and keywords, interventions, summary, arms,
    # outcomes and sponsors; not the descriptions and eligibility texts.
    return fulltext.search_q(parsed, weights="abc")


def _locations(text, area):
    parsed = fulltext.parse(text, synonyms=False, prefix=False)
    if not parsed:
        raise EssieError(f"nothing to search for in {area}")
    return fulltext.locations_q(parsed)


def _identifiers(text, area):
    if not text.strip():
        raise EssieError(f"nothing to search for in {area}")
    return fulltext.identifiers_q(text)


# query.* parameters the list's filters do not take, as Q objects.
QUERY_AREAS = {
    "query.outc": _text_area(fulltext.outcomes_q),
    "query.spons": _text_area(fulltext.sponsors_q),
    "query.lead": _text_area(lambda parsed: fulltext.sponsors_q(parsed, lead_only=True)),
    "query.id": _identifiers,
    "query.patient": _text_area(_patient),
}


# filter.advanced ----------------------------------------------------------------------------


def _date_bound(value, field, end):
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value)
    if not match:
        raise EssieError(f"{value!r} is not a date for AREA[{field}] (YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return datetime.date(year, 12, 31) if end else datetime.date(year, 1, 1)
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return datetime.date(year, month, last if end else 1)
        return datetime.date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise EssieError(f"{value!r} is not a date for AREA[{field}]") from None


def _number_bound(value, field, end):
    if not re.fullmatch(r"\d{1,9}", value):
        raise EssieError(f"{value!r} is not a whole number for AREA[{field}]")
    return int(value)


def _age_bound(value, field, end):
    years = age_in_years(value)
    if years is None:
        raise EssieError(f"{value!r} is not an age for AREA[{field}] (e.g. 18 years, 6 months)")
    return years


@dataclass(frozen=True)
class Area:
    """A field of ``filter.advanced``: how a value, and a range where one applies, filter."""

    kind: str  # "choice", "text", "site", "range"
    target: object
    choices: tuple = ()
    bound: object = None  # for ranges: (value, field, end) → comparable


def _choice_q(field, value):
    if field == "phases":
        return Q(phases__contains=[value])
    return Q(**{field: value})


AREAS = {
    "OverallStatus": Area("choice", "current_status", tuple(OverallStatus.values)),
    "Phase": Area("choice", "phases", tuple(Phase.values)),
    "StudyType": Area("choice", "study_type", tuple(StudyType.values)),
    "Sex": Area("choice", "sex", tuple(Sex.values)),
    "StdAge": Area("choice", "std_ages", tuple(AgeGroup.values)),
    "LeadSponsorClass": Area("choice", "lead_sponsor__agency_class", tuple(AgencyClass.values)),
    "HasResults": Area("choice", "has_results", ("true", "false")),
    "HealthyVolunteers": Area("choice", "healthy_volunteers", ("true", "false")),
    "Condition": Area("text", fulltext.conditions_q),
    "Keyword": Area("text", lambda parsed: fulltext.search_q(parsed, weights="b")),
    "InterventionName": Area("text", fulltext.interventions_q),
    "BriefTitle": Area("text", _titles),
    "OfficialTitle": Area("text", _titles),
    "Acronym": Area("text", _titles),
    "LeadSponsorName": Area("text", lambda parsed: fulltext.sponsors_q(parsed, lead_only=True)),
    "CollaboratorName": Area("text", fulltext.sponsors_q),
    "OutcomeMeasure": Area("text", fulltext.outcomes_q),
    "NCTId": Area("id", None),
    "LocationCountry": Area("site", "country"),
    "LocationCity": Area("site", "city"),
    "LocationState": Area("site", "state"),
    "LocationFacility": Area("site", "facility"),
    "StartDate": Area("range", "start_date", bound=_date_bound),
    "PrimaryCompletionDate": Area("range", "primary_completion_date", bound=_date_bound),
    "CompletionDate": Area("range", "completion_date", bound=_date_bound),
    "StudyFirstPostDate": Area("range", "first_posted", bound=_date_bound),
    "LastUpdatePostDate": Area("range", "last_update_posted", bound=_date_bound),
    "ResultsFirstPostDate": Area("range", "results_first_posted", bound=_date_bound),
    "EnrollmentCount": Area("range", "enrollment_count", bound=_number_bound),
    "MinimumAge": Area("range", "minimum_age_years", bound=_age_bound),
    "MaximumAge": Area("range", "maximum_age_years", bound=_age_bound),
}
_AREAS_BY_LOWER = {name.lower(): name for name in AREAS}
# Essie operators the catalog does not implement: refused by name.
UNSUPPORTED_OPERATORS = ("SEARCH", "EXPANSION", "COVERAGE", "TILDE", "DISTANCE", "MISSING")

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<open>\()|(?P<close>\))
      | (?P<operator>[A-Za-z]+)\[(?P<argument>[^\]]*)\]
      | "(?P<phrase>[^"]*)"
      | (?P<word>[^\s()"]+)
    )""",
    re.X,
)


@dataclass
class _Token:
    kind: str  # open, close, area, range, phrase, word, and, or, not
    text: str
    argument: str = ""


def _tokenize(text):
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise EssieError(f"cannot read {text[position : position + 30]!r}")
        position = match.end()
        if match["open"]:
            tokens.append(_Token("open", "("))
        elif match["close"]:
            tokens.append(_Token("close", ")"))
        elif match["operator"]:
            name = match["operator"].upper()
            if name == "AREA":
                tokens.append(_Token("area", match["argument"].strip()))
            elif name == "RANGE":
                tokens.append(_Token("range", "RANGE", match["argument"]))
            elif name in UNSUPPORTED_OPERATORS:
                raise EssieError(f"{name}[...] is not supported (supported: AREA[], RANGE[])")
            else:
                raise EssieError(f"{match['operator']}[...] is not an operator of this API")
        elif match["phrase"] is not None:
            tokens.append(_Token("phrase", match["phrase"]))
        else:
            word = match["word"]
            if word in ("AND", "OR", "NOT"):
                tokens.append(_Token(word.lower(), word))
            elif word.upper() in UNSUPPORTED_OPERATORS:
                raise EssieError(f"{word} is not supported")
            else:
                tokens.append(_Token("word", word))
    return tokens


class _Parser:
    def __init__(self, text):
        self.tokens = _tokenize(text)
        self.position = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.position += 1
        return token

    def parse(self):
        if not self.tokens:
            raise EssieError("empty expression")
        q = self.expression(None, 0)
        if self.peek() is not None:
            raise EssieError(f"unexpected {self.peek().text!r}")
        return q

    def expression(self, area, depth):
        if depth > MAX_DEPTH:
            raise EssieError("too deeply nested")
        q = self.conjunction(area, depth)
        while self.peek() is not None and self.peek().kind == "or":
            self.take()
            q = q | self.conjunction(area, depth)
        return q

    def conjunction(self, area, depth):
        q = self.unary(area, depth)
        while self.peek() is not None and self.peek().kind not in ("or", "close"):
            if self.peek().kind == "and":
                self.take()
            q = q & self.unary(area, depth)
        return q

    def unary(self, area, depth):
        token = self.peek()
        if token is None:
            raise EssieError("the expression ends too early")
        if token.kind == "not":
            self.take()
            if depth > MAX_DEPTH:
                raise EssieError("too deeply nested")
            return ~self.unary(area, depth + 1)
        return self.primary(area, depth)

    def primary(self, area, depth):
        token = self.take()
        if token is None:
            raise EssieError("the expression ends too early")
        if token.kind == "open":
            q = self.expression(area, depth + 1)
            closing = self.take()
            if closing is None or closing.kind != "close":
                raise EssieError("a parenthesis is not closed")
            return q
        if token.kind == "area":
            name = _AREAS_BY_LOWER.get(token.text.lower())
            if name is None:
                raise EssieError(
                    f"AREA[{token.text}] is not a field this catalog searches (supported: "
                    + ", ".join(AREAS)
                    + ")"
                )
            if self.peek() is None:
                raise EssieError(f"AREA[{name}] needs a value")
            return self.primary(name, depth + 1)
        if token.kind == "range":
            return _range_q(area, token.argument)
        if token.kind in ("word", "phrase"):
            return _value_q(area, token.text if token.kind == "word" else f'"{token.text}"')
        raise EssieError(f"unexpected {token.text!r}")


def _value_q(area, value):
    if area is None:
        return fulltext.search_q(_parsed(value, "filter.advanced"))
    spec = AREAS[area]
    plain = value.strip('"')
    if spec.kind == "text":
        return spec.target(_parsed(value, f"AREA[{area}]"))
    if spec.kind == "id":
        return fulltext.identifiers_q(plain)
    if spec.kind == "site":
        return Q(pk__in=Site.objects.filter(UpperIn(spec.target, [plain])).values("trial_id"))
    if spec.kind == "choice":
        wanted = plain.upper() if spec.choices[0].isupper() else plain.lower()
        if wanted not in spec.choices:
            raise EssieError(
                f"{plain!r} is not a value of AREA[{area}] (one of {', '.join(spec.choices)})"
            )
        if spec.choices == ("true", "false"):
            return Q(**{spec.target: wanted == "true"})
        if spec.target == "std_ages":
            return Q(std_ages__contains=[wanted])
        return _choice_q(spec.target, wanted)
    # A range field given one value: that day, month or year; that number or age.
    low = spec.bound(plain, area, False)
    high = spec.bound(plain, area, True)
    return Q(**{f"{spec.target}__gte": low, f"{spec.target}__lte": high})


def _range_q(area, argument):
    if area is None:
        raise EssieError("RANGE[...] must follow an AREA[Field]")
    spec = AREAS[area]
    if spec.kind != "range":
        raise EssieError(f"AREA[{area}] takes no RANGE[...]")
    parts = [p.strip() for p in argument.split(",")]
    if len(parts) != 2 or not all(parts):
        raise EssieError(f"RANGE[{argument}] needs two bounds: RANGE[low, high] (MIN, MAX allowed)")
    q = Q()
    for part, end, lookup in ((parts[0], False, "gte"), (parts[1], True, "lte")):
        if part.upper() in ("MIN", "MAX"):
            continue
        q &= Q(**{f"{spec.target}__{lookup}": spec.bound(part, area, end)})
    if not q:
        q = Q(**{f"{spec.target}__isnull": False})
    return q


def advanced_q(text, parameter="filter.advanced"):
    """The ``Q`` of a ``filter.advanced`` expression; ``EssieError`` says what it cannot read."""
    text = (text or "").replace("\x00", " ")
    if len(text) > MAX_ADVANCED_CHARS:
        raise EssieError(f"longer than {MAX_ADVANCED_CHARS} characters")
    return _Parser(text).parse()


# aggFilters -----------------------------------------------------------------------------------

AGGREGATIONS = {
    "phase": (
        "phases",
        {
            "0": Phase.EARLY_PHASE1,
            "1": Phase.PHASE1,
            "2": Phase.PHASE2,
            "3": Phase.PHASE3,
            "4": Phase.PHASE4,
            "na": Phase.NA,
        },
    ),
    "status": (
        "current_status",
        {
            "not": OverallStatus.NOT_YET_RECRUITING,
            "rec": OverallStatus.RECRUITING,
            "enr": OverallStatus.ENROLLING_BY_INVITATION,
            "act": OverallStatus.ACTIVE_NOT_RECRUITING,
            "sus": OverallStatus.SUSPENDED,
            "ter": OverallStatus.TERMINATED,
            "com": OverallStatus.COMPLETED,
            "wit": OverallStatus.WITHDRAWN,
            "unk": OverallStatus.UNKNOWN,
            "ava": OverallStatus.AVAILABLE,
            "nla": OverallStatus.NO_LONGER_AVAILABLE,
            "tna": OverallStatus.TEMPORARILY_NOT_AVAILABLE,
            "afm": OverallStatus.APPROVED_FOR_MARKETING,
        },
    ),
    "studyType": (
        "study_type",
        {
            "int": StudyType.INTERVENTIONAL,
            "obs": StudyType.OBSERVATIONAL,
            "exp": StudyType.EXPANDED_ACCESS,
        },
    ),
    "results": ("has_results", {"with": True, "without": False}),
    "healthy": ("healthy_volunteers", {"y": True}),
    "sex": ("sex", {"f": Sex.FEMALE, "m": Sex.MALE, "all": Sex.ALL}),
    "ages": (
        "std_ages",
        {"child": AgeGroup.CHILD, "adult": AgeGroup.ADULT, "older": AgeGroup.OLDER_ADULT},
    ),
    "funderType": (
        "lead_sponsor__agency_class",
        {
            "nih": AgencyClass.NIH,
            "fed": AgencyClass.FED,
            "industry": AgencyClass.INDUSTRY,
            "other": AgencyClass.OTHER,
            "otherGov": AgencyClass.OTHER_GOV,
            "indiv": AgencyClass.INDIV,
            "network": AgencyClass.NETWORK,
        },
    ),
}


def _aggregation_q(field, value):
    if field in ("phases", "std_ages"):
        return Q(**{f"{field}__contains": [value]})
    if field == "sex" and value != Sex.ALL:
        # Who may take part, as the list's filter: women's trials and trials open to all.
        return Q(sex__in=[value, Sex.ALL])
    return Q(**{field: value})


def agg_filters_q(text, parameter="aggFilters"):
    """The ``Q`` of ``aggFilters`` (``phase:2 3,status:rec``): values of one aggregation
    are alternatives, aggregations must all hold."""
    if len(text or "") > MAX_ADVANCED_CHARS:
        raise EssieError(f"longer than {MAX_ADVANCED_CHARS} characters")
    q = Q()
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        name, colon, values = item.partition(":")
        name = name.strip()
        if name not in AGGREGATIONS:
            raise EssieError(
                f"{name!r} is not an aggregation this catalog filters by (supported: "
                + ", ".join(AGGREGATIONS)
                + ")"
            )
        field, codes = AGGREGATIONS[name]
        words = values.split()
        if not colon or not words:
            raise EssieError(f"{name}: give values, e.g. {name}:{next(iter(codes))}")
        alternatives = Q(pk__in=[])
        for word in words:
            if word not in codes:
                raise EssieError(
                    f"{word!r} is not a value of the {name} aggregation (one of "
                    + ", ".join(codes)
                    + ")"
                )
            alternatives |= _aggregation_q(field, codes[word])
        q &= alternatives
    return q


# The API parameters read here: query.* areas the list's filters do not take, filter.advanced
# and aggFilters, each (text, parameter name) → Q.
PARAMETERS = {**QUERY_AREAS, "filter.advanced": advanced_q, "aggFilters": agg_filters_q}
