"""An Atom feed of new and updated trials for any search of the list page.

``/trials/feed/?<the list's parameters>``: the most recently updated matching trials, newest
first, so a feed reader shows what changed in a search someone follows.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator

from catalog.search.listing import SortKey, TrialSearch

FEED_SIZE = 50


def _datetime(value):
    if value is None:
        return None
    return datetime.datetime.combine(value, datetime.time(), tzinfo=datetime.UTC)


class SearchFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        return TrialSearch(request.GET)

    def title(self, search):
        described = search.describe()
        return f"MSC trials: {described}" if described else "MSC trials: all"

    def subtitle(self, search):
        return "New and updated mesenchymal stem/stromal cell trials, most recent first."

    def link(self, search):
        return reverse("catalog:trial_list") + search.filter_query_string()

    def feed_url(self, search):
        return reverse("catalog:trial_feed") + search.filter_query_string()

    def items(self, search):
        newest = [SortKey("updated", True)]
        return (
            search.ordered(newest)
            .select_related("lead_sponsor")
            .only(
                "nct_id",
                "brief_title",
                "brief_summary",
                "current_status",
                "first_posted",
                "last_update_posted",
                "lead_sponsor__name",
            )[:FEED_SIZE]
        )

    def item_title(self, trial):
        return f"{trial.brief_title} ({trial.nct_id})"

    def item_description(self, trial):
        status = trial.get_current_status_display()
        summary = Truncator(trial.brief_summary).words(60)
        return f"{status}. {summary}"

    def item_link(self, trial):
        return trial.get_absolute_url()

    def item_pubdate(self, trial):
        return _datetime(trial.first_posted or trial.last_update_posted)

    def item_updateddate(self, trial):
        return _datetime(trial.last_update_posted or trial.first_posted)

    def item_author_name(self, trial):
        return trial.lead_sponsor.name if trial.lead_sponsor else None

    def item_categories(self, trial):
        return [trial.get_current_status_display()]
