from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("", include("catalog.urls")),
]

handler404 = "trialsite.errors.page_not_found"
handler500 = "trialsite.errors.server_error"
