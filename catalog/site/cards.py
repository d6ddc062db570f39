"""A list result's card, rendered once and then served as stored (``StoredCard``).

A list page shows 25 results (up to 100), and building each one's objects (the trial, its
sponsor, MSC profile and conditions) and rendering its card cost more than finding them. A
card changes only when its trial does, so its parts are rendered on the first listing after
such a change, stored, and served from then on: the list then reads its page of results with
their stored cards in two queries. What changes per search or per day (the snippet, the notes of
the parameters in use, the record's age in words) is put between the parts on each view
(``templates/catalog/fragments/results.jinja``).

As for stored trial pages (``catalog.site.pages``, whose code fingerprint ``build`` this shares):
a card is served only while it was rendered from the trial's version by the running code;
PostgreSQL forgets it when a row it shows changes (migration 0028); and cards are stored only if
the catalog has not changed since their rows were read.
"""

import logging
from functools import partial

from django.db import DatabaseError, transaction
from django.template import engines
from markupsafe import Markup

from catalog.models import CatalogVersion, StoredCard, Trial
from catalog.msc import display as msc_display
from catalog.site.pages import build

TEMPLATE = "catalog/fragments/result_card.jinja"

logger = logging.getLogger(__name__)


def attach(results):
    """Give each of ``results`` (a page of ``TrialSearch.results()``) its ``card``: its parts
    by ``StoredCard.PARTS`` as safe HTML, the stored ones if current, else rendered now and
    stored once the request commits. One query when all are stored."""
    if not results:
        return results
    # Read apart from the page, by primary key: joined to a search's page, the cards of all
    # its matches were read before the page was cut to 25.
    stored = StoredCard.objects.filter(trial__in=[trial.pk for trial in results])
    cards = {card.trial_id: card for card in stored}
    current = build()
    stale = [
        trial.pk
        for trial in results
        if trial.pk not in cards or not cards[trial.pk].is_current(trial, current)
    ]
    if stale:
        cards.update(_render_and_keep(stale))
    for trial in results:
        trial.card = {name: Markup(getattr(cards[trial.pk], name)) for name in StoredCard.PARTS}
    return results


def store_missing(batch_size=500):
    """Render and store the card of every public trial without a current one (the release
    step's ``store_cards``, so that no visitor's list renders them after a deployment).
    Returns how many were stored; cards whose trials changed meanwhile are left for their
    first listing."""
    current = build()
    missing = Trial.objects.public().lacking_current(StoredCard.objects.filter(build=current))
    stored = 0
    for start in range(0, len(missing), batch_size):
        read_at, _ = CatalogVersion.current()
        trials = Trial.objects.filter(pk__in=missing[start : start + batch_size]).for_card()
        cards = {trial: render(trial) for trial in trials}
        if StoredCard.objects.keep(cards, current, read_at):
            stored += len(cards)
    return stored


def render(trial):
    """The card's parts of ``trial`` (read with ``Trial.objects.for_card()``) by field name."""
    module = (
        engines["fragments"]
        .env.get_template(TEMPLATE)
        .make_module(
            {"trial": trial, "msc_values": msc_display.list_values(getattr(trial, "msc", None))}
        )
    )
    return {name: str(getattr(module, name)) for name in StoredCard.PARTS}


def _render_and_keep(pks):
    read_at, _ = CatalogVersion.current()
    cards = {trial: render(trial) for trial in Trial.objects.filter(pk__in=pks).for_card()}
    # Stored once the request's transaction commits (at once, outside one): never cards of
    # writes that may yet be rolled back.
    transaction.on_commit(partial(_keep, cards, read_at))
    return {trial.pk: StoredCard(trial=trial, **parts) for trial, parts in cards.items()}


def _keep(cards, read_at):
    try:
        StoredCard.objects.keep(cards, build(), read_at)
    except DatabaseError:
        # Cards that cannot be stored (a read-only database) are rendered again next time.
        logger.warning("%d list cards could not be stored", len(cards), exc_info=True)
