"""Full-text search: the weighted search vector, the query language, snippets and suggestions.

The vector (``search_vector_expression``, stored in ``Trial.search_vector``, GIN-indexed, refreshed
by the importer whenever a trial changes) weighs where a word is found:

- A: the titles and the acronym;
- B: the conditions, their MeSH terms and the keywords (what the trial is about);
- C: the interventions (names, other names, MeSH terms), the brief summary, the arms, the
  outcome measures, the sponsor and collaborators;
- D: the detailed description, the eligibility criteria, intervention, arm and outcome
  descriptions, and the MeSH ancestors of conditions and interventions.

Words joined by a slash or a hyphen are stored as their parts ("Hematopoietic/Mesenchymal",
"COVID-19", "UC-MSC"), and so are the same words typed, so whole and parts both match.
Abbreviations written in capitals (ALS, GVHD, T1D) are stored a second time as marked lexemes
(``synonyms.abbreviation_tag``), so that "ALS" is told from the stem "al" of "et al.".
``Trial.search_ids`` holds the trial's identifiers (NCT ID, former NCT IDs, organisation and
secondary IDs, acronym), upper-cased: a search that is an identifier finds its trial first.

What people type (``parse``): words, all of which must match (stemmed, so "cells" finds "cell");
``"a phrase"`` in quotes; ``-word`` or ``-"a phrase"`` (or ``NOT word``) to exclude; ``OR``
between two terms for either. The last word typed also matches as a prefix ("mesench" finds
"mesenchymal") when it is four letters or more and no word of the catalog. The vocabulary of
``catalog.search.synonyms`` is understood (MSC names, condition abbreviations and lay names, the
records' own condition → MeSH pairs). Misspelt words get a "did you mean" from the catalog's own
vocabulary (``SearchWord``, trigram-indexed).

Ranking: an identifier match first; then trials whose titles, conditions or keywords hold the
whole search; then those holding the words as typed, next to each other; then ``ts_rank``
(more mentions, in weightier parts of the record, above fewer) with the weights above. All of
it reads ``Trial.rank_vector``, the vector's A, B and C lexemes, kept in the trial's row: the
whole vector lies out of line, and reading it for every match cost a broad search most of its
time (the D lexemes, the long texts, only find trials; they do not order them). Cover
density (``ts_rank_cd``) ranked no better on the relevance set (``search_eval``) and cost
several times as much for a search that synonyms widen to many phrases, a cost paid on every
match, before the page's limit.
"""

import html
import re
from dataclasses import dataclass, field
from functools import cache

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchQueryField,
    SearchRank,
    SearchVector,
)
from django.db import connection, connections, router, transaction
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils.safestring import mark_safe
from psycopg import sql as psycopg_sql

from catalog.search import synonyms

SEARCH_CONFIG = "english"

# What a search may hold; longer input is cut, and the page says so.
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 30
# The last word matches as a prefix only from this many characters on (and only when it is no
# word of the catalog: "cell" is a word and stays one, "mesench" is not and finds "mesenchymal").
MIN_PREFIX_CHARS = 4
# Abbreviations up to this length, or that the English stemmer changes, match only where
# written in capitals (the marked lexeme); longer ones ("GVHD", "COPD") match any case.
MAX_CAPITALS_ONLY_CHARS = synonyms.MAX_SHORT_ABBREVIATION

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

# Weights of D, C, B and A lexemes in the rank (ts_rank's order; the rank vector has no D).
RANK_WEIGHTS = [0.05, 0.2, 0.5, 1.0]
# Rank boosts, each larger than the whole of the ones below it (ts_rank with normalisation 32
# stays under 1).
BOOST_IDENTIFIER = 8.0
BOOST_TOPIC = 2.0
BOOST_PHRASE = 1.0


# The search vector -------------------------------------------------------------------------------


