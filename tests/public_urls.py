"""Every public address, in one place.

The bad-input corpus, the security-header checks and the error-page checks go through each of
these. ``{id}`` stands for a trial's NCT ID (``EXAMPLE_ID``, a bundled trial, unless a test
puts something else there). Add each new public page or API endpoint here.
"""

EXAMPLE_ID = "NCT02883803"

# The pages people read (HTML).
HTML_PAGES = [
    "/",
    "/trials/",
    "/trials/{id}/",
    "/insights/",
    "/compare/?ids={id}",
    "/trials/table/",
]

PUBLIC_URLS = [
    *HTML_PAGES,
    "/trials/export.csv",
    "/trials/export.json",
    "/trials/feed/",
    "/sitemap.xml",
    "/robots.txt",
    "/api/v2/studies",
    "/api/v2/studies/{id}",
    "/api/v2/version",
    "/api/v2/openapi.json",
    "/api/msc",
    "/api/msc/{id}",
    "/healthz",
]

ADMIN_LOGIN_URL = "/admin/login/"


def example(url, nct_id=EXAMPLE_ID):
    return url.replace("{id}", nct_id)


def pages():
    """The public URLs that answer HTML (not the API, not the health check)."""
    return [example(url) for url in HTML_PAGES]
