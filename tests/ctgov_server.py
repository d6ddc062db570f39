"""A local ClinicalTrials.gov API v2 for the sync tests: a real HTTP server on 127.0.0.1 that
serves recorded studies as v2 ``/api/v2/studies`` pages.

It pages with ``pageSize`` and ``nextPageToken``, honours ``filter.advanced``'s
``AREA[LastUpdatePostDate]RANGE[date,MAX]``, and records every request. ``faults`` makes a page
misbehave: ``faults[2] = [Fault(status=429, headers={"Retry-After": "0"})]`` answers the next
request for page 2 with a 429, once; faults are used up in order, then the page is served.
"""

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(8140, 8160)
RANGE_RE = re.compile(r"AREA\[LastUpdatePostDate\]RANGE\[(\d{4}-\d{2}-\d{2}),MAX\]")


@dataclass
class Fault:
    status: int = 0  # an HTTP error status to answer with
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (longer than the client's timeout)
    body: bytes | None = None  # a body to send instead of the page (e.g. broken JSON)


@dataclass
class Request:
    page: int
    params: dict
    at: float


class RecordedApi:
    def __init__(self, studies):
        self.studies = list(studies)
        self.faults = {}
        self.requests = []
        self._lock = threading.Lock()
        self._server = None

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/v2"

    def start(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                api.answer(self)

            def log_message(self, format, *args):
                pass

        for port in PORTS:
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def pages_requested(self):
        return [r.page for r in self.requests]

    # Serving

    def matching(self, params):
        since = ""
        if "filter.advanced" in params:
            match = RANGE_RE.fullmatch(params["filter.advanced"])
            if not match:
                return None
            since = match.group(1)
        return [s for s in self.studies if _last_update(s) >= since]

    def answer(self, handler):
        url = urllib.parse.urlsplit(handler.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        offset = int(params.get("pageToken", "p0")[1:] or 0)
        size = int(params.get("pageSize", "10"))
        page = offset // size + 1
        with self._lock:
            self.requests.append(Request(page, params, time.monotonic()))
            queue = self.faults.get(page) or []
            fault = queue.pop(0) if queue else None
        if url.path != "/api/v2/studies":
            return self.send(handler, 404, {"message": f"no such endpoint {url.path}"})
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            return self.send(handler, fault.status, {"message": "fault"}, fault.headers)
        if fault and fault.body is not None:
            return self.send(handler, 200, fault.body)
        studies = self.matching(params)
        if studies is None:
            return self.send(handler, 400, {"message": "bad filter.advanced"})
        document = {"studies": studies[offset : offset + size]}
        if offset + size < len(studies):
            document["nextPageToken"] = f"p{offset + size}"
        self.send(handler, 200, document)

    def send(self, handler, status, document, headers=None):
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting (a timeout test)


def _last_update(study):
    status = study["protocolSection"]["statusModule"]
    return status.get("lastUpdatePostDateStruct", {}).get("date", "")
