"""Caching of anonymous pages, invalidated by any change to the catalog.

Every cached page is stored under the catalog's current *version*. The version is one row in
the database (``CatalogVersion``) that PostgreSQL bumps itself, by statement-level triggers on
every catalog table (see migration ``0006_scale``): an import, an admin edit, a bulk
``QuerySet.update()``, a ``COPY``, raw SQL, even ``TRUNCATE``. A change therefore makes every
cached page unreachable the moment it commits, in every process, whatever cache backend holds
the pages (Redis when ``REDIS_URL`` is set, local memory otherwise). Reading the version costs
one primary-key query per request.

The version is read before the page is built, so a page built while a change commits is stored
under the old version and never served after it.
"""

import hashlib
import logging
import threading
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse, QueryDict

from catalog.models import CatalogVersion, SharedFigures

SKIP_COOKIES = ("sessionid", "messages")


def current_version():
    """The committed catalog version, or None when this transaction has written (its view of the
    catalog is its own until it commits, so nothing it reads may be cached or served)."""
    version, own_writes = CatalogVersion.current()
    return None if own_writes else version


def invalidate():
    """Bump the version by hand (the triggers do it on every write; this is for other causes)."""
    CatalogVersion.bump()


def page_cache():
    return caches[settings.CATALOG_PAGE_CACHE]


def per_version(name, compute):
    """``compute()``, kept until the catalog changes.

    For figures every visitor shares, such as the whole catalog's total and facet counts: the
    database pays for them once per catalog version, not once per visit, nor once per worker.
    They are stored in the database (``SharedFigures``), where every worker, container and
    restart finds them, and each process keeps the current version's in its cache. Computed
    afresh, and not stored, inside a transaction that has written (see ``current_version``).

    After a change, the figures of the version before are served while this version's are
    computed once, by one process, in a thread of its own (``_refresh``), so that no visitor
    waits for them (at 500,000 trials the whole catalog's counts take seconds). Only figures
    never computed anywhere are computed during the request.
    """
    if not settings.CATALOG_CACHE_COUNTS:
        return compute()
    version = current_version()
    if version is None:
        return compute()
    cache = caches["default"]  # not the pages' cache: a flood of pages cannot evict these
    value = cache.get(_figures_key(version, name))
    if value is not None:
        return value
    stored = SharedFigures.read(name)
    if stored is None:
        value = compute()
        SharedFigures.keep(name, version, value)
    else:
        stored_version, value = stored
        if stored_version < version:
            # Only the first request of this process after the change starts a computation,
            # and only one process at a time computes (``SharedFigures.claim``).
            if cache.add(_figures_key(version, name) + ":computing", True, REFRESH_SECONDS):
                threading.Thread(
                    target=_refresh, args=(version, name, compute), daemon=True
                ).start()
            return value
    cache.set(_figures_key(version, name), value, settings.CATALOG_COUNTS_CACHE_SECONDS)
    return value


# How long this process waits before it tries again to have figures computed.
REFRESH_SECONDS = 60
logger = logging.getLogger(__name__)


def _figures_key(version, name):
    return f"catalog:data:{version}:{name}"


def _refresh(version, name, compute):
    """Compute and store the figures of ``version`` outside the request that found them
    out of date, on this thread's own database connection, unless another process is."""
    try:
        if SharedFigures.claim(name, version):
            try:
                SharedFigures.keep(name, version, compute())
            except Exception:
                SharedFigures.release(name)
                raise
    except Exception:
        logger.exception("could not compute the figures %r of catalog version %s", name, version)
        caches["default"].delete(_figures_key(version, name) + ":computing")
    finally:
        connections.close_all()


def _key(request, version, query=True):
    # The scheme and host are part of the key: pages hold absolute addresses (canonical link,
    # sharing tags, copy link), so a request with another Host header must not be served, or
    # leave behind, a page built for another address.
    if query is True:
        path = request.get_full_path()
    elif query:
        read = QueryDict(mutable=True)
        for name in query:
            if name in request.GET:
                read.setlist(name, request.GET.getlist(name))
        path = f"{request.path}?{read.urlencode()}" if read else request.path
    else:
        path = request.path
    address = request.build_absolute_uri(path)
    digest = hashlib.sha256(f"{request.method}:{address}".encode()).hexdigest()
    return f"catalog:page:{version}:{digest}"


def _cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if any(name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, *SKIP_COOKIES)):
        return False
    return True


def _cacheable_response(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page carries a CSRF token made for this visitor
    return "no-store" not in response.get("Cache-Control", "")


def cache_anonymous_page(view=None, *, timeout=None, query=True):
    """Serve a view's 200 responses to anonymous visitors from the cache until the catalog changes.

    Responses that set cookies, carry a CSRF token (a form) or ``Cache-Control: no-store`` are
    not stored; visitors with a session are always served fresh pages. ``X-Catalog-Cache:
    hit|miss`` tells which.

    ``query`` says which parameters make another page. ``True``: the whole query string; a view
    that reads parameters redirects unknown ones away before it renders (redirects are never
    stored). ``False``, for a view that reads none: its page is stored once, whatever query
    string an address adds (so made-up parameters cannot fill the cache). A tuple of names, for
    a view that reads only those (the sitemap's page ``p``): the others are left out of the key.
    The pages' cache (``CATALOG_PAGE_CACHE``) is bounded on its own (settings, ``CACHES``).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not getattr(settings, "CATALOG_CACHE_PAGES", True) or not _cacheable_request(
                request
            ):
                return view_func(request, *args, **kwargs)
            version = current_version()
            if version is None:
                return view_func(request, *args, **kwargs)
            key = _key(request, version, query)
            cache = page_cache()
            stored = cache.get(key)
            if stored is not None:
                status, headers, content = stored
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response[name] = value
                response["X-Catalog-Cache"] = "hit"
                return response
            response = view_func(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _cacheable_response(request, response):
                headers = [(k, v) for k, v in response.items() if k.lower() != "x-catalog-cache"]
                cache.set(
                    key,
                    (response.status_code, headers, response.content),
                    settings.CATALOG_PAGE_CACHE_SECONDS if timeout is None else timeout,
                )
                response["X-Catalog-Cache"] = "miss"
            return response

        return wrapped

    return decorator(view) if view is not None else decorator
