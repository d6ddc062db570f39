from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.generic import TemplateView

from catalog.api import views as api_views
from catalog.site import feeds, views
from catalog.site.cache import cache_anonymous_page
from catalog.site.sitemaps import SITEMAPS

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", cache_anonymous_page(views.trial_list), name="trial_list"),
    path("trials/export.csv", views.trial_export_csv, name="trial_export_csv"),
    path("trials/export.json", views.trial_export_json, name="trial_export_json"),
    path("trials/feed/", feeds.SearchFeed(), name="trial_feed"),
    path("trials/table/", cache_anonymous_page(views.trial_table), name="trial_table"),
    path(
        "trials/<str:nct_id>/",
        cache_anonymous_page(views.trial_detail, query=False),
        name="trial_detail",
    ),
    # An NCT ID without the trailing slash: one permanent redirect to the canonical address.
    re_path(r"^trials/(?P<nct_id>[Nn][Cc][Tt][0-9]{8})\Z", views.trial_detail),
    path("api/v2/studies", api_views.study_list, name="api_study_list"),
    path("api/v2/version", api_views.version, name="api_version"),
    path("api/v2/openapi.json", api_views.openapi_document, name="api_openapi"),
    path("api/v2/studies/<str:nct_id>", api_views.study_detail, name="api_study_detail"),
    # Anything else below /studies/ (slashes, line breaks, nothing) is no study: a JSON 404.
    re_path(r"^api/v2/studies/(?P<nct_id>[\s\S]*)\Z", api_views.study_detail),
    # Django's sitemap view reads one parameter, its page ``p``.
    path(
        "sitemap.xml",
        cache_anonymous_page(sitemap, query=("p",)),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path("api/msc", api_views.msc_list, name="api_msc_list"),
    path("api/msc/<str:nct_id>", api_views.msc_profile, name="api_msc_profile"),
    # As below /api/v2/studies/: anything else below /api/msc/ is no trial, a JSON 404.
    re_path(r"^api/msc/(?P<nct_id>[\s\S]*)\Z", api_views.msc_profile),
    path("insights/", views.insights_page, name="insights"),
    path("compare/", views.compare_trials, name="compare"),
]
