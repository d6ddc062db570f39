"""Synthetic trials that look like the real catalog, for measuring it at scale.

A ``Profile`` is read from the bundled ClinicalTrials.gov studies. Each synthetic trial is then
put together from independent draws over the real records, so every distribution follows the
real data:

- whole field groups come from a randomly drawn real trial ("donor"), one donor per group:
  status and dates; sponsor, collaborators, officials and sharing; the topic (conditions,
  keywords, MeSH terms, titles, texts, design with its arms, interventions and outcomes, all
  from one record so that they agree); eligibility with the central contacts. Drawing donors uniformly keeps each value's frequency (a condition appears
  as often as it does in the real data) and keeps what belongs together consistent (an
  observational study has no phases);
- titles are a real title varied by a word-pair chain trained on all real titles;
- summaries, descriptions and eligibility criteria come from the conditions donor, in its shape
  (paragraphs, headings, number of sentences or criteria) with each sentence or criterion drawn
  again from that donor's own: the topic, length and vocabulary of a real record, so a search
  word matches as large a share of synthetic trials as of real ones (drawing sentences from all
  trials would spread every topic word over most records);
- sites: their number is drawn from the real sites-per-trial counts, the tail (20 sites and
  more) stretched by a random factor of 1 to 6 so that a few trials have hundreds of sites as on
  ClinicalTrials.gov; each site is a real site, mostly in the same country as the trial's first.

Synthetic trials carry ``is_synthetic=True`` and NCT IDs from ``NCT90000000`` up, a range
ClinicalTrials.gov has not reached (it assigns them in order and is below NCT08000000).
"""

import random
import re
from dataclasses import dataclass, field

from django.db.models.functions import Upper

from catalog.models import Arm, Condition, Intervention, MeshTerm, MscProfile, Organization
from catalog.places import placing
from catalog.registry import ctgov
from catalog.registry.importer import arm_links, iter_studies

SYNTHETIC_FIRST = 90_000_000
SITE_TAIL_FROM = 20
SITE_TAIL_STRETCH = 6.0
SAME_COUNTRY = 0.75

STATUS_FIELDS = (
    "overall_status",
    "last_known_status",
    "why_stopped",
    "status_verified_date",
    "has_expanded_access",
    "start_date",
    "start_date_precision",
    "start_date_type",
    "primary_completion_date",
    "primary_completion_date_precision",
    "primary_completion_date_type",
    "completion_date",
    "completion_date_precision",
    "completion_date_type",
    "first_submitted",
    "first_submitted_qc",
    "first_posted",
    "first_posted_type",
    "last_update_submitted",
    "last_update_posted",
    "last_update_posted_type",
    "results_first_submitted",
    "results_first_posted",
    "results_first_posted_type",
    "has_results",
    "version_holder",
)
SPONSOR_FIELDS = (
    "org_study_id_type",
    "organization_name",
    "organization_class",
    "responsible_party_type",
    "responsible_party_name",
    "responsible_party_title",
    "responsible_party_affiliation",
    "oversight_has_dmc",
    "is_fda_regulated_drug",
    "is_fda_regulated_device",
    "ipd_sharing",
    "ipd_sharing_description",
    "ipd_sharing_info_types",
    "ipd_sharing_time_frame",
    "ipd_sharing_access_criteria",
    "ipd_sharing_url",
    "references",
    "see_also_links",
)
CONDITION_FIELDS = ("keywords", "condition_browse_branches")
DESIGN_FIELDS = (
    "acronym",
    "study_type",
    "patient_registry",
    "phases",
    "allocation",
    "intervention_model",
    "intervention_model_description",
    "primary_purpose",
    "masking",
    "masking_description",
    "who_masked",
    "observational_model",
    "time_perspective",
    "enrollment_count",
    "enrollment_type",
    "intervention_browse_branches",
)
ELIGIBILITY_FIELDS = (
    "healthy_volunteers",
    "sex",
    "minimum_age",
    "maximum_age",
    "minimum_age_years",
    "maximum_age_years",
    "std_ages",
    "study_population",
    "sampling_method",
)

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
PARAGRAPH = re.compile(r"(\n+)")
HEADING = re.compile(r"^\s*[^.]{0,60}:\s*$")


def synthetic_nct_id(number):
    return f"NCT{number:08d}"


@dataclass
class Shaped:
    """Texts of one field: each real text's shape, and the pieces (sentences, criteria) it had."""

    shapes: list = field(default_factory=list)
    pieces: list = field(default_factory=list)

    def add(self, text, split_sentences):
        shape, pieces = [], []
        for part in PARAGRAPH.split(text):
            if not part:
                continue
            if part.startswith("\n") or HEADING.match(part):
                shape.append(part)
                continue
            for i, piece in enumerate(SENTENCE_END.split(part) if split_sentences else [part]):
                if i:
                    shape.append(" ")
                # A bullet keeps its marker; the criterion after it is drawn.
                marker = re.match(r"^\s*(?:[*\-•]|\d+[.)])\s*", piece)
                if marker:
                    shape.append(marker.group(0))
                    piece = piece[marker.end() :]
                if piece:
                    shape.append(None)
                    pieces.append(piece)
        self.shapes.append(shape)
        self.pieces.append(pieces)

    def draw(self, rng, index):
        """A new text in the shape of real text ``index``, its sentences drawn (with repeats)
        from that same text: the topic, length and vocabulary of a real record, so a word is
        found in as many synthetic trials as real ones, in a new order."""
        pieces = self.pieces[index]
        n = len(pieces)
        return "".join(
            pieces[int(rng.random() * n)] if p is None else p for p in self.shapes[index]
        )


