from django.urls import path, re_path

from catalog import api, feeds, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", views.trial_list, name="trial_list"),
    path("trials/export.csv", views.trial_export_csv, name="trial_export_csv"),
    path("trials/export.json", views.trial_export_json, name="trial_export_json"),
    path("trials/feed/", feeds.SearchFeed(), name="trial_feed"),
    path("trials/<str:nct_id>/", views.trial_detail, name="trial_detail"),
    path("api/v2/studies", api.study_list, name="api_study_list"),
    path("api/v2/version", api.version, name="api_version"),
    path("api/v2/openapi.json", api.openapi_document, name="api_openapi"),
    path("api/v2/studies/<str:nct_id>", api.study_detail, name="api_study_detail"),
    # Anything else below /studies/ (slashes, line breaks, nothing) is no study: a JSON 404.
    re_path(r"^api/v2/studies/(?P<nct_id>[\s\S]*)\Z", api.study_detail),
]
