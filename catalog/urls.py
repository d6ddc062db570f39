from django.urls import path

from catalog import api, views
from catalog.cache import cache_anonymous_page

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", cache_anonymous_page(views.trial_list), name="trial_list"),
    path("trials/<str:nct_id>/", cache_anonymous_page(views.trial_detail), name="trial_detail"),
    path("api/v2/studies/<str:nct_id>", api.study_detail, name="api_study_detail"),
]
