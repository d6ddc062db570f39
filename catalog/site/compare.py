"""Two to four trials side by side (``/compare/?ids=NCT…,NCT…``).

``Comparison(raw ids)`` reads the selection from the address (so a comparison can be shared),
says plainly what it could not use, and gives the rows of the table: each a label, one cell per
trial, and whether the trials differ on it. The trials are read in a fixed number of queries.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from catalog.models import Trial
from catalog.msc import display as msc_display
from catalog.registry.ctgov import format_date, normalize_nct_id
from catalog.site import exports

MIN_TRIALS = 2
MAX_TRIALS = 4
_SPLIT = re.compile(r"[\s,|]+")


def compare_url(nct_ids):
    """The comparison's address for these NCT IDs (in this order)."""
    ids = ",".join(dict.fromkeys(nct_ids))
    return reverse("catalog:compare") + (f"?{urlencode({'ids': ids}, safe=',')}" if ids else "")


def selection_of(values):
    """The NCT IDs of ``ids=`` values (comma-separated, or repeated): (canonical IDs in order,
    the items that are no NCT ID)."""
    ids, bad = [], []
    for value in values:
        for item in _SPLIT.split(value):
            if not item:
                continue
            canonical = normalize_nct_id(item)
            if canonical is None:
                bad.append(item[:40])
            elif canonical not in ids:
                ids.append(canonical)
    return ids, bad


def link(nct_id, selected):
    """The trial page's "Add to compare" link for trial ``nct_id`` given the ``compare=``
    values of the page's address (the selection so far): the others chosen, and its address."""
    chosen, _ = selection_of(selected)
    others = [i for i in chosen if i != nct_id][: MAX_TRIALS - 1]
    return {"others": others, "url": compare_url([*others, nct_id])}


@dataclass
class Row:
    label: str
    cells: list  # one list of lines per trial
    group: str = ""

    @property
    def differs(self):
        return len({tuple(cell) for cell in self.cells}) > 1


@dataclass
class Comparison:
    ids: list
    trials: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    refused: bool = False
    left_out: bool = False  # some of the IDs asked for were no NCT ID or not in the catalog

    @classmethod
    def read(cls, values):
        ids, bad = selection_of(values)
        comparison = cls(ids)
        comparison.left_out = bool(bad)
        if bad:
            comparison.messages.append(
                "Not NCT IDs, left out: " + ", ".join(bad) + " (an NCT ID is NCT and 8 digits)."
            )
        if len(ids) > MAX_TRIALS:
            comparison.refused = True
            comparison.messages.append(
                f"{len(ids)} trials were asked for: at most {MAX_TRIALS} can be compared. "
                "Remove some below."
            )
            return comparison
        found = {t.nct_id: t for t in Trial.objects.public().for_page().filter(nct_id__in=ids)}
        missing = [i for i in ids if i not in found]
        comparison.left_out = comparison.left_out or bool(missing)
        if missing:
            comparison.messages.append("Not in the catalog, left out: " + ", ".join(missing) + ".")
        comparison.trials = [found[i] for i in ids if i in found]
        if len(comparison.trials) < MIN_TRIALS:
            comparison.messages.append(
                f"Choose {MIN_TRIALS} to {MAX_TRIALS} trials to compare: use “Add to compare” "
                "on a trial's page, or type NCT IDs below."
            )
        return comparison

    @property
    def shown_ids(self):
        return [t.nct_id for t in self.trials]

    def url(self):
        return compare_url(self.shown_ids)

    def without(self, nct_id):
        return compare_url([i for i in self.ids if i != nct_id])

    def columns(self):
        """Each trial with its page's address (carrying the selection) and its remove link."""
        return [
            {
                "trial": t,
                "url": t.get_absolute_url() + "?" + urlencode({"compare": ",".join(self.ids)}),
                "remove_url": self.without(t.nct_id),
            }
            for t in self.trials
        ]

    def rows(self):
        if len(self.trials) < MIN_TRIALS:
            return []
        rows = []
        for group, label, read in ROWS:
            rows.append(
                Row(label, [[line for line in read(t) if line] for t in self.trials], group)
            )
        return rows


def _one(value):
    return [str(value)] if value not in (None, "") else []


def _date(value, precision="day"):
    return _one(format_date(value, precision))


def _enrollment(t):
    if t.enrollment_count is None:
        return []
    kind = f" ({t.get_enrollment_type_display().lower()})" if t.enrollment_type else ""
    return [f"{t.enrollment_count}{kind}"]


def _arms(t):
    return [
        f"{a.label}"
        + (f" ({a.get_type_display().lower()})" if a.type else "")
        + (f": {', '.join(a.intervention_names)}" if a.intervention_names else "")
        for a in t.arms.all()
    ]


def _primary_outcomes(t):
    return [
        o.measure + (f" ({o.time_frame})" if o.time_frame else "")
        for o in t.outcomes.all()
        if o.kind == "primary"
    ]


def _msc(field_name):
    """The MSC profile's values of one field, as the trial page says them."""

    def read(t):
        rows = {row.field: row for row in msc_display.profile_rows(getattr(t, "msc", None))}
        row = rows.get(field_name)
        return [v.label for v in row.values] if row else []

    return read


def _dose(t):
    # The dose per administration with its unit (the trial page's first dose value).
    values = _msc("dose")(t)
    return [v for v in values if not v.endswith(("dose", "doses"))]


def _doses(t):
    profile = getattr(t, "msc", None)
    if profile is None or not profile.is_msc or not profile.n_doses:
        return []
    return [str(profile.n_doses)]


ROWS = (
    ("Design", "Study type", lambda t: _one(t.get_study_type_display())),
    ("Design", "Phase", lambda t: _one(t.get_phases_display())),
    ("Design", "Design", lambda t: exports._design(t).split("|") if exports._design(t) else []),
    ("Design", "Enrollment", _enrollment),
    ("Design", "Arms", _arms),
    ("MSC profile", "Cell source", _msc("source")),
    ("MSC profile", "Donor", _msc("donor")),
    ("MSC profile", "Product", _msc("product")),
    ("MSC profile", "Route", _msc("route")),
    ("MSC profile", "Dose per administration", _dose),
    ("MSC profile", "Number of doses", _doses),
    ("Outcomes", "Primary outcomes", _primary_outcomes),
    ("Status and dates", "Status", lambda t: _one(t.get_current_status_display())),
    ("Status and dates", "Start", lambda t: _date(t.start_date, t.start_date_precision)),
    (
        "Status and dates",
        "Primary completion",
        lambda t: _date(t.primary_completion_date, t.primary_completion_date_precision),
    ),
    (
        "Status and dates",
        "Completion",
        lambda t: _date(t.completion_date, t.completion_date_precision),
    ),
    ("Status and dates", "First posted", lambda t: _date(t.first_posted)),
    ("Status and dates", "Last update", lambda t: _date(t.last_update_posted)),
)
