"""The OpenAPI 3 document of the API (``/api/v2/openapi.json``).

Built from the same constants the API checks its parameters against (for the filters, their
declarations in ``catalog.search.params``), so the two cannot drift: what the document allows
the API accepts, and what it does not allow gets a 400.
"""

import re

from catalog.api import essie, study_fields
from catalog.search import fulltext
from catalog.search.params import PARAMS
from catalog.site import exports

_JSON = "application/json"


def _error(description):
    return {
        "description": description,
        "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _list_parameters():
    from catalog.api.views import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SORT_KEYS, SORT_FIELDS

    sort_pattern = "^(" + "|".join(SORT_FIELDS) + ")(:(asc|desc))?$"
    fields = sorted(
        set(study_fields.PIECES) | set(study_fields.KNOWN_PATHS) | set(exports.CSV_HEADER)
    )

    def query(name, description, schema, **extra):
        if schema.get("type") == "array":
            # An empty value (``product=``) is no list of values: the API answers 400.
            schema = {**schema, "minItems": 1}
        return {"name": name, "in": "query", "description": description, "schema": schema, **extra}

    text = {"type": "string", "maxLength": fulltext.MAX_QUERY_CHARS}

    def _examples(*pairs):
        return {
            re.sub(r"[^A-Za-z0-9]+", "_", summary).strip("_").lower(): {
                "summary": summary,
                "value": value,
            }
            for summary, value in pairs
        }

    search_help = (
        ' Words must all match; "quoted phrases"; -word excludes; OR between terms; the last'
        " word also matches as a prefix when it is no word of the catalog. Any parameter this"
        " document does not list is a 400 naming it."
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
        # The filters: the list's parameters under the API's names, as declared.
        *PARAMS.openapi(),
        query(
            "query.outc",
            "Search outcome measures: titles, descriptions and time frames." + search_help,
            text,
            example="overall survival",
        ),
        query(
            "query.spons",
            "Search the lead sponsor and collaborators by name." + search_help,
            text,
            example="Mesoblast",
        ),
        query(
            "query.lead",
            "Search the lead sponsor by name." + search_help,
            text,
            example="Mayo Clinic",
        ),
        query(
            "query.id",
            "Studies with any of these identifiers (separated by spaces, commas or OR): NCT ID"
            " in any typed form, former NCT ID, organisation study ID, secondary ID, acronym.",
            text,
            example="NCT02883803, Cx601-0302",
        ),
        query(
            "query.patient",
            "Search what a patient reads: titles, conditions and keywords, interventions,"
            " summary, arms, outcome measures and sponsors (not the detailed description or"
            " eligibility text)." + search_help,
            text,
            example="knee cartilage",
        ),
        query(
            "filter.advanced",
            'An Essie expression: AREA[Field]value (a word, a "quoted phrase", RANGE[low,'
            " high] with MIN and MAX, or a parenthesised expression), AND, OR, NOT,"
            " parentheses; plain words search every text as query.term. Fields: "
            + ", ".join(essie.AREAS)
            + ". Dates are YYYY, YYYY-MM or YYYY-MM-DD; ages e.g. 18 years. Other Essie"
            " operators (SEARCH[], EXPANSION[], COVERAGE[], TILDE[], DISTANCE[], MISSING) and"
            " unknown fields are a 400 naming them.",
            {"type": "string", "maxLength": essie.MAX_ADVANCED_CHARS},
            examples=_examples(
                (
                    "Phase 2 or 3, recruiting",
                    "AREA[Phase](PHASE2 OR PHASE3) AND AREA[OverallStatus]RECRUITING",
                ),
                (
                    "Started since 2020, 100 participants or more",
                    "AREA[StartDate]RANGE[2020-01-01, MAX] AND AREA[EnrollmentCount]RANGE[100, MAX]",
                ),
                (
                    "In China but not Beijing",
                    "AREA[LocationCountry]China AND NOT AREA[LocationCity]Beijing",
                ),
                ("Children may take part", "AREA[MinimumAge]RANGE[MIN, 17 years]"),
                ("A condition", 'AREA[Condition]"graft versus host disease"'),
            ),
        ),
        query(
            "aggFilters",
            "Filters by aggregation, name:values separated by commas (values of one"
            " aggregation are alternatives): "
            + "; ".join(
                f"{name}: {' '.join(codes)}" for name, (_f, codes) in essie.AGGREGATIONS.items()
            )
            + ". Other names or values are a 400.",
            {"type": "string", "maxLength": essie.MAX_ADVANCED_CHARS},
            example="phase:2 3,status:rec not,results:with",
        ),
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


def _msc_list_parameters():
    """``/api/msc`` takes the list page's parameters under the list's names (repeated for
    several values, as the list's addresses hold them), then the v2 API's paging."""
    from catalog.api.views import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
    from catalog.search.listing import SORT_CHOICES

    entries = []
    for param in PARAMS:
        # The list's own reading where it is wider than the v2 API's (a place by name).
        schema = param.kind.list_schema() or (param.api and param.api.schema) or param.kind.schema()
        if param.multiple:
            schema = {"type": "array", "items": schema}
        doc = param.label + (f". {param.api.doc}" if param.api and param.api.doc else ".")
        entry = {"name": param.name, "in": "query", "description": doc, "schema": schema}
        if param.choices:
            entry["description"] += " Codes: " + ", ".join(
                f"{code} ({label})" for code, label in param.choices
            )
        if param.multiple:
            entry.update(style="form", explode=True)
        example = MSC_PARAMETER_EXAMPLES.get(param.name)
        if example is None and param.api is not None:
            example = param.api.example
        if example is not None:
            entry["example"] = example
        entries.append(entry)
    sorts = [value for value, _ in SORT_CHOICES]
    return [
        *entries,
        {
            "name": "sort",
            "in": "query",
            "description": "The list page's sort: "
            + "; ".join(f"{value} ({label})" for value, label in SORT_CHOICES)
            + ". Without it, relevance when searching, else -updated.",
            "schema": {"type": "string", "enum": sorts},
        },
        {
            "name": "format",
            "in": "query",
            "description": "Response format.",
            "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"},
        },
        {
            "name": "pageSize",
            "in": "query",
            "description": f"Profiles per page; 0 means the default ({DEFAULT_PAGE_SIZE}).",
            "schema": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        },
        {
            "name": "pageToken",
            "in": "query",
            "description": "The nextPageToken of the previous page, with the same other"
            " parameters.",
            "schema": {"type": "string"},
        },
        {
            "name": "countTotal",
            "in": "query",
            "description": "Give the number of matching trials (totalCount; for CSV the"
            " x-total-count header) with the first page.",
            "schema": {"type": "boolean", "default": False},
        },
    ]


# Examples of the MSC parameters, in the codes the list's addresses use.
MSC_PARAMETER_EXAMPLES = {
    "source": ["bone_marrow"],
    "route": ["intravenous"],
    "dose_min": "1e6",
    "dose_max": "2e6",
    "dose_unit": "per_kg",
}

_MSC_PROFILE_EXAMPLE = {
    "nct_id": "NCT02923375",
    "is_msc": True,
    "source": ["ipsc"],
    "donor": "allogeneic",
    "product": ["cells"],
    "route": ["intravenous"],
    "dose": {
        "text": "1 x 10^6 cells/kg or 2 x 10^6 cells/kg",
        "cells_per_kg": 2e6,
        "total_cells": 1.4e8,
        "min": 1e6,
        "max": 2e6,
        "unit": "per_kg",
        "n_doses": 2,
        "interval": "1 week",
        "derived": True,
    },
    "named_products": [{"name": "CYP-001", "source": "ipsc", "donor": "allogeneic"}],
    "arms": [],
    "evidence": {"source": ["..."], "donor": [], "product": [], "route": [], "dose": []},
    "curated": [],
    "computed_at": "2026-01-01T00:00:00+00:00",
}

_MSC_PROFILE = {
    "type": "object",
    "description": "A trial's MSC profile in stable codes, with the sentences each value came"
    " from (evidence) and the fields a curator set (curated).",
    "required": ["nct_id", "is_msc", "source", "donor", "product", "route", "dose"],
    "properties": {
        "nct_id": {"type": "string", "pattern": "^NCT[0-9]{8}$"},
        "is_msc": {"type": "boolean"},
        "source": {"type": "array", "items": {"type": "string"}},
        "donor": {"type": "string"},
        "product": {"type": "array", "items": {"type": "string"}},
        "route": {"type": "array", "items": {"type": "string"}},
        "dose": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "nullable": True},
                "cells_per_kg": {"type": "number", "nullable": True},
                "total_cells": {"type": "number", "nullable": True},
                "min": {"type": "number", "nullable": True},
                "max": {"type": "number", "nullable": True},
                "unit": {"type": "string", "nullable": True},
                "n_doses": {"type": "integer", "nullable": True},
                "interval": {"type": "string", "nullable": True},
                "derived": {"type": "boolean"},
            },
        },
        "named_products": {"type": "array", "items": {"type": "object"}},
        "arms": {"type": "array", "items": {"type": "object"}},
        "evidence": {"type": "object"},
        "curated": {"type": "array", "items": {"type": "string"}},
        "computed_at": {"type": "string", "nullable": True},
    },
    "example": _MSC_PROFILE_EXAMPLE,
}


