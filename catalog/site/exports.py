"""Trials out as files: CSV with the columns of ClinicalTrials.gov's CSV download, and JSON as a
list of API v2 study objects. Both are streamed in batches (related rows prefetched batch by
batch), so memory stays flat however many trials match.
"""

import csv
import datetime
import itertools
import json
import re
from dataclasses import dataclass

from django.http import StreamingHttpResponse

from catalog.api import study_fields
from catalog.registry.ctgov import format_date, studies_json

BATCH_SIZE = 200


def _joined(values, separator="|"):
    return separator.join(v for v in values if v)


def _date(value, precision="day"):
    return format_date(value, precision) or ""


def _outcomes(trial, kind):
    return _joined(
        _joined([o.measure, o.description, o.time_frame], ", ")
        for o in trial.outcomes.all()
        if o.kind == kind
    )


def _design(t):
    if t.study_type == "OBSERVATIONAL" or t.observational_model or t.time_perspective:
        parts = [
            ("Observational Model", t.observational_model),
            ("Time Perspective", t.time_perspective),
        ]
    else:
        masking = t.masking
        if masking and t.who_masked:
            masking = f"{masking} ({', '.join(t.who_masked)})"
        parts = [
            ("Allocation", t.allocation),
            ("Intervention Model", t.intervention_model),
            ("Masking", masking),
            ("Primary Purpose", t.primary_purpose),
        ]
    return _joined(f"{label}: {value}" for label, value in parts if value)


def _other_ids(t):
    return _joined([t.org_study_id] + [s.get("id", "") for s in t.secondary_ids])


def _locations(t):
    return _joined(
        _joined([s.facility, s.city, s.state, s.zip, s.country], ", ") for s in t.sites.all()
    )


@dataclass(frozen=True)
class Column:
    name: str
    value: object  # trial -> str
    piece: str = ""  # the ClinicalTrials.gov piece name it shows, if one
    reads: tuple = ()  # the related rows ``value`` reads, as prefetch lookups


# ClinicalTrials.gov's CSV download, in its order.
CSV_COLUMNS = (
    Column("NCT Number", lambda t: t.nct_id, "NCTId"),
    Column("Study Title", lambda t: t.brief_title, "BriefTitle"),
    Column("Study URL", lambda t: t.ctgov_url),
    Column("Acronym", lambda t: t.acronym, "Acronym"),
    Column("Study Status", lambda t: t.current_status, "OverallStatus"),
    Column("Brief Summary", lambda t: t.brief_summary, "BriefSummary"),
    Column("Study Results", lambda t: "YES" if t.has_results else "NO", "HasResults"),
    Column(
        "Conditions",
        lambda t: _joined(c.condition.name for c in t.trialcondition_set.all()),
        "Condition",
        ("trialcondition_set__condition",),
    ),
    Column(
        "Interventions",
        lambda t: _joined(
            f"{i.type}: {i.name}" if i.type else i.name for i in t.interventions.all()
        ),
        "InterventionName",
        ("interventions",),
    ),
    Column(
        "Primary Outcome Measures",
        lambda t: _outcomes(t, "primary"),
        "PrimaryOutcome",
        ("outcomes",),
    ),
    Column(
        "Secondary Outcome Measures",
        lambda t: _outcomes(t, "secondary"),
        "SecondaryOutcome",
        ("outcomes",),
    ),
    Column(
        "Other Outcome Measures", lambda t: _outcomes(t, "other"), "OtherOutcome", ("outcomes",)
    ),
    Column("Sponsor", lambda t: t.lead_sponsor.name if t.lead_sponsor else "", "LeadSponsorName"),
    Column(
        "Collaborators",
        lambda t: _joined(c.organization.name for c in t.collaboration_set.all()),
        "CollaboratorName",
        ("collaboration_set__organization",),
    ),
    Column("Sex", lambda t: t.sex, "Sex"),
    Column("Age", lambda t: ", ".join(t.std_ages), "StdAge"),
    Column("Phases", lambda t: _joined(t.phases), "Phase"),
    Column(
        "Enrollment",
        lambda t: "" if t.enrollment_count is None else str(t.enrollment_count),
        "EnrollmentCount",
    ),
    Column(
        "Funder Type",
        lambda t: t.lead_sponsor.agency_class if t.lead_sponsor else "",
        "LeadSponsorClass",
    ),
    Column("Study Type", lambda t: t.study_type, "StudyType"),
    Column("Study Design", _design, "DesignInfo"),
    Column("Other IDs", _other_ids, "SecondaryId"),
    Column("Start Date", lambda t: _date(t.start_date, t.start_date_precision), "StartDate"),
    Column(
        "Primary Completion Date",
        lambda t: _date(t.primary_completion_date, t.primary_completion_date_precision),
        "PrimaryCompletionDate",
    ),
    Column(
        "Completion Date",
        lambda t: _date(t.completion_date, t.completion_date_precision),
        "CompletionDate",
    ),
    Column("First Posted", lambda t: _date(t.first_posted), "StudyFirstPostDate"),
    Column("Results First Posted", lambda t: _date(t.results_first_posted), "ResultsFirstPostDate"),
    Column("Last Update Posted", lambda t: _date(t.last_update_posted), "LastUpdatePostDate"),
    Column("Locations", _locations, "LocationFacility", ("sites",)),
    # The catalog keeps no study documents; the column stays for the shape of the file.
    Column("Study Documents", lambda t: ""),
)
CSV_HEADER = tuple(c.name for c in CSV_COLUMNS)


