"""``/sitemap.xml``: the home and list pages, and every public trial with its last update."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from catalog.models import Trial


class PagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return ["catalog:home", "catalog:trial_list"]

    def location(self, item):
        return reverse(item)


class TrialSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return (
            Trial.objects.public()
            .order_by("nct_id")
            .only("nct_id", "last_update_posted", "updated_at")
        )

    def lastmod(self, trial):
        """The source record's last update; the catalog's own change when it has none."""
        return trial.last_update_posted or trial.updated_at.date()


SITEMAPS = {"pages": PagesSitemap, "trials": TrialSitemap}
