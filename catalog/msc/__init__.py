"""MSC profiles: what cell product a trial gives, derived from its record by rules.

``extract`` / ``extraction`` hold the rules (plain Python over a ClinicalTrials.gov record),
``annotate`` stores their output in ``MscProfile``, ``query`` filters and counts trials by it,
``display`` shows it on the trial page and ``evaluate`` scores the rules against hand labels.
"""

from .extract import profile_from_study

__all__ = ["profile_from_study"]