class _SplitCompounds(Func):
    """The text with slashes and hyphens as spaces (compound words stored as their parts) and
    the roman numeral I after a type, grade, stage, phase or class written 1 (I is an English
    stop word: "Type I diabetes" would otherwise be stored as "type ... diabetes", and so
    would "Type 2 diabetes" match it)."""

    template = (
        "regexp_replace(translate(%(expressions)s, '/-', '  '), "
        "'\\m(type|grade|stage|phase|class)\\s+I\\M', '\\1 1', 'gi')"
    )
    output_field = TextField()


_ROMAN_ONE_RE = re.compile(r"\b(type|grade|stage|phase|class)\s+I\b", re.I)


def _normalised(text):
    """A phrase as the vector stores it (see ``_SplitCompounds``)."""
    return _ROMAN_ONE_RE.sub(r"\1 1", _COMPOUND_RE.sub(" ", text))


class _Abbreviations(Func):
    """The marked abbreviations of a text (SQL function of migration 0008)."""

    function = "catalog_abbreviations"
    output_field = TextField()


# Joins the values of a vector: the stop word between them takes a position, so that a phrase
# never runs from one value into the next (a condition ending in "Acute" and a keyword "GVHD"
# are not "acute GVHD").
VALUE_SEPARATOR = " the "


class _JoinedText(Func):
    template = f"concat_ws('{VALUE_SEPARATOR}', %(expressions)s)"
    output_field = TextField()


