from django.urls import path

from catalog import api, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("trials/", views.trial_list, name="trial_list"),
    path("trials/<str:nct_id>/", views.trial_detail, name="trial_detail"),
    path("api/v2/studies/<str:nct_id>", api.study_detail, name="api_study_detail"),
    path("api/msc/<str:nct_id>", api.msc_profile, name="api_msc_profile"),
    path("insights/", views.insights_page, name="insights"),
]
