"""Settings for the MSC trials catalog, read from the environment (12-factor).

Development: ``DEBUG=1`` and nothing else; the database is the embedded PostgreSQL under
``var/`` unless ``DATABASE_URL`` is set. Production: ``DEBUG`` unset, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``DATABASE_URL`` set (see the README, "Deploying").
"""

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    return _env_number(name, default, int, "a whole number")


def env_float(name, default):
    return _env_number(name, default, float, "a number")


def _env_number(name, default, kind, what):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.") from error


DEBUG = env_bool("DEBUG")


def _required_unless_debug(name):
    """The environment's ``name``; without it, an error in production and None in development
    (where the caller supplies a stand-in)."""
    value = os.environ.get(name)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
    return None


def _secret_key():
    key = _required_unless_debug("SECRET_KEY")
    if key:
        return key
    # Development only: a random key kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
# The scheme and host of the site's absolute addresses (canonical links, sitemap, feeds), e.g.
# https://catalog.example.org. Empty: the request's own, without a port the server does not
# listen on (trialsite.requests.CanonicalOriginMiddleware).
CANONICAL_ORIGIN = os.environ.get("CANONICAL_ORIGIN", "").strip().rstrip("/")
if CANONICAL_ORIGIN and not CANONICAL_ORIGIN.startswith(("https://", "http://")):
    raise ImproperlyConfigured("CANONICAL_ORIGIN must be like https://catalog.example.org.")
if CANONICAL_ORIGIN:
    _canonical_host = CANONICAL_ORIGIN.partition("://")[2].rsplit(":", 1)[0]
    if _canonical_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_canonical_host)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "catalog",
]

MIDDLEWARE = [
    # /healthz answers first: no host check, no HTTPS redirect, for the container's probe.
    "trialsite.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # whitenoise, less the static files' manifest.
    "trialsite.requests.StaticFilesMiddleware",
    "trialsite.csp.ContentSecurityPolicyMiddleware",
    "trialsite.cache_headers.CacheControlMiddleware",
    # Public pages answer GET and HEAD only (405 otherwise; the admin is exempt).
    "trialsite.requests.SafeMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware's host check: the origin absolute addresses are built from.
    "trialsite.requests.CanonicalOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the others, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
    # Statuses judged by today's date on the first request of each day (catalog.site.statuses).
    "catalog.site.statuses.JudgeStatusesDailyMiddleware",
    # Last, so it sees a view's exception first: a database outage becomes a friendly 503.
    "trialsite.outage.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "trialsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The hottest loops of the pages (catalog/templatetags/fragments.py), *.jinja files.
        "NAME": "fragments",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "catalog.templatetags.fragments.environment"},
    },
]

WSGI_APPLICATION = "trialsite.wsgi.application"


def _database_url():
    url = _required_unless_debug("DATABASE_URL")
    if url:
        return url
    from trialsite.embedded_db import database_url

    return database_url(VAR_DIR)


DATABASES = {"default": dj_database_url.parse(_database_url(), conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backend, its health check first polling the connection (trialsite/postgresql/).
DATABASES["default"]["ENGINE"] = "trialsite.postgresql"
# A database that does not answer fails the request quickly (a 503 page) instead of hanging it.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
)


def _set_on_connections(parameter, value):
    """Set a PostgreSQL parameter on every connection the site opens (libpq's ``options``)."""
    options = DATABASES["default"]["OPTIONS"]
    options["options"] = (options.get("options", "") + f" -c {parameter}={value}").strip()


# The planner's cost of a random page read. PostgreSQL's default (4) assumes spinning disks; the
# catalog is read from memory, where 1.1 lets the planner combine the search, status and array
# indexes instead of scanning the trials (docs/scaling.md). Empty: the server's own setting.
RANDOM_PAGE_COST = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1").strip()
if RANDOM_PAGE_COST:
    try:
        float(RANDOM_PAGE_COST)
    except ValueError:
        raise ImproperlyConfigured("DATABASE_RANDOM_PAGE_COST must be a number.") from None
    _set_on_connections("random_page_cost", RANDOM_PAGE_COST)

# The memory a query may use per sort or hash before it spills to disk. The list's facet
# statement tests each trial against the trials each active facet filter keeps; PostgreSQL
# hashes those sets only when they fit, and otherwise reads them again for every trial: at
# 500,000 trials a search with three filters took over two minutes at the server's default of
# 4 MB, 3 s at 64 MB (docs/scaling.md). Empty: the server's own setting.
WORK_MEM = os.environ.get("DATABASE_WORK_MEM", "64MB").strip()
if WORK_MEM:
    if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB)", WORK_MEM):
        raise ImproperlyConfigured(
            "DATABASE_WORK_MEM must be a size in kB, MB or GB, such as 64MB."
        )
    _set_on_connections("work_mem", WORK_MEM)