def _joined(rows, field):
    """The ``field`` values of related ``rows`` (a queryset with a ``trial`` key) joined by
    spaces, as a subquery. In the order the rows were written: the positions of the words, and so
    what a phrase matches and how a trial ranks, must not depend on how the rows happen to lie
    on disk."""
    rows = (
        rows.filter(trial=OuterRef("pk"))
        .order_by()
        .values("trial")
        .annotate(joined=StringAgg(field, delimiter=VALUE_SEPARATOR, order_by="pk"))
        .values("joined")
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def _array_text(name):
    return Func(F(name), Value(" "), function="array_to_string", output_field=TextField())


def _weighted(weight, *texts):
    text = _JoinedText(*texts)
    return SearchVector(_SplitCompounds(text), weight=weight, config=SEARCH_CONFIG) + SearchVector(
        _Abbreviations(text), weight=weight, config="simple"
    )


def search_vector_expression():
    from catalog.models import (
        Arm,
        Collaboration,
        Intervention,
        MeshKind,
        Organization,
        Outcome,
        TrialCondition,
        TrialMesh,
    )

    def mesh(*kinds):
        return _joined(TrialMesh.objects.filter(kind__in=kinds), "mesh_term__term")

    lead_sponsor = Coalesce(
        Subquery(Organization.objects.filter(pk=OuterRef("lead_sponsor_id")).values("name")[:1]),
        Value(""),
        output_field=TextField(),
    )
    interventions = Intervention.objects.all()
    return (
        _weighted("A", F("brief_title"), F("official_title"), F("acronym"))
        + _weighted(
            "B",
            _joined(TrialCondition.objects.all(), "condition__name"),
            mesh(MeshKind.CONDITION),
            _array_text("keywords"),
        )
        + _weighted(
            "C",
            _joined(interventions, "name"),
            _joined(interventions, _array_text("other_names")),
            mesh(MeshKind.INTERVENTION),
            F("brief_summary"),
            _joined(Arm.objects.all(), "label"),
            _joined(Outcome.objects.all(), "measure"),
            lead_sponsor,
            _joined(Collaboration.objects.all(), "organization__name"),
        )
        + _weighted(
            "D",
            F("detailed_description"),
            F("eligibility_criteria"),
            _joined(interventions, "description"),
            _joined(Arm.objects.all(), "description"),
            _joined(Outcome.objects.all(), "description"),
            mesh(MeshKind.CONDITION_ANCESTOR, MeshKind.INTERVENTION_ANCESTOR),
        )
    )


# The identifiers a search can be: NCT ID, former NCT IDs, acronym, and organisation and
# secondary IDs that hold a digit (an organisation "ID" that is a word, e.g. a sponsor's name, is
# left to the full text), upper-cased with single spaces.
SEARCH_IDS_SQL = r"""
    ARRAY(SELECT DISTINCT upper(regexp_replace(btrim(v), '\s+', ' ', 'g'))
            FROM unnest(
                 ARRAY[nct_id, acronym]
                 || ARRAY(SELECT jsonb_array_elements_text(COALESCE(
                          source_record #> '{protocolSection,identificationModule,nctIdAliases}',
                          '[]'::jsonb)))
                 || ARRAY(SELECT x FROM unnest(ARRAY[org_study_id]
                          || ARRAY(SELECT e ->> 'id' FROM jsonb_array_elements(
                                   CASE jsonb_typeof(secondary_ids) WHEN 'array'
                                   THEN secondary_ids ELSE '[]'::jsonb END) e)) x
                          WHERE x ~ '[0-9]')) v
           WHERE btrim(COALESCE(v, '')) <> '')
"""


def update_search_vectors(trials):
    """Recompute the stored vector and identifiers for a queryset of trials, in one UPDATE;
    returns how many trials it updated."""
    set_sql, set_params = _set_search_columns_sql(trials.db)
    ids_sql, ids_params = trials.order_by().values("pk").query.sql_with_params()
    with connections[trials.db].cursor() as cursor:
        cursor.execute(f"{set_sql} WHERE id IN ({ids_sql})", [*set_params, *ids_params])
        return cursor.rowcount


@cache
def _set_search_columns_sql(alias):
    """``UPDATE catalog_trial SET search_vector = ..., search_ids = ...`` with its parameters,
    compiled once: building and compiling the expression costs more than running it for one
    trial, and the importer runs it for every trial it writes."""
    from django.contrib.postgres.fields import ArrayField
    from django.db.models import CharField
    from django.db.models.sql import UpdateQuery

    from catalog.models import Trial

    query = UpdateQuery(Trial)
    query.add_update_values(
        {
            "search_vector": search_vector_expression(),
            "search_ids": RawSQL(SEARCH_IDS_SQL, [], output_field=ArrayField(CharField())),
        }
    )
    return query.get_compiler(alias).as_sql()


# Identifiers as typed ------------------------------------------------------------------------

_NCT_TYPED_RE = re.compile(r"^(NCT)?\s*(\d{1,8})$", re.I)
# Digits alone are read as an NCT ID from this many digits on ("2883803" → NCT02883803).
MIN_BARE_NCT_DIGITS = 6


def identifier_candidates(text):
    """The identifiers a search may be, upper-cased: the whole text, and the NCT ID it names if
    it is one as people type them (NCT02883803, nct02883803, NCT 02883803, 02883803, 2883803),
    or each NCT ID of a list of them."""
    text = " ".join((text or "").split()).upper()
    if not any(c.isalnum() for c in text) or len(text) > 200:
        return ()
    found = [text]

    def nct(token):
        match = _NCT_TYPED_RE.match(token)
        if not match:
            return None
        prefix, digits = match.groups()
        if prefix or len(digits) >= MIN_BARE_NCT_DIGITS:
            return "NCT" + digits.zfill(8)
        return None

    whole = nct(text)
    if whole:
        found.append(whole)
    tokens = [t for t in re.split(r"[\s,;]+", text) if t]
    if len(tokens) > 1 and all(re.fullmatch(r"NCT\d{8}", t) for t in tokens):
        found.extend(tokens)
    return tuple(dict.fromkeys(found))


def nct_id_typed(text):
    """The NCT ID if ``text`` is one NCT ID written with its NCT prefix (any case or spacing)."""
    match = _NCT_TYPED_RE.match(" ".join((text or "").split()))
    if match and match.group(1) and len(match.group(2)) == 8:
        return "NCT" + match.group(2)
    return None


def trial_named(text):
    """The NCT ID of the one public trial a search names by its NCT ID or a former NCT ID
    (typed with its NCT prefix, in any case or spacing), or None."""
    from catalog.models import Trial

    nct_id = nct_id_typed(text)
    if nct_id is None:
        return None
    found = list(
        Trial.objects.public()
        .filter(search_ids__contains=[nct_id])
        .values_list("nct_id", flat=True)[:2]
    )
    if nct_id in found:
        return nct_id
    return found[0] if len(found) == 1 else None


# The query language ----------------------------------------------------------------------------

_TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCTUATION = "()[]{},;:.!?'`"
_COMPOUND_RE = re.compile(r"[-/]+")


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
    identifiers: tuple = ()
    # Each tsquery built, by how: a page uses the same one five to eight times.
    _built: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __bool__(self):
        return bool(self.groups) or bool(self.identifiers)

    @property
    def expansions(self):
        """(what was typed, the other names searched too) for each synonym group used."""
        seen = []
        for group in self.groups:
            for term in group.terms:
                if term.kind == "synonyms" and not group.negated:
                    typed = synonyms.key([term.text])
                    others = tuple(a for a in term.alternatives if synonyms.key([a]) != typed)
                    if others and (term.text, others) not in seen:
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

    def tsquery(self, config=SEARCH_CONFIG, *, for_headline=False, loose=False):
        """The query as a ``SearchQuery`` expression, or None when nothing is left to match.
        ``loose``: each phrase's words anywhere in the record, not only next to each other."""
        key = (config, for_headline, loose)
        if key not in self._built:
            self._built[key] = self._build_tsquery(config, for_headline, loose)
        return self._built[key]

    def _build_tsquery(self, config, for_headline, loose):
        combined = None
        for group in self.groups:
            alternatives = None
            for term in group.terms:
                query = _term_query(term, config, for_headline, loose)
                alternatives = query if alternatives is None else _either(alternatives, query)
            if group.negated:
                alternatives = (f"!!({alternatives[0]})", alternatives[1])
            combined = alternatives if combined is None else _both(combined, alternatives)
        return None if combined is None else _Query(*combined)

    def index_tsquery(self):
        """What the GIN index can answer alone for a search holding phrases (``tsquery`` with
        ``loose``), or None when it holds none of two words or more, or excludes something (a
        loose exclusion excludes more). For a phrase, the index sends every trial it finds to be
        checked against the whole stored vector, read out of line: at 500,000 trials, tens of
        thousands for a condition whose other names are phrases."""
        if any(group.negated for group in self.groups):
            return None
        exact, loose = self.tsquery(), self.tsquery(loose=True)
        if exact is None or loose.sql == exact.sql:
            return None
        return loose

    def phrase_query(self):
        """The words typed, next to each other, when the search is two words or more of which
        none is excluded or an alternative: the phrase boost of the rank."""
        texts = []
        for group in self.groups:
            if group.negated or len(group.terms) != 1:
                return None
            term = group.terms[0]
            texts.append(term.text)
        if len(" ".join(texts).split()) < 2:
            return None
        return SearchQuery(
            _normalised(" ".join(texts)),
            config=SEARCH_CONFIG,
            search_type="phrase",
        )


class _Query(SearchQuery):
    """A whole search's tsquery as one expression node, its SQL written once from the parsed
    terms. As a tree of ``SearchQuery`` nodes (two or three per phrase), a search that synonyms
    widen to many phrases (``COVID-19``) cost Django more Python to copy, resolve and compile
    than PostgreSQL took to run it, at each use on a page: its filter, its facets, its rank,
    topic boost and snippet.

    Its texts are written into the SQL as literals, quoted by the driver, not passed as
    parameters: psycopg finds a statement's placeholders anew each time it runs one longer
    than 4 KB, and a search's statements held a hundred or more of them, two per name
    searched at each use (3.4 ms of a ``COVID-19`` search's page, docs/performance.md)."""

    def __init__(self, sql, params):
        self.config, self.invert = None, False
        # "%" doubled, as every "%" of SQL run with parameters is.
        literals = tuple(psycopg_sql.quote(p).replace("%", "%%") for p in params)
        self.sql = sql % literals
        Func.__init__(self)

    def as_sql(self, compiler, connection, function=None, template=None):
        return self.sql, []


# A query as (SQL, params), written as Django's SearchQuery writes it, combined left to right.


def _text_query(text, config, function="plainto_tsquery"):
    return f"{function}(%s::regconfig, %s)", [config, text]


def _phrase_query(text, config, loose=False):
    text = _normalised(text)
    if loose and len(text.split()) > 1:
        return _text_query(text, config)
    return _text_query(text, config, "phraseto_tsquery")


def _either(left, right):
    return f"({left[0]} || {right[0]})", left[1] + right[1]


def _both(left, right):
    return f"({left[0]} && {right[0]})", left[1] + right[1]


def _prefix_query(word):
    """The word, or, when the catalog has no such word, any word starting with it (unstemmed:
    a stem of a partial word is no prefix of the whole word's stem)."""
    lower = word.lower()
    sql = (
        "(CASE WHEN EXISTS (SELECT 1 FROM catalog_searchword WHERE word = %s) "
        "THEN plainto_tsquery('english'::regconfig, %s) "
        "ELSE plainto_tsquery('english'::regconfig, %s) "
        "|| to_tsquery('simple'::regconfig, %s) END)"
    )
    return sql, [lower, word, word, f"'{lower}':*"]


def _member_query(member, config, for_headline, loose=False):
    if synonyms.is_abbreviation(member):
        tag = _text_query(synonyms.abbreviation_tag(member), "simple")
        word = _text_query(member, config)
        if for_headline or config != SEARCH_CONFIG:
            return word
        if len(member) > MAX_CAPITALS_ONLY_CHARS and _stem_keeps(member):
            return _either(tag, word)
        return tag
    return _phrase_query(member, config, loose)


def _stem_keeps(word):
    """Whether the English stemmer leaves the word as it is (most abbreviations; not "ARDS")."""
    lower = word.lower()
    return not (lower.endswith("s") or lower.endswith("ed") or lower.endswith("ing"))


def _term_query(term, config, for_headline=False, loose=False):
    if term.kind == "word":
        return _text_query(term.text, config)
    if term.kind == "phrase":
        return _phrase_query(term.text, config, loose)
    if term.kind == "prefix":
        if for_headline:
            return _text_query(term.text, config)
        return _prefix_query(term.text)
    query, written = None, set()
    members = _marked_members(term.alternatives) if for_headline else term.alternatives
    for member in members:
        part = _member_query(member, config, for_headline, loose)
        # Names that differ only in case, commas or hyphens ("COVID-19", "COVID 19"; "Diabetes
        # Mellitus, Type 1", "diabetes mellitus type 1") are one phrase; loose, names of the
        # same words in any order ("knee osteoarthritis", "osteoarthritis, knee") are one.
        key = (part[0], tuple(_words(text, ordered=not loose) for text in part[1]))
        if key in written:
            continue
        written.add(key)
        query = part if query is None else _either(query, part)
    return query


def _words(text, ordered=True):
    """A name's words as the search compares them: lower case, without commas (sorted, unless
    ``ordered``)."""
    words = text.lower().replace(",", " ").split()
    return tuple(words if ordered else sorted(words))


def _marked_members(members):
    """The names of a synonym group a snippet marks: a name holding another whole one ("type 1
    diabetes mellitus" holds "type 1 diabetes") is left out. It marks no match the shorter name
    does not (but its extra words), and ts_headline's time grows steeply with long phrases
    (``python -m bench.search_speed`` times ``type 1 diabetes``)."""
    words = {member: _words(_normalised(member)) for member in members}

    def holds(longer, shorter):
        n = len(shorter)
        return n < len(longer) and any(
            longer[i : i + n] == shorter for i in range(len(longer) - n + 1)
        )

    return [
        member
        for member in members
        if synonyms.is_abbreviation(member)
        or not any(holds(words[member], words[other]) for other in members if other != member)
    ]


def _clean_word(word):
    return word.strip(_EDGE_PUNCTUATION)


def _tokens(text):
    """(kind, text, negated) for each word, phrase and operator of the input. A word joined
    by hyphens or slashes is a phrase of its parts ("Hematopoietic/Mesenchymal")."""
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
        word = _clean_word(word[1:] if negated else word).strip("-/")
        if not any(c.isalnum() for c in word):
            continue
        parts = [p for p in _COMPOUND_RE.split(word) if any(c.isalnum() for c in p)]
        if len(parts) > 1:
            out.append(("phrase", word, negated))
        else:
            out.append(("word", word, negated))
    return out


def _with_synonyms(tokens, use_synonyms):
    """Replace runs of words (or a phrase) naming a synonym group by one ``synonyms`` token."""
    if not use_synonyms:
        return tokens
    table = synonyms.expansions()
    longest = synonyms.max_words()
    out = []
    i = 0
    while i < len(tokens):
        kind, text, negated = tokens[i]
        if kind == "phrase":
            expansion = table.get(synonyms.key(text.split()))
            out.append(("synonyms", text, negated, expansion.terms) if expansion else tokens[i])
            i += 1
            continue
        if kind != "word":
            out.append(tokens[i])
            i += 1
            continue
        for length in range(longest, 0, -1):
            run = tokens[i : i + length]
            if len(run) < length or any(t[0] not in ("word", "phrase") for t in run):
                continue
            if any(t[2] for t in run[1:]):
                continue
            expansion = table.get(synonyms.key([t[1] for t in run]))
            if expansion:
                out.append(("synonyms", " ".join(t[1] for t in run), negated, expansion.terms))
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
    use_synonyms = synonyms
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
    tokens = _with_synonyms(tokens, use_synonyms)

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
    identifiers = identifier_candidates(text) if groups and use_synonyms and prefix else ()
    return ParsedQuery(text=text, groups=groups, truncated=truncated, identifiers=identifiers)


# Applying a search -----------------------------------------------------------------------------


class _Matches(Func):
    """``vector @@ query`` as a boolean expression."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Weighted(Func):
    """The tsquery with each of its lexemes labelled with ``weights`` (``'cell':AB``), so that
    it matches only where they are of those weights, phrases included: the same as matching
    ``ts_filter(vector, weights)``, without building that filtered copy of the vector for each
    row (at 500,000 trials, 0.12 s of a one-word search's ranking of 58,000 matches). Folded
    to a constant by PostgreSQL, as the query is."""

    # A quoted lexeme of the query's text, and the prefix mark it may carry ('mesench':*).
    LEXEME = r"('(?:[^']|'')*')(?::(\*))?"
    function = "regexp_replace"
    template = "(%(function)s(%(expressions)s))::tsquery"
    output_field = SearchQueryField()

    def __init__(self, query, weights):
        super().__init__(
            Cast(query, TextField()),
            Value(self.LEXEME),
            Value(r"\1:\2" + weights.upper()),
            Value("g"),
        )


def _matches_in(weights, query):
    """Whether ``query`` matches the lexemes of the given weights of the stored vector: of the
    rank vector, kept in the row, when they are among its weights, so that the whole vector is
    not read."""
    from catalog.models import RANK_VECTOR_WEIGHTS

    in_row = set(weights) <= set(RANK_VECTOR_WEIGHTS)
    return _Matches(F("rank_vector" if in_row else "search_vector"), _Weighted(query, weights))


def search_q(parsed, weights=None):
    """Trials the search matches: the stored vector (all of it, or only ``weights``), or an
    identifier.

    A search holding phrases is found in two steps: the index finds the trials holding the
    phrases' words anywhere (``index_tsquery``), and each is checked against the rank vector,
    in its row, before the whole vector, out of line, is read for the few that need it. The
    two are joined with AND at the top, each with the identifiers, so that PostgreSQL sees the
    first as the index's own condition and does not test it again on every row."""
    query = parsed.tsquery()
    ids = Q(search_ids__overlap=list(parsed.identifiers)) if parsed.identifiers else None
    if query is None:
        return ids or Q(pk__in=[])
    index_query = parsed.index_tsquery()
    if weights:
        found = Q(search_vector=index_query or query)
        exact = Q(_matches_in(weights, query))
    elif index_query is not None:
        found = Q(search_vector=index_query)
        exact = Q(_Matches(F("rank_vector"), query)) | Q(search_vector=query)
    else:
        found, exact = Q(search_vector=query), None
    if exact is None:
        return found | ids if ids else found
    if ids:
        return (exact | ids) & (found | ids)
    return found & exact


def matching(queryset, parsed):
    """Trials whose stored vector matches the search, or that the search names by an ID."""
    return queryset.filter(search_q(parsed))


def rank_expression(parsed):
    """The rank, as double precision: exact to compare with a float from Python (page tokens)."""
    query = parsed.tsquery()
    rank = Value(0.0)
    if query is not None:
        rank = SearchRank(F("rank_vector"), query, weights=RANK_WEIGHTS, normalization=32)
        rank = rank + Case(
            When(_matches_in("ab", query), then=Value(BOOST_TOPIC)),
            default=Value(0.0),
        )
        phrase = parsed.phrase_query()
        if phrase is not None:
            rank = rank + Case(
                When(_Matches(F("rank_vector"), phrase), then=Value(BOOST_PHRASE)),
                default=Value(0.0),
            )
    if parsed.identifiers:
        rank = rank + Case(
            When(search_ids__overlap=list(parsed.identifiers), then=Value(BOOST_IDENTIFIER)),
            default=Value(0.0),
        )
    return Cast(rank, FloatField())


def matching_titles(queryset, parsed):
    query = parsed.tsquery()
    return queryset.filter(search_vector=query).filter(_matches_in("a", query))


def _matching_rows(model, vector, query):
    return model.objects.alias(_vector=vector).filter(_vector=query).values("pk")


def _mesh_q(query, kinds):
    """Trials with a MeSH term of one of ``kinds`` that matches ``query``."""
    from catalog.models import MeshTerm, TrialMesh

    terms = _matching_rows(MeshTerm, SearchVector("term", config=SEARCH_CONFIG), query)
    return Q(
        Exists(TrialMesh.objects.filter(trial=OuterRef("pk"), kind__in=kinds, mesh_term__in=terms))
    )


def conditions_q(parsed):
    """Trials whose conditions, condition MeSH terms (or their ancestors) or keywords match."""
    from catalog.models import Condition, MeshKind, TrialCondition

    query = parsed.tsquery()
    conditions = _matching_rows(Condition, SearchVector("name", config=SEARCH_CONFIG), query)
    return (
        (Q(search_vector=query) & Q(_matches_in("b", query)))
        | Q(Exists(TrialCondition.objects.filter(trial=OuterRef("pk"), condition__in=conditions)))
        | _mesh_q(query, [MeshKind.CONDITION, MeshKind.CONDITION_ANCESTOR])
    )


def matching_conditions(queryset, parsed):
    return queryset.filter(conditions_q(parsed))


def interventions_q(parsed):
    """Trials with an intervention (by name or other name), or an intervention MeSH term,
    matching the search."""
    from catalog.models import Intervention, MeshKind

    query = parsed.tsquery()
    interventions = Intervention.objects.alias(
        _vector=SearchVector("name", config=SEARCH_CONFIG)
    ).filter(_vector=query)
    other_names = Intervention.objects.alias(
        _vector=SearchVector(_array_text("other_names"), config=SEARCH_CONFIG)
    ).filter(_vector=query)
    return (
        Q(pk__in=interventions.values("trial_id"))
        | Q(pk__in=other_names.values("trial_id"))
        | _mesh_q(query, [MeshKind.INTERVENTION, MeshKind.INTERVENTION_ANCESTOR])
    )


def matching_interventions(queryset, parsed):
    return queryset.filter(interventions_q(parsed))


def outcomes_q(parsed):
    """Trials with an outcome measure whose title, description or time frame matches."""
    from catalog.models import Outcome

    vector = SearchVector("measure", "description", "time_frame", config=SEARCH_CONFIG)
    rows = Outcome.objects.alias(_vector=vector).filter(_vector=parsed.tsquery())
    return Q(pk__in=rows.values("trial_id"))


def sponsors_q(parsed, lead_only=False):
    """Trials whose lead sponsor (or, unless ``lead_only``, a collaborator) matches."""
    from catalog.models import Collaboration, Organization

    organizations = _matching_rows(
        Organization, SearchVector("name", config=SEARCH_CONFIG), parsed.tsquery()
    )
    condition = Q(lead_sponsor__in=organizations)
    if not lead_only:
        collaborations = Collaboration.objects.filter(organization__in=organizations)
        condition |= Q(pk__in=collaborations.values("trial_id"))
    return condition


def identifiers_q(text):
    """Trials any of whose identifiers is one of those in ``text`` (separated by spaces,
    commas or OR): NCT ID in any typed form, former NCT ID, organisation or secondary ID,
    acronym."""
    wanted = set()
    for item in re.split(r"\s*(?:,|;|\bOR\b|\s)\s*", text or ""):
        if item:
            wanted.update(identifier_candidates(item))
    wanted.update(identifier_candidates(text))
    return Q(search_ids__overlap=sorted(wanted))


def location_vector():
    """A site's facility, city, state, ZIP code and country (indexed as ``site_location_search``)."""
    return SearchVector("facility", "city", "state", "zip", "country", config="simple")


def locations_q(parsed):
    from catalog.models import Site

    sites = Site.objects.alias(_vector=location_vector()).filter(
        _vector=parsed.tsquery(config="simple")
    )
    return Q(pk__in=sites.values("trial_id"))


def matching_locations(queryset, parsed):
    return queryset.filter(locations_q(parsed))


# Snippets --------------------------------------------------------------------------------------


HEADLINE_DELIMITER = " … "


def headline_expression(parsed, field_name="brief_summary"):
    """A short extract of ``field_name`` around the matched words, marked with sentinels.

    Its query is loose, each phrase's words anywhere: ts_headline marks every word of the
    query wherever it stands, phrase or not, so the marks are the same; only the search for
    the extracts differs, and with phrases it took several times longer, more with each one
    (25 summaries of a ``knee osteoarthritis`` search, whose names are six phrases: 21.5 ms
    with phrases, 4.6 ms loose; docs/performance.md)."""
    query = parsed.tsquery(for_headline=True, loose=True)
    if query is None:
        return Value("", output_field=TextField())
    return SearchHeadline(
        field_name,
        query,
        config=SEARCH_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=32,
        min_words=16,
        short_word=2,
        max_fragments=2,
        fragment_delimiter=HEADLINE_DELIMITER,
    )


def snippet_html(headline, text=""):
    """The headline of ``text`` as safe HTML: the text escaped, the matched words in
    ``<mark>``, and an ellipsis where the extract starts or stops inside the text, so that no
    snippet seems to end mid-sentence."""
    if not headline:
        return ""
    fragments = headline.split(HEADLINE_DELIMITER)
    whole = " ".join(text.split())

    def plain(fragment):
        return " ".join(fragment.replace(_START, "").replace(_STOP, "").split())

    if not whole.startswith(plain(fragments[0])):
        headline = "… " + headline.lstrip()
    if not whole.endswith(plain(fragments[-1])):
        headline = headline.rstrip() + " …"
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
        and synonyms.key([word]) not in synonyms.expansions()
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
