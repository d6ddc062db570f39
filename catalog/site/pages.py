"""The trial page, rendered once and then served as stored (``StoredPage``).

Rendering a trial page (its record, sites, results, history and related trials through the
templates) costs many times what reading it does, and a page changes only when its trial or a
trial it lists does. So the whole page is rendered on the first view after such a change,
stored, and served from then on as it is: a view of a stored page is one query and no template.
Two things in it depend on the request, and are put in as it is served: the origin of its
absolute addresses, and the compare link's selection so far (``?compare=``).

A stored page is served only while it is current (``StoredPage.objects.current_html``): rendered
from the trial's version, by the running code (``build``), today. PostgreSQL forgets it when
any row it was rendered from changes (migration 0027), whoever wrote; and a page is stored only
if the catalog has not changed since its rows were read (``StoredPage.objects.keep``), so that a
page rendered from a lagging replica, or just before a change, is never stored after it.

A stored page holds its absolute addresses with ``ORIGIN`` for the scheme and host (a reserved
``.invalid`` name that no real address has), replaced by the request's on each view.
"""

import hashlib
import logging
from functools import cache, partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.models import CatalogVersion, StoredPage, Trial
from catalog.msc import display as msc_display
from catalog.site import compare, maps, results, sharing

ORIGIN = "https://stored-page.invalid"
RELATED_TRIALS = 5
COMPARE_LINK = "catalog/includes/trial_compare.html"

logger = logging.getLogger(__name__)


@cache
def build():
    """The running code's fingerprint: a hash of the files a page is rendered by (the code,
    templates and static files, whose hashed names the page links to) and of the settings it
    reads, the static files' address and storage among them (a page links to its script and
    styles by the names that storage gives). A page rendered by other code, after a deployment,
    or by a server whose static files are named otherwise, is rendered again."""
    digest = hashlib.sha256(settings.MAP_TILE_URL.encode())
    digest.update(settings.STATIC_URL.encode())
    digest.update(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    for folder in ("catalog", "templates", "static"):
        root = Path(settings.BASE_DIR) / folder
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def page_for(request, nct_id):
    """The page of the public trial ``nct_id`` (canonical) as HTML for ``request``, or None if
    there is none: the stored page if current, else the page rendered and then stored."""
    html = StoredPage.objects.current_html(nct_id, build())
    if html is None:
        read_at, _ = CatalogVersion.current()  # before the trial: see StoredPage.objects.keep
        trial = Trial.objects.public().for_page().filter(nct_id=nct_id).first()
        if trial is None:
            return None
        html = render(trial)
        # Stored once the request's transaction commits (at once, outside one): never a page
        # of writes that may yet be rolled back. Only with the trial's current list of related
        # trials, whose trials' changes forget it (a list scored afresh, on this view, is
        # nowhere stored).
        if Trial.objects.has_current_related(trial):
            transaction.on_commit(partial(_keep, trial, html, read_at))
    html = html.replace(ORIGIN, f"{request.scheme}://{request.get_host()}")
    if selected := request.GET.getlist("compare"):
        # Only a page asked for with a selection differs from the stored one by its link.
        stored_link = render_to_string(COMPARE_LINK, compare.link(nct_id, []))
        html = html.replace(
            stored_link, render_to_string(COMPARE_LINK, compare.link(nct_id, selected)), 1
        )
    return html


def render(trial):
    """The page of ``trial`` (read with ``Trial.objects.for_page()``) as stored: with ``ORIGIN``
    and no compare selection."""
    canonical_url = ORIGIN + trial.get_absolute_url()
    profile = getattr(trial, "msc", None)
    context = {
        "trial": trial,
        "title": sharing.page_title(trial),
        "description": sharing.description(trial),
        "origin": ORIGIN,
        "compare": compare.link(trial.nct_id, []),
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
    return render_to_string("catalog/trial_detail.html", context)


def store_missing(batch_size=100):
    """Render and store the page of every public trial without a current one (``manage.py
    store_pages``, run beside the site after a deployment, so that no visitor waits for a page,
    and daily after midnight, as a page is current for the day it was rendered). Returns how
    many were stored; the pages of trials that changed meanwhile, or whose related trials are
    not stored yet (``relate_trials``), are left for their first view."""
    current = build()
    missing = Trial.objects.public().lacking_current(
        StoredPage.objects.filter(build=current, built_on=timezone.localdate())
    )
    stored = 0
    for start in range(0, len(missing), batch_size):
        read_at, _ = CatalogVersion.current()  # before the trials: see StoredPage.objects.keep
        trials = Trial.objects.filter(pk__in=missing[start : start + batch_size]).for_page()
        rendered = {
            trial: render(trial) for trial in trials if Trial.objects.has_current_related(trial)
        }
        if StoredPage.objects.keep(rendered, current, read_at):
            stored += len(rendered)
    return stored


def _keep(trial, html, read_at):
    try:
        StoredPage.objects.keep({trial: html}, build(), read_at)
    except DatabaseError:
        # A page that cannot be stored (a read-only database) is rendered again next time.
        logger.warning("the page of trial %s could not be stored", trial.nct_id, exc_info=True)
