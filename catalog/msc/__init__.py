"""MSC profile: rule-based extraction of source, donor, product, route and dose from a
ClinicalTrials.gov API v2 study record. Pure standard library (no Django)."""

from .extract import profile_from_study

__all__ = ["profile_from_study"]