# PostgreSQL's JIT compilation of expensive queries. The catalog's statements are short, but
# their estimated cost passes jit_above_cost at 500,000 trials, and compiling the facet
# statement (one branch per facet) took longer than running it: 5.1 of the 6.6 s of a one-word
# search (docs/scaling.md). "off" by default; "on" or empty keeps the server's setting.
JIT = os.environ.get("DATABASE_JIT", "off").strip().lower()
if JIT not in ("", "on", "off"):
    raise ImproperlyConfigured("DATABASE_JIT must be on or off.")
if JIT == "off":
    _set_on_connections("jit", "off")

# A streaming read replica of DATABASE_URL (trialsite/replica.py, docs/replicas.md): the reads
# of visitors who are not logged in go there while it answers and is at most
# DATABASE_REPLICA_MAX_LAG seconds behind, checked every DATABASE_REPLICA_CHECK_SECONDS per
# process; everything else goes to the primary. Unset: one database, no router.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
DATABASE_REPLICA_MAX_LAG = env_float("DATABASE_REPLICA_MAX_LAG", 10.0)
DATABASE_REPLICA_CHECK_SECONDS = env_float("DATABASE_REPLICA_CHECK_SECONDS", 5.0)
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["ENGINE"] = "trialsite.postgresql"
    _replica["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        **_replica.get("OPTIONS", {}),
        # A replica that does not answer is given up quickly: the primary answers instead.
        "connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2),
    }
    # Tests read and write one database: the replica is the primary under another name.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["trialsite.replica.ReplicaRouter"]
    MIDDLEWARE.append("trialsite.replica.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Logs go to standard output; in production as JSON lines (one object per event, tracebacks
# included), so a log collector can read them. LOG_FORMAT=text|json overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"one_line_warning": {"()": "trialsite.requests.OneLineWarning"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "trialsite.jsonlog.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The embedded server narrates every start and stop at INFO.
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # django-axes announces itself at every start; its lockouts are warnings.
        "axes.apps": {"level": "WARNING"},
        # A Host header not in ALLOWED_HOSTS is a probe, answered 400: one line, no traceback.
        "django.security.DisallowedHost": {"filters": ["one_line_warning"]},
    },
}

# Caching: Redis when REDIS_URL is set (shared by all workers and containers), otherwise each
# process's local memory. Two key spaces, each bounded on its own so that one cannot evict the
# other: "default" (counts per catalog version, export limits) and "pages" (whole pages, one
# per address, so the one a flood of addresses would fill). PAGE_CACHE_URL gives the pages a
# Redis of their own (the compose file's, with its own maxmemory); in local memory each holds
# at most its MAX_ENTRIES.
REDIS_URL = os.environ.get("REDIS_URL", "")
PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "") or REDIS_URL


def _cache(url, max_entries, prefix):
    if url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": prefix,
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


CACHES = {
    "default": _cache(REDIS_URL, env_int("CACHE_MAX_ENTRIES", 2000), "data"),
    "pages": _cache(PAGE_CACHE_URL, env_int("PAGE_CACHE_MAX_ENTRIES", 500), "pages"),
}

# HTTPS. HTTPS=1 (the default when DEBUG is off) means the site is reached over HTTPS: plain
# HTTP is redirected, HSTS is sent and cookies are secure. BEHIND_PROXY=1 trusts the proxy's
# X-Forwarded-Proto header to tell HTTPS requests (set it only behind a proxy that sets it).
HTTPS = env_bool("HTTPS", not DEBUG)
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (trialsite/csp.py): no inline script or style anywhere; JSON-LD
# (<script type="application/ld+json">) is data and not affected. The admin's pages keep the
# same policy except for inline styles, which a few of its templates use.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if HTTPS:
    CSP_DIRECTIVES["upgrade-insecure-requests"] = []
CSP_ADMIN_DIRECTIVES = {"style-src": ["'self'", "'unsafe-inline'"]}

# Cache-Control for responses that set none (trialsite/cache_headers.py): public pages and
# API answers may be cached briefly by browsers and proxies; the admin never.
PAGE_MAX_AGE = env_int("PAGE_MAX_AGE", 60)
API_MAX_AGE = env_int("API_MAX_AGE", 300)
# Static files have hashed names in production: whitenoise sends them with a ten-year max-age.

