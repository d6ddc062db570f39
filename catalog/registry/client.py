"""Fetching studies from the ClinicalTrials.gov API v2 (``GET /studies``), politely.

Pages through ``nextPageToken``; at most one request per ``min_interval`` seconds; a timeout on
every request; retries with exponential backoff on 429, 5xx, timeouts, dropped connections and
malformed pages (a ``Retry-After`` header is respected); gives up with ``ApiError`` after
``retries`` retries. Only fetching: what to do with the studies is the importer's business.
"""

import datetime
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request

USER_AGENT = "msc-trials-catalog-sync/1.0"


class ApiError(Exception):
    """The API could not be read: a refused request, or retries used up."""


def advanced_since(since):
    """The ``filter.advanced`` expression for records last updated on or after ``since``."""
    return f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"


class StudiesClient:
    def __init__(
        self,
        base_url,
        *,
        min_interval=1.0,
        timeout=30.0,
        retries=5,
        backoff=2.0,
        max_wait=300.0,
        log=None,
        sleep=time.sleep,
        clock=time.monotonic,
    ):
        self.base_url = base_url.rstrip("/")
        self.min_interval = min_interval
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.log = log or (lambda message: None)
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        self._last_request = None

    def pages(self, query="", since=None, page_size=100):
        """Each page (``{"studies": [...], "nextPageToken": ...}``) matching ``query`` and,
        given ``since`` (a date), last updated on or after it."""
        params = {"format": "json", "pageSize": str(page_size)}
        if query:
            params["query.term"] = query
        if since:
            params["filter.advanced"] = advanced_since(since)
        token = None
        while True:
            page = self.get("/studies", {**params, **({"pageToken": token} if token else {})})
            yield page
            token = page.get("nextPageToken")
            if not token:
                return

    def get(self, path, params):
        """One API document, as a dict with a ``studies`` list; retried as the module says."""
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        for attempt in range(self.retries + 1):
            self._wait_turn()
            retry_after = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                return _page(body)
            except urllib.error.HTTPError as error:
                if error.code != 429 and error.code < 500:
                    raise ApiError(f"{url}: HTTP {error.code} {_detail(error)}") from None
                reason = f"HTTP {error.code}"
                retry_after = _retry_after(error.headers.get("Retry-After"))
            except urllib.error.URLError as error:
                reason = f"cannot connect ({error.reason})"
            except (TimeoutError, OSError, http.client.HTTPException) as error:
                reason = "timed out" if isinstance(error, TimeoutError) else f"connection {error}"
            except ValueError as error:
                reason = f"malformed page ({error})"
            if attempt == self.retries:
                raise ApiError(f"{url}: {reason}; gave up after {attempt + 1} attempts")
            delay = retry_after if retry_after is not None else self.backoff * 2**attempt
            delay = min(delay, self.max_wait)
            self.log(f"{reason}; retrying in {delay:g} s")
            self.sleep(delay)
        raise AssertionError("unreachable")

    def _wait_turn(self):
        if self._last_request is not None:
            wait = self.min_interval - (self.clock() - self._last_request)
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()
        self.requests += 1


def _page(body):
    try:
        document = json.loads(body)
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text: {error.reason}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"bad JSON at line {error.lineno}, column {error.colno}") from None
    if not isinstance(document, dict) or not isinstance(document.get("studies"), list):
        raise ValueError('not a page of studies ({"studies": [...]})')
    token = document.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise ValueError("nextPageToken is not text")
    return document


def _retry_after(value):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None if none."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def _detail(error):
    try:
        body = error.read(500).decode("utf-8", "replace").strip()
    except OSError:
        body = ""
    return f"{error.reason}: {body}" if body else str(error.reason)