class WordChain:
    """A word-pair (bigram) chain over real titles: new titles in the real vocabulary."""

    END = None

    def __init__(self, max_words=60):
        self.next = {}
        self.starts = []
        self.max_words = max_words

    def add(self, text):
        words = text.split()
        if not words:
            return
        self.starts.append(words[0])
        for a, b in zip(words, words[1:] + [self.END], strict=True):
            self.next.setdefault(a, []).append(b)

    def vary(self, text, rng, keep=0.8):
        """A variant of a real title: its words in order, each step leaving them for the
        chain with probability 1 - ``keep`` and coming back where the chain meets them again.
        The topic stays the record's; the wording changes."""
        source = text.split()
        if not source:
            return text
        where = {w: i for i, w in enumerate(source)}
        i, word, words = 0, source[0], []
        while word is not self.END and len(words) < min(self.max_words, 2 * len(source)):
            words.append(word)
            if rng.random() < keep or word not in self.next:
                i += 1
                word = source[i] if i < len(source) else self.END
            else:
                followers = self.next[word]
                word = followers[int(rng.random() * len(followers))]
                i = where.get(word, i)
        return " ".join(words)


@dataclass
class Profile:
    """What the generator draws from, read from real studies."""

    studies: list  # ParsedStudy
    brief_titles: WordChain
    official_titles: WordChain
    texts: dict  # field name -> Shaped
    sites: list  # site dicts
    sites_by_country: dict
    site_counts: list
    arm_links: list  # per study: [(arm position, intervention position)]

    @classmethod
    def from_files(cls, paths):
        studies = []
        for _origin, study in iter_studies(paths):
            try:
                studies.append(ctgov.parse_study(study))
            except (ctgov.StudyError, TypeError):
                continue
        if not studies:
            raise ValueError("no readable studies to learn from")
        return cls.from_studies(studies)

    @classmethod
    def from_studies(cls, studies):
        brief, official = WordChain(), WordChain()
        texts = {
            "brief_summary": Shaped(),
            "detailed_description": Shaped(),
            "eligibility_criteria": Shaped(),
        }
        sites, by_country, counts, links = [], {}, [], []
        for parsed in studies:
            f = parsed.fields
            brief.add(f["brief_title"])
            if f["official_title"]:
                official.add(f["official_title"])
            texts["brief_summary"].add(f["brief_summary"], split_sentences=True)
            texts["detailed_description"].add(f["detailed_description"], split_sentences=True)
            texts["eligibility_criteria"].add(f["eligibility_criteria"], split_sentences=False)
            counts.append(len(parsed.sites))
            for site in parsed.sites:
                sites.append(site)
                by_country.setdefault(site["country"], []).append(site)
            links.append(_link_positions(parsed))
        placing.place_all(sites)  # each real site once, as the importer places it
        return cls(
            studies=studies,
            brief_titles=brief,
            official_titles=official,
            texts=texts,
            sites=sites,
            sites_by_country=by_country,
            site_counts=counts,
            arm_links=links,
        )


def _link_positions(parsed):
    """Which arm (by position) uses which intervention (by position), by the import rules."""
    arms = [Arm(pk=i, **item) for i, item in enumerate(parsed.arms)]
    interventions = [Intervention(pk=i, **item) for i, item in enumerate(parsed.interventions)]
    return [(link.arm_id, link.intervention_id) for link in arm_links(arms, interventions)]


@dataclass
class SyntheticTrial:
    """One generated trial: its field values and its related rows as the parser shapes them."""

    nct_id: str
    fields: dict
    lead_sponsor: tuple | None
    collaborators: list
    conditions: list
    mesh: list
    arms: list
    interventions: list
    arm_links: list
    outcomes: list
    sites: list
    central_contacts: list
    officials: list
    design_nct_id: str = ""  # the real trial whose arms and interventions it took


