"""Cache-Control for responses that set none.

- the admin, anything personal (a response that sets a cookie or varies on it), anything but a
  successful GET/HEAD: ``private, no-store``;
- the API: ``public, max-age=API_MAX_AGE``; other pages: ``public, max-age=PAGE_MAX_AGE``.

Static files are not seen here: whitenoise answers them earlier, with a far-future max-age for
their hashed names.
"""

from django.conf import settings
from django.utils.cache import has_vary_header

from trialsite.admin_path import is_admin

NO_STORE = "private, no-store"
CACHEABLE_STATUS = {200, 203, 301, 404, 410}


class CacheControlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = self.cache_control(request, response)
        return response

    def cache_control(self, request, response):
        if is_admin(request):
            return NO_STORE
        if request.method not in ("GET", "HEAD") or response.status_code not in CACHEABLE_STATUS:
            return NO_STORE
        if response.cookies or has_vary_header(response, "Cookie"):
            return NO_STORE
        if request.path.startswith("/api/"):
            return f"public, max-age={settings.API_MAX_AGE}"
        return f"public, max-age={settings.PAGE_MAX_AGE}"
