"""Curation: the admin, its forms, the curators' roles, and the service that records every
change."""
