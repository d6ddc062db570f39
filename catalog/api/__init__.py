"""The JSON API in ClinicalTrials.gov's API v2 format, its ``fields`` parameter and OpenAPI
document."""