def _profile(trial):
    """The trial's MSC profile (stored, or attached by ``msc.annotate.attach_profiles``)."""
    return getattr(trial, "msc", None)


def _msc_value(read):
    """A column of the MSC profile: empty when the trial has none."""

    def value(trial):
        profile = _profile(trial)
        if profile is None:
            return ""
        found = read(profile)
        if found is None:
            return ""
        if isinstance(found, bool):
            return "YES" if found else "NO"
        if isinstance(found, list):
            return _joined(found)
        return found if isinstance(found, str) else format(found, "g")

    return value


# The catalog's own columns: the MSC profile in its stable codes, as ``/api/msc/<NCT ID>``
# gives it (lists joined with "|", as ClinicalTrials.gov's columns join theirs).
MSC_COLUMNS = (
    Column("MSC Product Given", _msc_value(lambda p: p.is_msc)),
    Column("MSC Source", _msc_value(lambda p: list(p.sources))),
    Column("MSC Donor", _msc_value(lambda p: p.donor)),
    Column("MSC Product", _msc_value(lambda p: list(p.products))),
    Column("MSC Route", _msc_value(lambda p: list(p.routes))),
    Column("MSC Dose Min", _msc_value(lambda p: p.dose_min)),
    Column("MSC Dose Max", _msc_value(lambda p: p.dose_max)),
    Column("MSC Dose Unit", _msc_value(lambda p: p.dose_unit)),
    Column("MSC Number of Doses", _msc_value(lambda p: p.n_doses)),
    Column("MSC Dose Interval", _msc_value(lambda p: p.dose_interval)),
    Column("MSC Dose As Stated", _msc_value(lambda p: p.dose_text)),
)
# The list page's downloads: ClinicalTrials.gov's columns, then the MSC profile's.
DOWNLOAD_COLUMNS = CSV_COLUMNS + MSC_COLUMNS
# The JSON download's key for the profile, beside the v2 study's sections; also the name
# ``fields=`` takes for it.
MSC_KEY = "mscProfile"


class UnknownField(ValueError):
    """A ``fields=`` name that is no column or part of a study."""


def download_fields(value):
    """What ``fields=`` (comma- or pipe-separated) picks for a download: (CSV columns, study
    paths for JSON, whether the JSON carries the MSC profile). Without names: everything."""
    names = [n.strip() for n in re.split(r"[,|]", value or "") if n.strip()]
    if not names:
        return list(DOWNLOAD_COLUMNS), [], True
    columns, paths, msc = [], [], False
    for name in names:
        column = next((c for c in MSC_COLUMNS if c.name == name), None)
        if column is not None or name == MSC_KEY:
            msc = True
            columns += [column] if column else list(MSC_COLUMNS)
            continue
        column, path = column_and_path(name)
        if column is None and path is None:
            raise UnknownField(f"fields: {name!r} is not a column or a field of a study")
        if path:
            paths.append(path)
        if column:
            columns.append(column)
    if not columns:
        columns = [CSV_COLUMNS[0]]  # a CSV gives the study's ID at least
    if not paths and msc:
        paths = [study_fields.field_path("NCTId")]
    return list(dict.fromkeys(columns)), paths, msc


