"""Full-text search: the weighted search vector, the query language, snippets and suggestions.

Weights: A, title and acronym; B, conditions, interventions and keywords; C, the brief summary;
D, the detailed description and the eligibility criteria. The vector is stored in
``Trial.search_vector`` (GIN-indexed) and refreshed by the importer whenever a trial changes.

What people type (``parse``): words, all of which must match (stemmed, so "cells" finds "cell");
``"a phrase"`` in quotes; ``-word`` or ``-"a phrase"`` (or ``NOT word``) to exclude; ``OR``
between two terms for either. The last word typed also matches as a prefix ("mesench" finds
"mesenchymal"). The MSC vocabulary of ``catalog.synonyms`` is understood. Misspelt words get a
"did you mean" from the catalog's own vocabulary (``SearchWord``, trigram-indexed).
"""

import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection, connections, router, transaction
from django.db.models import (
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.safestring import mark_safe

from catalog.search.synonyms import SYNONYMS

SEARCH_CONFIG = "english"

# What a search may hold; longer input is cut, and the page says so.
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 30
# The last word matches as a prefix only from this many characters on.
MIN_PREFIX_CHARS = 3

# PostgreSQL's English stop words: never prefixes, never suggestions.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can did do does doing don down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such t than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with you your yours yourself yourselves
    """.split()
)

# ts_headline marks matches with these; they are turned into <mark> after HTML-escaping.
_START, _STOP = "\ue000", "\ue001"


# The search vector -------------------------------------------------------------------------------


def _joined(model, field):
    """The trial's related ``field`` values joined by spaces, as a subquery."""
    rows = (
        model.objects.filter(trial=OuterRef("pk"))
        .order_by()
        .values("trial")
        .annotate(joined=StringAgg(field, delimiter=" "))
        .values("joined")
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def search_vector_expression():
    from catalog.models import Intervention, TrialCondition

    keywords = Func(F("keywords"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("brief_title", "acronym", "official_title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(
            _joined(TrialCondition, "condition__name"),
            _joined(Intervention, "name"),
            keywords,
            weight="B",
            config=SEARCH_CONFIG,
        )
        + SearchVector("brief_summary", weight="C", config=SEARCH_CONFIG)
        + SearchVector(
            "detailed_description", "eligibility_criteria", weight="D", config=SEARCH_CONFIG
        )
    )


def update_search_vectors(trials):
    """Recompute the stored vector for a queryset of trials, in one UPDATE."""
    return trials.update(search_vector=search_vector_expression())


# The query language ----------------------------------------------------------------------------


def _synonym_key(words):
    """How a run of words is compared with the synonym members."""
    out = []
    for word in words:
        word = word.lower().replace("\u2019", "'")
        word = re.sub(r"'s$", "", word).replace("-", "")
        out.append(word)
    return " ".join(out)


_SYNONYM_GROUPS = {}
for _group in SYNONYMS:
    for _member in _group:
        _SYNONYM_GROUPS[_synonym_key(_member.split())] = _group
_SYNONYM_MAX_WORDS = max(len(m.split()) for g in SYNONYMS for m in g)

_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCTUATION = "()[]{},;:.!?'`"


@dataclass(frozen=True)
class Term:
    """One thing to match: a ``word``, a ``phrase``, a ``prefix`` (the last word typed) or a
    synonym group (``synonyms``, its members in ``alternatives``)."""

    kind: str
    text: str
    alternatives: tuple = ()


@dataclass
class Group:
    """Terms of which at least one must match (or, ``negated``, none may)."""

    terms: list
    negated: bool = False


@dataclass
class ParsedQuery:
    text: str
    groups: list = field(default_factory=list)
    truncated: bool = False

    def __bool__(self):
        return bool(self.groups)

    @property
    def expansions(self):
        """(what was typed, the other names searched too) for each synonym group used."""
        seen = []
        for group in self.groups:
            for term in group.terms:
                if term.kind == "synonyms" and not group.negated:
                    others = tuple(
                        a
                        for a in term.alternatives
                        if _synonym_key([a]) != _synonym_key([term.text])
                    )
                    if (term.text, others) not in seen:
                        seen.append((term.text, others))
        return seen

    @property
    def words(self):
        """The single words that must match, as typed (for suggestions)."""
        out = []
        for group in self.groups:
            if group.negated:
                continue
            for term in group.terms:
                if term.kind in ("word", "prefix"):
                    out.append((term.text, term.kind == "prefix"))
                elif term.kind == "phrase":
                    out.extend((w, False) for w in term.text.split())
        return out

    def tsquery(self, config=SEARCH_CONFIG):
        """The query as a ``SearchQuery`` expression, or None when nothing is left to match."""
        combined = None
        for group in self.groups:
            alternatives = None
            for term in group.terms:
                query = _term_query(term, config)
                alternatives = query if alternatives is None else alternatives | query
            if group.negated:
                alternatives = ~alternatives
            combined = alternatives if combined is None else combined & alternatives
        return combined


def _term_query(term, config):
    if term.kind == "word":
        return SearchQuery(term.text, config=config)
    if term.kind == "phrase":
        return SearchQuery(term.text, config=config, search_type="phrase")
    if term.kind == "prefix":
        # The stemmed word, or any word starting with what was typed (unstemmed: a stem of a
        # partial word is no prefix of the whole word's stem).
        prefix = SearchQuery(f"'{term.text.lower()}':*", config="simple", search_type="raw")
        return SearchQuery(term.text, config=config) | prefix
    query = None
    for member in term.alternatives:
        phrase = SearchQuery(member, config=config, search_type="phrase")
        query = phrase if query is None else query | phrase
    return query


def _clean_word(word):
    return word.strip(_EDGE_PUNCTUATION)


def _tokens(text):
    """(kind, text, negated) for each word, phrase and operator of the input."""
    out = []
    for match in _TOKEN_RE.finditer(text):
        minus, phrase, word = match.groups()
        if word is None:
            phrase = " ".join(phrase.split())
            if phrase:
                out.append(("phrase", phrase, bool(minus)))
            continue
        if word in ("OR", "|", "||"):
            out.append(("or", word, False))
            continue
        if word in ("AND", "&", "&&"):
            continue
        if word == "NOT":
            out.append(("not", word, False))
            continue
        negated = word.startswith("-") and len(word) > 1
        word = _clean_word(word[1:] if negated else word)
        if any(c.isalnum() for c in word):
            out.append(("word", word, negated))
    return out


def _with_synonyms(tokens, synonyms):
    """Replace runs of words (or a phrase) naming a synonym group by one ``synonyms`` token."""
    if not synonyms:
        return tokens
    out = []
    i = 0
    while i < len(tokens):
        kind, text, negated = tokens[i]
        if kind == "phrase":
            group = _SYNONYM_GROUPS.get(_synonym_key(text.split()))
            out.append(("synonyms", text, negated, group) if group else tokens[i])
            i += 1
            continue
        if kind != "word":
            out.append(tokens[i])
            i += 1
            continue
        for length in range(_SYNONYM_MAX_WORDS, 0, -1):
            run = tokens[i : i + length]
            if len(run) < length or any(t[0] != "word" for t in run):
                continue
            if any(t[2] for t in run[1:]):
                continue
            group = _SYNONYM_GROUPS.get(_synonym_key([t[1] for t in run]))
            if group:
                out.append(("synonyms", " ".join(t[1] for t in run), negated, group))
                i += length
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _prefix_eligible(word):
    return (
        MIN_PREFIX_CHARS <= len(word) <= 100 and word.isalnum() and word.lower() not in STOP_WORDS
    )


def parse(text, *, synonyms=True, prefix=True):
    """Read a search as typed into a ``ParsedQuery`` (falsy when there is nothing to match)."""
    text = " ".join((text or "").replace("\x00", " ").split())
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u201e", '"')
    truncated = False
    if len(text) > MAX_QUERY_CHARS:
        text, truncated = text[:MAX_QUERY_CHARS], True
    tokens = _tokens(text)
    if sum(1 for t in tokens if t[0] in ("word", "phrase")) > MAX_QUERY_TERMS:
        kept, count = [], 0
        for token in tokens:
            count += token[0] in ("word", "phrase")
            if count > MAX_QUERY_TERMS:
                break
            kept.append(token)
        tokens, truncated = kept, True
    tokens = _with_synonyms(tokens, synonyms)

    last_word = max((i for i, t in enumerate(tokens) if t[0] == "word"), default=None)
    groups = []
    pending_or = pending_not = False
    for i, token in enumerate(tokens):
        kind = token[0]
        if kind == "or":
            pending_or = bool(groups)
            continue
        if kind == "not":
            pending_not = True
            continue
        negated = token[2] or pending_not
        pending_not = False
        if kind == "synonyms":
            term = Term("synonyms", token[1], tuple(token[3]))
        elif (
            kind == "word"
            and prefix
            and i == last_word
            and not negated
            and _prefix_eligible(token[1])
        ):
            term = Term("prefix", token[1])
        else:
            term = Term(kind, token[1])
        if pending_or and not negated and not groups[-1].negated:
            groups[-1].terms.append(term)
        else:
            groups.append(Group([term], negated))
        pending_or = False
    return ParsedQuery(text=text, groups=groups, truncated=truncated)


# Applying a search -----------------------------------------------------------------------------


def matching(queryset, parsed):
    """Trials whose stored vector matches the search."""
    return queryset.filter(search_vector=parsed.tsquery())


def rank_expression(parsed):
    """The rank, as double precision: exact to compare with a float from Python (page tokens)."""
    return Cast(SearchRank(F("search_vector"), parsed.tsquery()), FloatField())


class _TitleVector(Func):
    """Only the A-weighted (title and acronym) lexemes of the stored vector."""

    template = "ts_filter(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


def matching_titles(queryset, parsed):
    query = parsed.tsquery()
    return (
        queryset.filter(search_vector=query)
        .alias(_titles=_TitleVector(F("search_vector")))
        .filter(_titles=query)
    )


def _matching_rows(model, vector, query):
    return model.objects.alias(_vector=vector).filter(_vector=query).values("pk")


def matching_conditions(queryset, parsed):
    """Trials with a condition, or a condition MeSH term, matching the search."""
    from catalog.models import Condition, MeshKind, MeshTerm, TrialCondition, TrialMesh

    query = parsed.tsquery()
    conditions = _matching_rows(Condition, SearchVector("name", config=SEARCH_CONFIG), query)
    terms = _matching_rows(MeshTerm, SearchVector("term", config=SEARCH_CONFIG), query)
    return queryset.filter(
        Exists(TrialCondition.objects.filter(trial=OuterRef("pk"), condition__in=conditions))
        | Exists(
            TrialMesh.objects.filter(
                trial=OuterRef("pk"),
                kind__in=[MeshKind.CONDITION, MeshKind.CONDITION_ANCESTOR],
                mesh_term__in=terms,
            )
        )
    )


def matching_interventions(queryset, parsed):
    """Trials with an intervention, or an intervention MeSH term, matching the search."""
    from catalog.models import Intervention, MeshKind, MeshTerm, TrialMesh

    query = parsed.tsquery()
    interventions = Intervention.objects.alias(
        _vector=SearchVector("name", config=SEARCH_CONFIG)
    ).filter(_vector=query)
    terms = _matching_rows(MeshTerm, SearchVector("term", config=SEARCH_CONFIG), query)
    return queryset.filter(
        Q(pk__in=interventions.values("trial_id"))
        | Exists(
            TrialMesh.objects.filter(
                trial=OuterRef("pk"),
                kind__in=[MeshKind.INTERVENTION, MeshKind.INTERVENTION_ANCESTOR],
                mesh_term__in=terms,
            )
        )
    )


def location_vector():
    """A site's facility, city, state, ZIP code and country (indexed as ``site_location_search``)."""
    return SearchVector("facility", "city", "state", "zip", "country", config="simple")


def matching_locations(queryset, parsed):
    from catalog.models import Site

    sites = Site.objects.alias(_vector=location_vector()).filter(
        _vector=parsed.tsquery(config="simple")
    )
    return queryset.filter(pk__in=sites.values("trial_id"))


# Snippets --------------------------------------------------------------------------------------


def headline_expression(parsed, field_name="brief_summary"):
    """A short extract of ``field_name`` around the matched words, marked with sentinels."""
    return SearchHeadline(
        field_name,
        parsed.tsquery(),
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=32,
        min_words=16,
        short_word=2,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def snippet_html(headline):
    """The headline as safe HTML: the text escaped, the matched words in ``<mark>``."""
    if not headline:
        return ""
    escaped = html.escape(headline, quote=False)
    return mark_safe(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


# Vocabulary and "did you mean" -----------------------------------------------------------------

# The words of the texts people search, from the trials that are public. Words of three
# letters or more, letters only; kept with the number of texts holding them.
VOCABULARY_SQL = """
    INSERT INTO catalog_searchword (word, ndoc)
    SELECT word, ndoc FROM ts_stat($$
        SELECT to_tsvector('simple', concat_ws(' ', brief_title, official_title, acronym,
                                               brief_summary, array_to_string(keywords, ' ')))
          FROM catalog_trial WHERE is_public
        UNION ALL
        SELECT to_tsvector('simple', c.name) FROM catalog_condition c
        UNION ALL
        SELECT to_tsvector('simple', m.term) FROM catalog_meshterm m
        UNION ALL
        SELECT to_tsvector('simple', i.name) FROM catalog_intervention i
    $$)
    WHERE length(word) BETWEEN 3 AND 100 AND word ~ '^[[:alpha:]]+$'
"""


def refresh_vocabulary():
    """Rebuild the suggestion vocabulary from the catalog (after imports)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_searchword")
        cursor.execute(VOCABULARY_SQL)


# How alike a misspelt word and its suggestion must be (pg_trgm similarity, 0 to 1), and how
# much more common the suggestion must be: registry texts hold misspellings too ("mesenchimal"
# is in 8 records), so a word being known is not enough; "mesenchymal" is in 2,088.
SUGGESTION_SIMILARITY = 0.35
SUGGESTION_MIN_RATIO = 10
SUGGESTION_MIN_DOCS = 3

_SUGGEST_SQL = """
    WITH typed AS (
        SELECT t.word, COALESCE(CASE
                   WHEN t.is_prefix THEN (SELECT max(p.ndoc) FROM catalog_searchword p
                                           WHERE p.word LIKE t.word || '%%')
                   ELSE (SELECT e.ndoc FROM catalog_searchword e WHERE e.word = t.word)
               END, 0) AS ndoc
          FROM unnest(%(words)s::text[], %(prefixes)s::boolean[]) AS t(word, is_prefix)
    )
    SELECT typed.word, best.word
      FROM typed
      JOIN LATERAL (
            SELECT v.word FROM catalog_searchword v
             WHERE v.word %% typed.word
               AND similarity(v.word, typed.word) >= %(similarity)s
               AND v.ndoc >= greatest(%(min_docs)s, %(ratio)s * typed.ndoc)
             ORDER BY similarity(v.word, typed.word) DESC, v.ndoc DESC, v.word
             LIMIT 1
      ) AS best ON true
"""


def _suggestable(word):
    return (
        len(word) >= 4
        and word.isalpha()
        and word.lower() not in STOP_WORDS
        and _synonym_key([word]) not in _SYNONYM_GROUPS
    )


def suggest(parsed):
    """The search with its misspelt words replaced by the closest catalog words, or None.

    One query, whatever the number of words.
    """
    words = {}
    for word, is_prefix in parsed.words:
        if _suggestable(word):
            words[word.lower()] = words.get(word.lower(), True) and is_prefix
    if not words:
        return None
    from catalog.models import SearchWord

    with connections[router.db_for_read(SearchWord)].cursor() as cursor:
        cursor.execute(
            _SUGGEST_SQL,
            {
                "words": list(words),
                "prefixes": list(words.values()),
                "similarity": SUGGESTION_SIMILARITY,
                "min_docs": SUGGESTION_MIN_DOCS,
                "ratio": SUGGESTION_MIN_RATIO,
            },
        )
        replacements = {typed: best for typed, best in cursor.fetchall() if best}
    if not replacements:
        return None
    corrected = parsed.text
    for typed, best in replacements.items():
        corrected = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", best, corrected, flags=re.I)
    return corrected if corrected != parsed.text else None