# The catalog.
CATALOG_PUBLISH_IMPORTED = env_bool("CATALOG_PUBLISH_IMPORTED", True)
# Downloads (catalog.site.downloads): each export is stored as a file (and its gzip) once per
# catalog version under CATALOG_EXPORT_DIR (created on demand; older versions' files are removed
# when a newer one is built), at most CATALOG_EXPORT_MAX_FILES per version. Each address may
# start CATALOG_EXPORT_LIMIT downloads per CATALOG_EXPORT_WINDOW seconds (0: no limit).
CATALOG_EXPORT_DIR = Path(os.environ.get("CATALOG_EXPORT_DIR", VAR_DIR / "exports"))
CATALOG_EXPORT_MAX_FILES = env_int("CATALOG_EXPORT_MAX_FILES", 200)
CATALOG_EXPORT_LIMIT = env_int("CATALOG_EXPORT_LIMIT", 30)
CATALOG_EXPORT_WINDOW = max(1, env_int("CATALOG_EXPORT_WINDOW", 600))
# The trial page's map needs no tile server. Set MAP_TILE_URL to a tile map's address with
# {lat}, {lon} and {zoom} (e.g. https://www.openstreetmap.org/#map={zoom}/{lat}/{lon}) to also
# link each map's view there.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# Where the gazetteer's tables (catalog.places) are kept once built (default: VAR_DIR/gazetteer).
GAZETTEER_DIR = os.environ.get("GAZETTEER_DIR", "")

CATALOG_BUNDLED_DATA = [
    BASE_DIR / "data" / "msc-trials-2022.json.gz",
    BASE_DIR / "data" / "seeds",
]


# Curation: the admin's address, login safety, sessions, and the ClinicalTrials.gov sync.
ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"
AUTHENTICATION_BACKENDS = [
    # Refuses logins of locked-out accounts before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "trialsite.login_attempts.attempted_username"
# The visitor's address, for login lockouts and export limits (trialsite.client, with
# django-ipware and axes's settings). PROXY_COUNT is how many reverse proxies stand in
# front of the application (1 for the compose file's Caddy; 0: visitors connect directly, and an
# X-Forwarded-For header they send is ignored). Each proxy appends the address it was reached
# from to X-Forwarded-For, and the nearest one is the connection's own address (REMOTE_ADDR),
# so the client is the entry PROXY_COUNT places from the right; entries further left were
# written by the client and are not trusted.
PROXY_COUNT = env_int("PROXY_COUNT", 1 if BEHIND_PROXY else 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("PROXY_COUNT must be 0 or more.")
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    # django-ipware counts the proxies named inside X-Forwarded-For: all but the nearest.
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = None
AXES_CLIENT_IP_CALLABLE = "trialsite.client.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CATALOG_UPLOAD_MAX_BYTES = env_int("CATALOG_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
# Import bounds (import_ctgov, the admin upload): a file's size once decompressed (a gzip or a
# zip member), and one study's size as JSON. Past either, the file or study is refused with
# its reason and the command exits non-zero.
CATALOG_IMPORT_MAX_BYTES = env_int("CATALOG_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
CATALOG_IMPORT_MAX_STUDY_BYTES = env_int("CATALOG_IMPORT_MAX_STUDY_BYTES", 8 * 1024 * 1024)

CTGOV_API_BASE_URL = os.environ.get("CTGOV_API_BASE_URL", "https://clinicaltrials.gov/api/v2")
CTGOV_SYNC_QUERY = os.environ.get(
    "CTGOV_SYNC_QUERY",
    '"mesenchymal stem cells" OR "mesenchymal stromal cells" OR "mesenchymal stem cell" OR '
    '"mesenchymal stromal cell" OR "mesenchymal progenitor cells"',
)
CTGOV_SYNC_MIN_INTERVAL = env_float("CTGOV_SYNC_MIN_INTERVAL", 1.0)
CTGOV_SYNC_TIMEOUT = env_float("CTGOV_SYNC_TIMEOUT", 30.0)
CTGOV_SYNC_RETRIES = env_int("CTGOV_SYNC_RETRIES", 5)
CTGOV_SYNC_BACKOFF = env_float("CTGOV_SYNC_BACKOFF", 2.0)
CTGOV_SYNC_PAGE_SIZE = env_int("CTGOV_SYNC_PAGE_SIZE", 100)

# Caching of anonymous pages (catalog.cache), in the cache above. Entries are keyed by the
# catalog version, which the database bumps on every change.
CATALOG_PAGE_CACHE = "pages"
CATALOG_CACHE_PAGES = env_bool("CATALOG_CACHE_PAGES", True)
CATALOG_PAGE_CACHE_SECONDS = env_int("CATALOG_PAGE_CACHE_SECONDS", 600)
# The whole catalog's total and facet counts, computed once per catalog version (catalog.cache.
# per_version); on even when pages are not cached.
CATALOG_CACHE_COUNTS = env_bool("CATALOG_CACHE_COUNTS", True)
CATALOG_COUNTS_CACHE_SECONDS = env_int("CATALOG_COUNTS_CACHE_SECONDS", 24 * 3600)
# A search or filter is counted up to this many trials; past it the list says "10,000+ trials"
# and its facets count the first 10,000 matches (catalog.search.facets). The whole catalog's
# counts, cached, are exact.
CATALOG_COUNT_CAP = env_int("CATALOG_COUNT_CAP", 10_000)

# Judge every trial's status by today's date once a day (catalog.site.statuses); the tests judge
# by dates of their own.
CATALOG_JUDGE_STATUSES_DAILY = env_bool("CATALOG_JUDGE_STATUSES_DAILY", True)
