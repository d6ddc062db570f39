"""The OpenAPI 3 document of the API (``/api/v2/openapi.json``).

Built from the same constants the API checks its parameters against, so the two cannot drift:
what the document allows the API accepts, and what it does not allow gets a 400.
"""

from catalog.api import study_fields
from catalog.models import DoseUnit, MscDonor, MscProduct, MscRoute, MscSource, OverallStatus
from catalog.search import fulltext
from catalog.site import exports

_JSON = "application/json"


def _error(description):
    return {
        "description": description,
        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _list_parameters():
    from catalog.api.views import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SORT_KEYS, SORT_FIELDS

    text = {"type": "string", "maxLength": fulltext.MAX_QUERY_CHARS}
    sort_pattern = "^(" + "|".join(SORT_FIELDS) + ")(:(asc|desc))?$"
    fields = sorted(
        set(study_fields.PIECES) | set(study_fields.KNOWN_PATHS) | set(exports.CSV_HEADER)
    )

    def query(name, description, schema, **extra):
        if schema.get("type") == "array":
            # An empty value (``product=``) is no list of values: the API answers 400.
            schema = {**schema, "minItems": 1}
        return {"name": name, "in": "query", "description": description, "schema": schema, **extra}

    search_help = (
        ' Words must all match; "quoted phrases"; -word excludes; OR between terms; the last'
        " word also matches as a prefix."
    )
    return [
        query(
            "format",
            "Response format. In CSV, a cell that begins with =, +, -, @, a tab or a carriage"
            " return gets a leading apostrophe, so that spreadsheets show it as text instead of"
            " running it as a formula (OWASP, CSV Injection).",
            {"type": "string", "enum": ["json", "csv"], "default": "json"},
        ),
        query(
            "markupFormat",
            "Accepted for compatibility; texts are returned as stored.",
            {"type": "string", "enum": ["markdown", "legacy"], "default": "markdown"},
        ),
        query(
            "query.term",
            "Search over every text of a study (titles first, then conditions, interventions"
            " and keywords, then summaries, then descriptions and eligibility)." + search_help,
            text,
        ),
        query("query.cond", "Search conditions and their MeSH terms." + search_help, text),
        query("query.intr", "Search interventions and their MeSH terms." + search_help, text),
        query("query.locn", "Search locations: facility, city, state, ZIP code, country.", text),
        query("query.titles", "Search titles and acronyms." + search_help, text),
        query(
            "filter.overallStatus",
            "Only studies with one of these statuses (comma-separated).",
            {"type": "array", "items": {"type": "string", "enum": list(OverallStatus.values)}},
            style="form",
            explode=False,
            example=["RECRUITING", "NOT_YET_RECRUITING"],
        ),
        query(
            "filter.ids",
            "Only these studies (comma-separated NCT IDs).",
            {"type": "array", "items": {"type": "string", "pattern": "^NCT[0-9]{8}$"}},
            style="form",
            explode=False,
            example=["NCT02883803", "NCT05016804"],
        ),
        *_msc_parameters(query),
        query(
            "sort",
            "Up to two sort fields, each with an optional direction (e.g."
            " LastUpdatePostDate:desc). Dates and @relevance sort newest/best first by default,"
            " others ascending; studies without the value come last; ties go by NCT ID. Without"
            " sort: @relevance when searching, else LastUpdatePostDate:desc.",
            {
                "type": "array",
                "maxItems": MAX_SORT_KEYS,
                "items": {"type": "string", "pattern": sort_pattern},
            },
            style="form",
            explode=False,
            example=["LastUpdatePostDate:desc"],
        ),
        query(
            "fields",
            "Return only these parts of each study: piece names (NCTId, BriefTitle,"
            " OverallStatus, ...), module paths (protocolSection.identificationModule) or, for"
            " CSV, column names. Comma-separated.",
            {"type": "array", "items": {"type": "string", "enum": fields}},
            style="form",
            explode=False,
            example=["NCTId", "BriefTitle", "OverallStatus"],
        ),
        query(
            "countTotal",
            "Give the number of matching studies (totalCount; for CSV the x-total-count"
            " header) with the first page.",
            {"type": "boolean", "default": False},
        ),
        query(
            "pageSize",
            f"Studies per page; 0 means the default ({DEFAULT_PAGE_SIZE}).",
            {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        ),
        query(
            "pageToken",
            "The nextPageToken of the previous page, with the same other parameters (the same"
            " sort). Tokens are opaque: a string this API did not give is a 400.",
            {"type": "string"},
        ),
    ]


def array_parameters():
    """The names of the list's parameters that take comma-separated lists."""
    return [p["name"] for p in _list_parameters() if p["schema"].get("type") == "array"]


def _msc_parameters(query):
    """The MSC profile filters: the list page's parameters, with the codes of /api/msc."""
    from catalog.msc.query import MAX_N_DOSES

    def codes(name, choices, what, example):
        return query(
            name,
            f"Only studies whose MSC profile has one of these {what} (comma-separated codes;"
            " see /api/msc/{nctId}). Any MSC filter keeps only studies giving an MSC product.",
            {"type": "array", "items": {"type": "string", "enum": list(choices.values)}},
            style="form",
            explode=False,
            example=example,
        )

    cells = {"type": "number", "minimum": 0}
    return [
        codes("source", MscSource, "cell sources", ["umbilical_cord", "wharton_jelly"]),
        query(
            "donor",
            "Only studies whose MSC donor is one of these (comma-separated); autologous and"
            " allogeneic also find studies using both.",
            {"type": "array", "items": {"type": "string", "enum": list(MscDonor.values)}},
            style="form",
            explode=False,
            example=["allogeneic"],
        ),
        codes("product", MscProduct, "products", ["extracellular_vesicles"]),
        codes("route", MscRoute, "routes", ["intravenous", "intrathecal"]),
        query(
            "dose_min",
            "Only studies stating a dose of at least this many cells per administration (e.g."
            " 1e6), in dose_unit. A dose escalation matches when any of its doses does.",
            cells,
            example=1e8,
        ),
        query(
            "dose_max",
            "Only studies stating a dose of at most this many cells per administration, in"
            " dose_unit.",
            cells,
            example=2e8,
        ),
        query(
            "dose_unit",
            "The unit of dose_min and dose_max: total (cells per administration; doses per kg"
            " of adult studies count for 70 kg) or per_kg.",
            {"type": "string", "enum": list(DoseUnit.values), "default": DoseUnit.TOTAL},
        ),
        query(
            "n_doses",
            f"Only studies giving the MSC product this many times (1 to {MAX_N_DOSES}); N+"
            " means N or more (write the + as %2B). Comma-separated for any of several.",
            {
                "type": "array",
                "items": {"type": "string", "pattern": r"^([1-9][0-9]{0,2}|1000)\+?$"},
            },
            style="form",
            explode=False,
            example=["1", "4+"],
        ),
    ]


_STUDY = {
    "type": "object",
    "description": (
        "A study in ClinicalTrials.gov's API v2 study format. Empty values are left out;"
        " with `fields`, only the named parts are present."
    ),
    "properties": {
        "protocolSection": {
            "type": "object",
            "properties": {
                "identificationModule": {
                    "type": "object",
                    "properties": {
                        "nctId": {"type": "string", "pattern": "^NCT[0-9]{8}$"},
                        "briefTitle": {"type": "string"},
                        "officialTitle": {"type": "string"},
                        "acronym": {"type": "string"},
                    },
                },
                "statusModule": {
                    "type": "object",
                    "properties": {"overallStatus": {"type": "string"}},
                },
                "designModule": {
                    "type": "object",
                    "properties": {
                        "studyType": {"type": "string"},
                        "phases": {"type": "array", "items": {"type": "string"}},
                        "enrollmentInfo": {
                            "type": "object",
                            "properties": {
                                "count": {"type": "integer"},
                                "type": {"type": "string"},
                            },
                        },
                    },
                },
                "conditionsModule": {
                    "type": "object",
                    "properties": {
                        "conditions": {"type": "array", "items": {"type": "string"}},
                        "keywords": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
        "derivedSection": {"type": "object"},
        "hasResults": {"type": "boolean"},
    },
}


def document():
    from catalog.api.views import API_VERSION

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "MSC Trials Catalog API",
            "version": API_VERSION,
            "description": (
                "Mesenchymal stem/stromal cell trials in ClinicalTrials.gov's API v2 format:"
                " clients of ClinicalTrials.gov's /api/v2 work here by changing the base URL."
            ),
        },
        "paths": {
            "/api/v2/studies": {
                "get": {
                    "operationId": "listStudies",
                    "summary": "Search studies, a page at a time",
                    "parameters": _list_parameters(),
                    "responses": {
                        "200": {
                            "description": (
                                "A page of studies. nextPageToken is absent on the last page;"
                                " totalCount only with countTotal=true on the first page."
                            ),
                            "headers": {
                                "x-next-page-token": {
                                    "description": "CSV only: the token of the next page.",
                                    "schema": {"type": "string"},
                                },
                                "x-total-count": {
                                    "description": "CSV only, with countTotal=true.",
                                    "schema": {"type": "integer"},
                                },
                            },
                            "content": {
                                _JSON: {"schema": {"$ref": "#/components/schemas/StudyList"}},
                                "text/csv": {
                                    "schema": {
                                        "type": "string",
                                        "description": (
                                            "The columns of ClinicalTrials.gov's CSV download: "
                                            + ", ".join(exports.CSV_HEADER)
                                        ),
                                    }
                                },
                            },
                        },
                        "400": _error("A parameter is malformed; the message names it."),
                    },
                }
            },
            "/api/v2/studies/{nctId}": {
                "get": {
                    "operationId": "getStudy",
                    "summary": "One study",
                    "parameters": [
                        {
                            "name": "nctId",
                            "in": "path",
                            "required": True,
                            "description": "The NCT ID: NCT and eight digits (any case).",
                            "schema": {"type": "string"},
                            "example": "NCT02883803",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The study.",
                            "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Study"}}},
                        },
                        "404": _error("No public study with this NCT ID."),
                    },
                }
            },
            "/api/v2/version": {
                "get": {
                    "operationId": "version",
                    "summary": "API version and data timestamp",
                    "responses": {
                        "200": {
                            "description": "The API version and when the data last changed.",
                            "content": {
                                _JSON: {"schema": {"$ref": "#/components/schemas/Version"}}
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Study": _STUDY,
                "StudyList": {
                    "type": "object",
                    "required": ["studies"],
                    "properties": {
                        "studies": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Study"},
                        },
                        "nextPageToken": {"type": "string"},
                        "totalCount": {"type": "integer", "minimum": 0},
                    },
                },
                "Version": {
                    "type": "object",
                    "required": ["apiVersion", "dataTimestamp"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "dataTimestamp": {
                            "type": "string",
                            "nullable": True,
                            "description": "When a trial was last imported or updated (UTC).",
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "parameter": {
                                    "type": "string",
                                    "description": "The parameter at fault.",
                                },
                            },
                        }
                    },
                },
            }
        },
    }