def column_and_path(name):
    """The CSV column and the study path (for JSON) a ``fields=`` name picks, each None where
    there is none; a column that is a piece of the study gives that piece's path as well."""
    column = column_named(name)
    path = study_fields.field_path(name)
    if path is None and column is not None and column.piece:
        path = study_fields.field_path(column.piece)
    return column, path


def column_named(name):
    """The CSV column with this header or piece name, or None."""
    name = name.strip()
    for column in CSV_COLUMNS:
        if name in (column.name, column.piece):
            return column
    return None


def batches(queryset, columns=None):
    """The trials of ``queryset`` with what exports read, fetched and prefetched in batches:
    for CSV ``columns``, only the related rows those columns read; else the stored v2 study.

    The first batch is read at once, in the view: a database that cannot be reached then fails
    the request cleanly (the outage page) instead of cutting a started download short."""
    queryset = queryset.for_studies() if columns is None else queryset.for_csv(columns)
    trials = queryset.iterator(chunk_size=BATCH_SIZE)
    first = next(trials, None)
    return iter(()) if first is None else itertools.chain([first], trials)


# Cells a spreadsheet would read as a formula (OWASP, "CSV Injection"): any cell beginning with
# one of these characters gets a leading apostrophe, so it is shown as the text it is. The data
# holds such cells (outcome measures beginning with "-"); the apostrophe is the cost of opening
# every export safely in Excel, LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as a CSV cell that no spreadsheet runs as a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class _Echo:
    """A file-like object whose ``write`` hands the line back (csv.writer to a generator)."""

    def write(self, value):
        return value


def csv_lines(trials, columns=CSV_COLUMNS):
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(c.name) for c in columns])
    for trial in trials:
        yield writer.writerow([safe_cell(c.value(trial)) for c in columns])


def csv_text(trials, columns=CSV_COLUMNS):
    """A small CSV (one API page) as one string."""
    return "".join(csv_lines(trials, columns))


def json_chunks(trials, paths=(), msc=False):
    """A JSON array of v2 study objects, one study per chunk: only the parts at ``paths`` if
    any, and with ``msc`` the MSC profile under ``MSC_KEY`` (v2 clients ignore the key)."""
    yield "["
    first = True
    for batch in in_batches(trials):
        for trial, text in zip(batch, studies_json(batch), strict=True):
            if paths or msc:
                study = json.loads(text)
                if paths:
                    study = study_fields.select(study, paths)
                if msc:
                    study[MSC_KEY] = msc_json(trial)
                text = json.dumps(study, ensure_ascii=False)
            yield ("\n" if first else ",\n") + text
            first = False
    yield "\n]\n"


def in_batches(trials, size=BATCH_SIZE):
    """``trials`` in lists of ``size``: the studies not stored are built a list at once."""
    trials = iter(trials)
    while batch := list(itertools.islice(trials, size)):
        yield batch


def msc_json(trial):
    """The trial's MSC profile as ``/api/msc/<NCT ID>`` gives it, or None if it has none."""
    profile = _profile(trial)
    if profile is None:
        return None
    profile.trial = trial
    return profile.as_json()


def filename(extension):
    return f"msc-trials-{datetime.date.today().isoformat()}.{extension}"


def csv_response(queryset, columns=CSV_COLUMNS):
    """All of ``queryset`` as a streamed CSV download."""
    response = StreamingHttpResponse(
        csv_lines(batches(queryset, columns), columns), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def json_response(queryset, paths=(), msc=False):
    """All of ``queryset`` as a streamed JSON download."""
    response = StreamingHttpResponse(
        json_chunks(batches(queryset), paths, msc), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename("json")}"'
    return response
