"""The trial page's pieces, rendered once and then served as stored (``StoredPage``).

Rendering a trial page (its record, sites, results, history and related trials through the
templates) costs several times what reading it does, and a page changes only when its trial
or a trial it lists does. So its pieces are rendered on the first view after such a change,
stored, and served from then on; only the compare link, which depends on the request, is
rendered on each view.

A stored page is served only while it is current (``StoredPage.is_current``): rendered from the
trial's version, by the running code (``build``), today. PostgreSQL forgets it when any row it
was rendered from changes (migration 0027), whoever wrote; and a page is stored only if the
catalog has not changed since its rows were read (``StoredPage.objects.keep``), so that a page
rendered from a lagging replica, or just before a change, is never stored after it.

Pieces hold the page's absolute address with ``ORIGIN`` for the scheme and host (a reserved
``.invalid`` name that no real address has), replaced by the request's on each view.
"""

import hashlib
import logging
from functools import cache, partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from catalog.models import CatalogVersion, StoredPage, Trial
from catalog.msc import display as msc_display
from catalog.site import maps, results, sharing

ORIGIN = "https://stored-page.invalid"
RELATED_TRIALS = 5
PIECES = ("title", "description", "head", "header", "body", "related")
# The pieces that are HTML, escaped when rendered; the others are text, escaped when shown.
HTML_PIECES = ("head", "header", "body", "related")

logger = logging.getLogger(__name__)


@cache
def build():
    """The running code's fingerprint: a hash of the files a page is rendered by (the code,
    templates and static files, whose hashed names the page links to) and of the settings it
    reads. A page rendered by other code, after a deployment, is rendered again."""
    digest = hashlib.sha256(settings.MAP_TILE_URL.encode())
    for folder in ("catalog", "templates", "static"):
        root = Path(settings.BASE_DIR) / folder
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_of(trial, request):
    """The trial page's pieces for ``request`` by ``PIECES`` (``HTML_PIECES`` as safe strings,
    the others as text): the stored ones if current, else rendered and stored. ``trial`` comes
    from ``Trial.objects.for_stored_page()``."""
    stored = getattr(trial, "stored_page", None)
    if stored is None or not stored.is_current(trial, build()):
        stored = _render_and_keep(trial.pk)
    origin = f"{request.scheme}://{request.get_host()}"
    page = {name: getattr(stored, name) for name in PIECES}
    for name in HTML_PIECES:
        page[name] = mark_safe(page[name].replace(ORIGIN, origin))
    return page


def render(trial):
    """The pieces of ``trial`` (read with ``Trial.objects.for_page()``) by field name."""
    canonical_url = ORIGIN + trial.get_absolute_url()
    profile = getattr(trial, "msc", None)
    context = {
        "trial": trial,
        "msc_profile": profile,
        "msc_rows": msc_display.profile_rows(profile),
        "msc_products": msc_display.named_products(profile),
        "results": results.for_trial(trial),
        "related_trials": Trial.objects.related_for_page(trial, RELATED_TRIALS),
        "listed_related": Trial.objects.public().listed_related(trial),
        "canonical_url": canonical_url,
        "citation": sharing.citation(trial, canonical_url),
        "site_map": maps.site_map(trial.sites.all(), settings.MAP_TILE_URL),
    }
    return {
        "title": sharing.page_title(trial),
        "description": sharing.description(trial),
        "head": render_to_string("catalog/includes/trial_meta.html", context),
        "header": render_to_string("catalog/includes/trial_opening.html", context),
        "body": render_to_string("catalog/includes/trial_body.html", context),
        "related": render_to_string("catalog/includes/related_trials.html", context),
    }


def _render_and_keep(pk):
    read_at, _ = CatalogVersion.current()
    trial = Trial.objects.for_page().get(pk=pk)
    parts = render(trial)
    # Stored once the request's transaction commits (at once, outside one): never a page of
    # writes that may yet be rolled back. Only with the trial's current list of related trials,
    # whose trials' changes forget it (a list scored afresh, on this view, is nowhere stored).
    if Trial.objects.has_current_related(trial):
        transaction.on_commit(partial(_keep, trial, parts, read_at))
    return StoredPage(trial=trial, **parts)


def _keep(trial, parts, read_at):
    try:
        StoredPage.objects.keep(trial, build(), parts, read_at)
    except DatabaseError:
        # A page that cannot be stored (a read-only database) is rendered again next time.
        logger.warning("the page of trial %s could not be stored", trial.nct_id, exc_info=True)