# The paging of a CSV answer, in headers (a JSON answer carries it in its body).
_CSV_PAGE_HEADERS = {
    "x-next-page-token": {
        "description": "CSV only: the token of the next page.",
        "schema": {"type": "string"},
    },
    "x-total-count": {
        "description": "CSV only, with countTotal=true.",
        "schema": {"type": "integer"},
    },
}


def _page_of(key, item):
    """The schema of a JSON page: the ``item`` schemas under ``key``, and what paging needs."""
    return {
        "type": "object",
        "required": [key],
        "properties": {
            key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "nextPageToken": {"type": "string"},
            "totalCount": {"type": "integer", "minimum": 0},
        },
    }


def _msc_paths():
    from catalog.api.views import MSC_CSV_COLUMNS

    return {
        "/api/msc": {
            "get": {
                "operationId": "listMscProfiles",
                "summary": "The MSC profiles of a search, a page at a time",
                "description": "Exactly the trials the list page (/trials/) shows for the same"
                " parameters, in the same order. An unknown parameter or a value the list would"
                " ignore is a 400 naming it.",
                "parameters": _msc_list_parameters(),
                "responses": {
                    "200": {
                        "description": "A page of profiles. nextPageToken is absent on the last"
                        " page; totalCount only with countTotal=true on the first page.",
                        "headers": _CSV_PAGE_HEADERS,
                        "content": {
                            _JSON: {
                                "schema": {"$ref": "#/components/schemas/MscProfileList"},
                                "example": {
                                    "profiles": [_MSC_PROFILE_EXAMPLE],
                                    "nextPageToken": "eyJzIjpbWyJ1cGRhdGVkIiwgdHJ1ZV1dfQ",
                                    "totalCount": 7,
                                },
                            },
                            "text/csv": {
                                "schema": {
                                    "type": "string",
                                    "description": "Columns: "
                                    + ", ".join(c.name for c in MSC_CSV_COLUMNS)
                                    + ". Lists are joined with |.",
                                },
                                "example": ",".join(c.name for c in MSC_CSV_COLUMNS)
                                + "\nNCT02923375,...,YES,ipsc,allogeneic,cells,intravenous,"
                                "1e+06,2e+06,per_kg,2,1 week,...\n",
                            },
                        },
                    },
                    "400": _error("An unknown parameter or a bad value; the message names it."),
                },
            }
        },
        "/api/msc/{nctId}": {
            "get": {
                "operationId": "getMscProfile",
                "summary": "One trial's MSC profile",
                "parameters": [
                    {
                        "name": "nctId",
                        "in": "path",
                        "required": True,
                        "description": "The NCT ID (any case).",
                        "schema": {"type": "string"},
                        "example": "NCT02923375",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The profile.",
                        "content": {
                            _JSON: {
                                "schema": {"$ref": "#/components/schemas/MscProfile"},
                                "example": _MSC_PROFILE_EXAMPLE,
                            }
                        },
                    },
                    "404": _error("No public trial with this NCT ID."),
                },
            }
        },
    }


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
                            "headers": _CSV_PAGE_HEADERS,
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
            **_msc_paths(),
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
                "StudyList": _page_of("studies", "Study"),
                "MscProfile": _MSC_PROFILE,
                "MscProfileList": _page_of("profiles", "MscProfile"),
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
