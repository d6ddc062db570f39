"""A small real reverse proxy for the tests: ``python -m tests.reverse_proxy LISTEN_PORT
UPSTREAM_PORT``. It does what the compose file's Caddy does with a request's headers: it
appends the address the request came from to X-Forwarded-For (keeping what the client sent
before it) and sets X-Forwarded-Proto, then relays the request to 127.0.0.1:UPSTREAM_PORT
and the answer back, unchanged."""

import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream_port = None

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        forwarded = self.headers.get("X-Forwarded-For")
        peer = self.client_address[0]
        headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
        headers["X-Forwarded-Proto"] = "http"
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            content = response.read()
        finally:
            upstream.close()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_HEAD = relay

    def log_message(self, format, *args):
        pass


def main():
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    Handler.upstream_port = upstream
    server = ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
