"""The MSC profile of one ClinicalTrials.gov API v2 study record: ``profile_from_study(study)``.

The rules are split by stage in ``catalog.msc.extraction``; their vocabulary is ``rules.toml``.
"""

from .extraction.profile import profile_from_study
from .extraction.vocabulary import ADULT_WEIGHT_KG, PRODUCT_CODES, ROUTE_CODES, SOURCE_CODES

__all__ = ["ADULT_WEIGHT_KG", "PRODUCT_CODES", "ROUTE_CODES", "SOURCE_CODES", "profile_from_study"]
