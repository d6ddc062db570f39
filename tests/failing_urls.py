"""The site's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from trialsite.urls import handler404, handler500, urlpatterns  # noqa: F401


def fail(request):
    raise RuntimeError("a bug in a view: secret internals")


urlpatterns = [path("failing-view/", fail), *urlpatterns]
