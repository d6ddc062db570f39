"""The registry record: ClinicalTrials.gov's API v2 format both ways, files and their import,
the sync client, and the bulk loader of synthetic trials."""
