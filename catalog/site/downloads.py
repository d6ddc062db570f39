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
import inspect
import os
import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

from catalog.site import exports

# Each kind: its content type, and its text from trials and the fields chosen
# (``exports.download_fields``: CSV columns, JSON study paths, whether the MSC profile comes).
KINDS = {
    "csv": ("text/csv; charset=utf-8", lambda trials, f: exports.csv_lines(trials, f[0])),
    "json": (
        "application/json; charset=utf-8",
        lambda trials, f: exports.json_chunks(trials, f[1], f[2]),
    ),
}
CHUNK = 64 * 1024
# How long a request waits for another building the same export before streaming its own.
BUILD_WAIT_SECONDS = 30
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")


def export_dir():
    return Path(settings.CATALOG_EXPORT_DIR)


# Building -------------------------------------------------------------------------------------


def _try_lock(path):
    """An exclusive lock on ``path`` (across processes and threads), or None when another
    request holds it (it is building the same file)."""
    handle = open(path, "a")  # noqa: SIM115 (closed by _unlock)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _unlock(handle):
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def _wait_for_build(lock_path, seconds=BUILD_WAIT_SECONDS):
    """Until the request building the file behind ``lock_path`` has finished, or ``seconds``
    have passed (a build whose reader stalled must not hold every other request for the same
    export: the caller then streams its own copy)."""
    deadline = time.monotonic() + seconds
    with open(lock_path, "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(0.05)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return


def _building(path, kind, trials, lock, edition, fields):
    """The export's bytes, in chunks of about CHUNK, written as they go to the file and its
    gzip under temporary names, which are moved into place at the end: the plain file appears
    last, so its presence means both are whole. A client that goes away midway ends the
    build (the next request starts it again)."""
    _, produce = KINDS[kind]
    partial = path.with_name(path.name + ".partial")
    partial_gz = path.with_name(path.name + ".gz.partial")
    try:
        with open(partial, "wb") as plain, open(partial_gz, "wb") as packed:
            with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=6, mtime=0) as zipped:
                buffer = []
                size = 0
                for text in produce(trials, fields):
                    buffer.append(text.encode())
                    size += len(buffer[-1])
                    if size >= CHUNK:
                        data = b"".join(buffer)
                        buffer, size = [], 0
                        plain.write(data)
                        zipped.write(data)
                        yield data
                data = b"".join(buffer)
                plain.write(data)
                zipped.write(data)
                yield data
        os.replace(partial_gz, path.with_name(path.name + ".gz"))
        os.replace(partial, path)
        _prune(path.parent, *edition)
    finally:
        for leftover in (partial, partial_gz):
            leftover.unlink(missing_ok=True)
        _unlock(lock)


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


def export_path(edition, kind, query):
    """Where the export of ``query`` (its canonical parameters) for ``edition`` is stored."""
    database, version = edition
    name = hashlib.sha256(f"{kind}?{query}".encode()).hexdigest()[:40] + "." + kind
    return export_dir() / f"{database}-{version}" / name


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


class _Building:
    """The build's chunks, with a ``close`` that also frees the lock of a build whose client
    never read a byte (a generator that never ran skips its ``finally``)."""

    def __init__(self, chunks, lock):
        self.chunks = chunks
        self.lock = lock

    def __iter__(self):
        return self.chunks

    def close(self):
        unstarted = inspect.getgeneratorstate(self.chunks) == inspect.GEN_CREATED
        self.chunks.close()
        if unstarted:
            _unlock(self.lock)


def download(request, kind, query, queryset, filename, fields=None):
    """The export of ``queryset`` (``query``: its canonical parameters) as a response.

    Stored: its file, with length and ranges. Not stored yet: the first request builds it and
    receives it as it is written (chunked, ended properly only when whole, so a failure shows);
    requests for it meanwhile wait for that build and get the file. Inside a transaction that
    has written, streamed and not stored."""
    fields = fields or exports.download_fields(None)
    edition = catalog_edition()
    if edition is None:
        return _streamed(kind, queryset, fields)
    path = export_path(edition, kind, query)
    lock_path = path.with_name(path.name + ".lock")
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = _try_lock(lock_path)
        except FileNotFoundError:
            return _streamed(kind, queryset, fields)  # removed by a newer version's build
        if lock is not None and not path.exists():
            try:
                # The first batch is read here, in the view: a database that cannot be reached
                # fails the request cleanly (the outage page) before any byte is sent.
                trials = exports.batches(queryset, fields[0] if kind == "csv" else None)
            except BaseException:
                _unlock(lock)
                raise
            content_type, _ = KINDS[kind]
            response = StreamingHttpResponse(
                _Building(_building(path, kind, trials, lock, edition, fields), lock),
                content_type=content_type,
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        if lock is not None:
            _unlock(lock)  # built meanwhile
        else:
            _wait_for_build(lock_path)
    try:
        os.utime(path)  # recently served: kept longest by _prune
        return file_response(request, path, kind, filename)
    except FileNotFoundError:
        return _streamed(kind, queryset, fields)  # the build failed, or was just removed


def _streamed(kind, queryset, fields):
    columns, paths, msc = fields
    if kind == "csv":
        return exports.csv_response(queryset, columns)
    return exports.json_response(queryset, paths, msc)


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
