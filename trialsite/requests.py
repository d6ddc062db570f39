"""What every request meets before a view: the methods public pages answer, the origin absolute
addresses are built from, and the static files that are served."""

import logging

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.http.request import split_domain_port
from whitenoise.middleware import WhiteNoiseMiddleware

SAFE_METHODS = ("GET", "HEAD")


class SafeMethodsMiddleware:
    """Public pages and the API are read-only: any other method (OPTIONS, TRACE, POST, ...)
    gets a 405 naming GET and HEAD, never the page. The admin, which takes forms, is exempt."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS and not request.path_info.startswith(
            "/" + settings.ADMIN_PATH
        ):
            return HttpResponseNotAllowed(SAFE_METHODS)
        return self.get_response(request)


class CanonicalOriginMiddleware:
    """The origin absolute addresses (canonical links, sharing tags, the sitemap, feeds,
    robots.txt) are built from: ``CANONICAL_ORIGIN`` when set (e.g. https://catalog.example.org),
    otherwise the request's host without a port the server does not listen on. Django accepts
    any port on an allowed host; without this, ``Host: catalog.example.org:6666`` would put
    that port into the page's addresses. Placed after CommonMiddleware, which checks the host
    as sent against ALLOWED_HOSTS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = settings.CANONICAL_ORIGIN
        if origin:
            scheme, _, host = origin.partition("://")
            request.META["HTTP_HOST"] = host
            request.META.pop("HTTP_X_FORWARDED_HOST", None)
            # The scheme too, wherever Django reads it (the WSGI environ, or the proxy's header).
            request.META["wsgi.url_scheme"] = scheme
            if settings.SECURE_PROXY_SSL_HEADER:
                header, secure = settings.SECURE_PROXY_SSL_HEADER
                request.META[header] = secure if scheme == "https" else scheme
            request._current_scheme_host = origin
        else:
            domain, port = split_domain_port(request.get_host())
            if port and port != str(request.META.get("SERVER_PORT", "")):
                request.META["HTTP_HOST"] = f"[{domain}]" if ":" in domain else domain
        return self.get_response(request)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, less the static files' manifest (``staticfiles.json``): it lists every file
    and is for the server, not for visitors."""

    def add_files(self, root, prefix=None):
        super().add_files(root, prefix)
        for url in [u for u in self.files if u.rsplit("/", 1)[-1].startswith("staticfiles.json")]:
            del self.files[url]

    def find_file(self, url):
        if url.rsplit("/", 1)[-1].startswith("staticfiles.json"):
            return None
        return super().find_file(url)


class OneLineWarning(logging.Filter):
    """A logging filter for expected rejections (a Host header not in ALLOWED_HOSTS): one line
    at WARNING, without the traceback Django attaches at ERROR."""

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        record.levelno = logging.WARNING
        record.levelname = "WARNING"
        return True