class Generator:
    """Draws synthetic trials from a profile; the same seed and start give the same trials."""

    def __init__(self, profile, seed, start):
        self.profile = profile
        self.start = start
        self.rng = random.Random(f"{seed}:{start}")

    def _donor(self):
        studies = self.profile.studies
        i = int(self.rng.random() * len(studies))
        return i, studies[i]

    def trials(self, count):
        for n in range(self.start, self.start + count):
            yield self.trial(n)

    def trial(self, number):
        rng, profile = self.rng, self.profile
        _, status = self._donor()
        _, sponsor = self._donor()
        topic, conditions = self._donor()
        design_index, design = topic, conditions
        _, eligibility = self._donor()
        fields = {}
        for donor, names in (
            (status, STATUS_FIELDS),
            (sponsor, SPONSOR_FIELDS),
            (conditions, CONDITION_FIELDS),
            (design, DESIGN_FIELDS),
            (eligibility, ELIGIBILITY_FIELDS),
        ):
            donor_fields = donor.fields
            for name in names:
                fields[name] = donor_fields[name]
        fields["brief_title"] = profile.brief_titles.vary(conditions.fields["brief_title"], rng)
        fields["official_title"] = profile.official_titles.vary(
            conditions.fields["official_title"], rng
        )
        for name, shaped in profile.texts.items():
            fields[name] = shaped.draw(rng, topic)
        fields["org_study_id"] = f"SYN-{number}"
        fields["secondary_ids"] = []
        mesh = [m for m in conditions.mesh if m[0].startswith("condition")]
        mesh += [m for m in design.mesh if m[0].startswith("intervention")]
        return SyntheticTrial(
            nct_id=synthetic_nct_id(number),
            fields=fields,
            lead_sponsor=sponsor.lead_sponsor,
            collaborators=sponsor.collaborators,
            conditions=conditions.conditions,
            mesh=mesh,
            arms=design.arms,
            interventions=design.interventions,
            arm_links=profile.arm_links[design_index],
            outcomes=design.outcomes,
            sites=self._sites(status),
            central_contacts=eligibility.central_contacts,
            officials=sponsor.officials,
            design_nct_id=design.nct_id,
        )

    def _sites(self, status):
        rng, profile = self.rng, self.profile
        counts = profile.site_counts
        count = counts[int(rng.random() * len(counts))]
        if count >= SITE_TAIL_FROM:
            count = int(count * (1 + rng.random() * (SITE_TAIL_STRETCH - 1)))
        if not count or not profile.sites:
            return []
        first = profile.sites[int(rng.random() * len(profile.sites))]
        home = profile.sites_by_country[first["country"]]
        site_status = status.sites[0]["status"] if status.sites else ""
        chosen = [first]
        for _ in range(count - 1):
            pool = home if rng.random() < SAME_COUNTRY else profile.sites
            chosen.append(pool[int(rng.random() * len(pool))])
        return [(site, site_status) for site in chosen]


# The shared rows synthetic trials point to --------------------------------------------------------


@dataclass
class SharedRows:
    organizations: dict
    conditions: dict
    mesh: dict
    msc_profiles: dict = None  # {real NCT ID: MscProfile values}
    # {condition name: the pks of the MeSH terms named as it, in any case}: what PostgreSQL
    # adds to a trial's condition terms for each of its conditions (migration 0025).
    named_terms: dict = None

    @classmethod
    def ensure(cls, profile):
        """The primary keys of the profile's organizations, conditions and MeSH terms."""
        orgs, mesh, conditions = set(), {}, {}
        for parsed in profile.studies:
            if parsed.lead_sponsor:
                orgs.add(tuple(parsed.lead_sponsor))
            orgs.update(tuple(c) for c in parsed.collaborators)
            for _kind, mesh_id, term in parsed.mesh:
                mesh.setdefault(mesh_id, term)
            names = {t.lower(): i for k, i, t in parsed.mesh if k == "condition"}
            for name in parsed.conditions:
                conditions.setdefault(name, names.get(name.lower()))
        MeshTerm.objects.bulk_create(
            [MeshTerm(mesh_id=i, term=t) for i, t in mesh.items()], ignore_conflicts=True
        )
        mesh_pks = dict(MeshTerm.objects.filter(mesh_id__in=mesh).values_list("mesh_id", "pk"))
        Organization.objects.bulk_create(
            [Organization(name=n, agency_class=c) for n, c in orgs], ignore_conflicts=True
        )
        org_pks = {
            (n, c): pk
            for n, c, pk in Organization.objects.values_list("name", "agency_class", "pk")
        }
        Condition.objects.bulk_create(
            [Condition(name=n, mesh_term_id=mesh_pks.get(m)) for n, m in conditions.items()],
            ignore_conflicts=True,
        )
        condition_pks = dict(
            Condition.objects.filter(name__in=conditions).values_list("name", "pk")
        )
        by_name = {}
        keys = {name.upper() for name in conditions}
        for key, pk in (
            MeshTerm.objects.annotate(key=Upper("term"))
            .filter(key__in=keys)
            .values_list("key", "pk")
        ):
            by_name.setdefault(key, []).append(pk)
        named = {name: by_name[name.upper()] for name in conditions if name.upper() in by_name}
        return cls(org_pks, condition_pks, mesh_pks, real_msc_profiles(), named)


def real_msc_profiles():
    """{NCT ID: the profile's column values} of the real trials, curated values left out."""
    names = [f.attname for f in MscProfile._meta.concrete_fields if f.attname != "trial_id"]
    profiles = {}
    for row in MscProfile.objects.filter(trial__is_synthetic=False).values("trial__nct_id", *names):
        nct_id = row.pop("trial__nct_id")
        row["curated"] = {}
        profiles[nct_id] = row
    return profiles
