"""Downloads that scale: each export is built once per catalog version, stored as a file (and
its gzip), and served from disk with its length, ranges and validators; each visitor may start
a limited number of downloads per window.

Why: built on every request, the whole catalog's JSON took seconds of database and CPU per
download and held a worker while a slow client read it; streamed without a length, a download
cut short looked complete. A stored file costs one build per catalog version (the version the
database bumps on every change, ``catalog.site.cache``), has a Content-Length (a cut download
is visibly short, and resumable with Range), and is sent by the server's file path.
"""

import fcntl
import gzip
import hashlib
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

from catalog.site import exports

KINDS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_lines),
    "json": ("application/json; charset=utf-8", exports.json_chunks),
}
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def export_dir():
    return Path(settings.CATALOG_EXPORT_DIR)


# Building -------------------------------------------------------------------------------------


@contextmanager
def _locked(path):
    """An exclusive lock on ``path`` across processes and threads: one build per file."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(path, kind, queryset):
    """Write the export and its gzip beside each other under temporary names, then move them
    into place: the plain file appears last, so its presence means both are whole."""
    _, produce = KINDS[kind]
    partial = path.with_name(path.name + ".partial")
    partial_gz = path.with_name(path.name + ".gz.partial")
    try:
        with open(partial, "wb") as plain, open(partial_gz, "wb") as packed:
            with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6, mtime=0) as zipped:
                for text in produce(exports.batches(queryset)):
                    data = text.encode()
                    plain.write(data)
                    zipped.write(data)
        os.replace(partial_gz, path.with_name(path.name + ".gz"))
        os.replace(partial, path)
    finally:
        for leftover in (partial, partial_gz):
            leftover.unlink(missing_ok=True)


def _prune(directory, database, version):
    """Remove older versions' files, and this version's least recently served beyond
    ``CATALOG_EXPORT_MAX_FILES`` (searches are many; the disk is bounded)."""
    for other in directory.parent.iterdir():
        owner, _, number = other.name.partition("-")
        if not other.is_dir() or not number.isdigit():
            continue
        if owner == str(database):
            # Never a newer version: a request that read the version just before a change may
            # still be building in an older directory, never in a newer one.
            stale = int(number) < version
        else:
            # Another database's (a restored or recreated one, or tests sharing the directory):
            # removed once nothing has been built there for an hour.
            stale = time.time() - other.stat().st_mtime > 3600
        if stale:
            shutil.rmtree(other, ignore_errors=True)
    files = sorted(
        (p for p in directory.iterdir() if p.suffix in (".csv", ".json")),
        key=lambda p: p.stat().st_mtime if p.exists() else 0,
    )
    for stale in files[: max(0, len(files) - settings.CATALOG_EXPORT_MAX_FILES)]:
        for name in (stale.name, stale.name + ".gz", stale.name + ".lock"):
            (directory / name).unlink(missing_ok=True)


def catalog_edition():
    """(database, version): the committed catalog's version and which database it is in (a
    database created anew, as the tests do or a restore may, starts its versions again); None
    inside a transaction that has written (what it sees is not the committed catalog)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT version FROM catalog_catalogversion WHERE id = 1), "
            "pg_current_xact_id_if_assigned() IS NOT NULL, "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        version, own_writes, database = cursor.fetchone()
    return None if own_writes else (database, version or 0)


def stored_export(kind, query, queryset):
    """The export file of ``queryset`` (``kind`` "csv" or "json"; ``query`` its canonical
    parameters) for the current catalog version, built if it is not stored yet; None when it
    cannot be stored (see ``catalog_edition``)."""
    edition = catalog_edition()
    if edition is None:
        return None
    database, version = edition
    directory = export_dir() / f"{database}-{version}"
    name = hashlib.sha256(f"{kind}?{query}".encode()).hexdigest()[:40] + "." + kind
    path = directory / name
    if not path.exists():
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with _locked(directory / f"{name}.lock"):
                if not path.exists():
                    _build(path, kind, queryset)
                    _prune(directory, database, version)
        except FileNotFoundError:
            return None  # a newer version's build removed this directory: stream instead
    else:
        try:
            os.utime(path)  # recently served: kept longest by _prune
        except FileNotFoundError:
            return None  # removed just now by a newer version's build: stream instead
    return path


# Serving --------------------------------------------------------------------------------------


def _accepts_gzip(request):
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _byte_range(header, size):
    """(start, end) inclusive of a single ``bytes=`` range; None for no (usable) range;
    "unsatisfiable" for a range wholly past the end."""
    match = _RANGE.match(header.strip()) if header else None
    if not match or (not match.group(1) and not match.group(2)):
        return None  # absent, several ranges or malformed: the whole file (RFC 9110, 14.2)
    first, last = match.groups()
    if not first:
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return start, end


def _file_part(handle, start, length):
    with handle:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


def file_response(request, path, kind, filename):
    """``path`` (or its gzip, when the client takes gzip) as a download: Content-Length,
    ETag and Last-Modified, and single byte ranges (206, or 416 past the end)."""
    content_type, _ = KINDS[kind]
    packed = _accepts_gzip(request)
    # Opened first: a file removed after this (a newer version built) is still read whole.
    handle = open(path.with_name(path.name + ".gz") if packed else path, "rb")  # noqa: SIM115
    stat = os.fstat(handle.fileno())
    etag = f'"{path.parent.name}-{path.stem}{"-gz" if packed else ""}-{stat.st_size}"'
    part = None
    if_range = request.headers.get("If-Range")
    if request.method == "GET" and (not if_range or if_range == etag):
        part = _byte_range(request.headers.get("Range", ""), stat.st_size)
    if part == "unsatisfiable":
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{stat.st_size}"
    elif part:
        start, end = part
        response = StreamingHttpResponse(
            _file_part(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{stat.st_size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(stat.st_size)
    if packed:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def download(request, kind, query, queryset, filename):
    """The export of ``queryset`` as a response: from its stored file, or (inside a
    transaction that has written) streamed as before."""
    path = stored_export(kind, query, queryset)
    if path is not None:
        try:
            return file_response(request, path, kind, filename)
        except FileNotFoundError:
            pass  # removed just now by a newer version's build
    respond = exports.csv_response if kind == "csv" else exports.json_response
    return respond(queryset)


# Limits ---------------------------------------------------------------------------------------


def limit_response(request):
    """None while this visitor may start another download, else a 429 with Retry-After.

    ``CATALOG_EXPORT_LIMIT`` downloads per ``CATALOG_EXPORT_WINDOW`` seconds per address (the
    address ``trialsite.client`` finds behind the proxies); 0 turns the limit off. Counted in
    the shared cache, so across workers and, with Redis, across containers."""
    from trialsite.client import client_address

    limit, window = settings.CATALOG_EXPORT_LIMIT, settings.CATALOG_EXPORT_WINDOW
    if not limit or request.method != "GET":
        return None
    now = time.time()
    slot = int(now // window)
    key = f"catalog:exports:{client_address(request)}:{slot}"
    store = caches["default"]
    store.add(key, 0, window + 60)
    try:
        count = store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, window + 60)
        count = 1
    if count <= limit:
        return None
    retry_after = max(1, int((slot + 1) * window - now) + 1)
    response = HttpResponse(
        f"Too many downloads from your address: at most {limit} every {window} seconds. "
        f"Try again in {retry_after} seconds.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
