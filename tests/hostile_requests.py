"""The bad-input corpus, as data: hostile and malformed requests for every public URL
(tests/public_urls.py) and the admin login. tests/ops/test_bad_input.py sends them all.

Payloads that could be reflected as markup carry ``alert(1337)``, so a reflection that was not
escaped is easy to spot.
"""

from dataclasses import dataclass, field

from tests.public_urls import ADMIN_LOGIN_URL, EXAMPLE_ID, PUBLIC_URLS, example

XSS = "alert(1337)"


@dataclass(frozen=True)
class Hostile:
    label: str
    method: str
    path: str  # sent as it is: percent-encoding, query string and all
    body: bytes = b""
    content_type: str = ""
    headers: dict = field(default_factory=dict)
    csrf: str = "none"  # for the admin login: none, cookie-only, wrong, valid

    def __str__(self):
        return f"{self.method} {self.path[:80]} [{self.label}]"


# Query strings, appended raw to every public URL.
QUERY_STRINGS = {
    "huge value": "q=" + "A" * 20_000,
    "huge many values": "&".join(f"f{i}=x" for i in range(3_000)),
    "repeated key": "&".join(["page=2"] * 500),
    "negative page": "page=-1",
    "zero page": "page=0",
    "enormous page": "page=99999999999999999999999999",
    "float page": "page=1e308",
    "nan page": "page=NaN",
    "array page": "page[]=1&page[]=2",
    "invalid utf-8": "q=%FF%FE%FD",
    "overlong utf-8": "q=%C0%AE%C0%AE%C0%AF",
    "truncated utf-8": "q=%E2%82",
    "lone surrogate": "q=%ED%A0%80",
    "bad percent": "q=%G1%2",
    "lone percent": "q=%",
    "nul byte": "q=mesenchymal%00stem",
    "raw nul in key": "%00=1",
    "control characters": "q=%01%02%1B%7F",
    "crlf injection": "q=x%0D%0ASet-Cookie:%20injected=1%0D%0AX-Injected:%201",
    "sql quote": "q=%27%20OR%20%271%27%3D%271",
    "sql comment": "q=1%3B%20DROP%20TABLE%20catalog_trial%3B--",
    "sql union": "q=%27)%20UNION%20SELECT%20username,password%20FROM%20auth_user--",
    "sql in filter": "status=RECRUITING%27%20OR%201%3D1--&phase=PHASE2%27",
    "tsquery syntax": "q=%21%28%26%7C%3A*%29%3C-%3E",
    "regex bomb": "q=" + "(a%2B)%2B" * 50 + "b",
    "like wildcards": "q=%25%25%25_%5C",
    "script": f"q=%3Cscript%3E{XSS}%3C/script%3E",
    "attribute breakout": f"q=%22%3E%3Cimg%20src%3Dx%20onerror%3D{XSS}%3E",
    "single-quote breakout": f"q=%27%3E%3Csvg/onload%3D{XSS}%3E",
    "javascript url": f"next=javascript:{XSS}&q=javascript:{XSS}",
    "template syntax": "q=%7B%7B7*7%7D%7D%7B%25%20debug%20%25%7D",
    "unknown filter": "status=NOT_A_STATUS&phase=PHASE9&type=x",
    "bad msc values": (
        "source=moon&donor=%27%20OR%201%3D1--&product=&route=ear&route=intravenous"
        f"&dose_min=1e999&dose_max=NaN&dose_unit=%3Cscript%3E{XSS}%3C/script%3E"
        "&n_doses=0&n_doses=-1&n_doses=4%2B%2B&n_doses=99999999999999999999"
    ),
    "msc values at their limits": (
        "dose_min=1.7976931348623157e308&dose_max=0&dose_unit=per_kg&n_doses=1000%2B"
        "&source=not_stated&donor=both"
    ),
    "empty filters": "status=&phase=&q=&page=",
    "sort by a secret": "sort=password&ordering=-user__password&order_by=__class__",
    "lookup injection": "nct_id__regex=.*&is_public=false&is_public__in=0",
    "format switch": "format=xml&_format=../../etc/passwd",
    "right-to-left override": "q=%E2%80%AEtxt.exe",
    "emoji and combining": "q=%F0%9F%92%A9%CC%81%CC%81%CC%81",
    "very long unicode": "q=" + "%C3%A4" * 4_000,
    "prototype keys": "__proto__[x]=1&constructor[prototype][x]=1",
    "nosql operator": "q[$ne]=1&q[$gt]=",
    "path in query": "q=..%2F..%2F..%2Fetc%2Fpasswd",
}

# Values for the NCT ID in URLs that take one.
ID_PAYLOADS = {
    "unknown id": "NCT99999999",
    "lower case": EXAMPLE_ID.lower(),
    "short id": "NCT0288380",
    "long id": "NCT028838031234567",
    "digits only": "02883803",
    "leading zeros": "NCT002883803",
    "spaces": "NCT%2002883803",
    "trailing nul": f"{EXAMPLE_ID}%00",
    "invalid utf-8": "NCT%FF%FE",
    "overlong dot": "%C0%AE%C0%AE",
    "traversal": "..%2F..%2F..%2Fetc%2Fpasswd",
    "double-encoded traversal": "%252e%252e%252f",
    "script": f"%3Cscript%3E{XSS}%3C%2Fscript%3E",
    "sql": "NCT02883803%27%20OR%20%271%27%3D%271",
    "huge id": "NCT" + "9" * 5_000,
    "unicode digits": "NCT%D9%A0%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7",
    "crlf": "NCT02883803%0D%0AX-Injected:%201",
    "json suffix": f"{EXAMPLE_ID}.json",
    "backslashes": "..%5C..%5Cwindows%5Cwin.ini",
    "semicolon parameters": f"{EXAMPLE_ID};jsessionid=1",
}

# Whole paths: traversal, encodings, probes.
RAW_PATHS = [
    "/..%2F..%2Fetc%2Fpasswd",
    "/static/../trialsite/settings.py",
    "/static/%2e%2e/%2e%2e/trialsite/settings.py",
    "/static/..%252f..%252ftrialsite%252fsettings.py",
    "/static/css/site.css%00.png",
    "//evil.example/%2e%2e",
    "/trials//",
    "/trials/%2F%2Fevil.example",
    f"/%3Cscript%3E{XSS}%3C/script%3E/",
    f"/trials/%22%3E%3Cimg%20src=x%20onerror={XSS}%3E/",
    "/%FF%FE/",
    "/%00",
    "/" + "a" * 6_000,
    "/" + "/".join(["x"] * 500),
    "/.env",
    "/.git/config",
    "/wp-login.php",
    "/admin/../trials/",
    "/api/v2/",
    "/api/v2/studies/",
    "/api/v2/studies/%00",
    "/api/v2/../../etc/passwd",
    "/trials/?page=1%0D%0ALocation:%20https://evil.example/",
    "/healthz/../admin/",
]

METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "BREW"]

# (content type, body) posted to every URL and to the admin login.
BODIES = {
    "broken json": ("application/json", b'{"studies": ['),
    "json scalar": ("application/json", b"null"),
    "json with nul": ("application/json", b'{"nctId": "NCT\\u0000"}'),
    "deep json": ("application/json", b"[" * 100_000 + b"]" * 100_000),
    "huge json number": ("application/json", b"1" + b"0" * 100_000),
    "invalid utf-8 json": ("application/json", b'{"q": "\xff\xfe"}'),
    "oversized form": ("application/x-www-form-urlencoded", b"q=" + b"A" * 3_000_000),
    "too many fields": (
        "application/x-www-form-urlencoded",
        "&".join(f"f{i}=x" for i in range(2_000)).encode(),
    ),
    "multipart without boundary": ("multipart/form-data", b"--x\r\n\r\n"),
    "broken multipart": (
        "multipart/form-data; boundary=XYZ",
        b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="../../x.json"\r\n'
        b"\r\n{not json",
    ),
    "xml entity bomb": (
        "application/xml",
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">]><a>&b;&b;&b;</a>',
    ),
    "gzip claimed": ("application/json", b"\x1f\x8b\x08\x00garbage"),
}

# Headers sent with a GET to every URL.
HEADERS = {
    "evil host": {"Host": "evil.example"},
    "host with port tricks": {"Host": "localhost:99999999"},
    "forwarded host": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"},
    "huge cookie": {"Cookie": "sessionid=" + "a" * 7_000},
    "odd cookies": {"Cookie": f'sessionid="../../"; csrftoken=<script>{XSS}</script>; =;;'},
    "bad accept": {"Accept": "*/*;q=abc, text/html;level=" + "9" * 500},
    "bad dates": {"If-Modified-Since": "yesterday", "If-None-Match": '"' + "x" * 1000},
    "bad range": {"Range": "bytes=999999999999-1,-0,a-b"},
    "script agent": {"User-Agent": f"<script>{XSS}</script>", "Referer": f"javascript:{XSS}"},
    "bad language": {"Accept-Language": "xx-" + "Y" * 500 + ";q=2"},
    "bad encoding": {"Accept-Encoding": "gzip;q=NaN, br;q=-1, *;q=99"},
    "content type on get": {"Content-Type": "multipart/form-data; boundary="},
}

# Attempts at the admin login form.
LOGIN = [
    ("no csrf token", "none", b"username=curator&password=x"),
    ("csrf cookie only", "cookie-only", b"username=curator&password=x"),
    ("wrong csrf token", "wrong", b"username=curator&password=x"),
    ("wrong password", "valid", b"username=curator&password=wrong"),
    ("sql username", "valid", b"username=curator%27%20OR%20%271%27%3D%271%27--&password=x"),
    ("script username", "valid", f"username=%22%3E%3Cscript%3E{XSS}%3C/script%3E&password=x"),
    ("huge username", "valid", b"username=" + b"u" * 100_000 + b"&password=x"),
    ("nul username", "valid", b"username=cur%00ator&password=x"),
    ("invalid utf-8", "valid", b"username=%FF%FE&password=%C0%AF"),
    ("open redirect", "valid", b"username=curator&password=x&next=https://evil.example/"),
    ("array fields", "valid", b"username[]=a&username[]=b&password[$ne]=1"),
    ("empty", "valid", b""),
]


def corpus():
    """Every hostile request, for every public URL and the admin login."""
    targets = [*PUBLIC_URLS, ADMIN_LOGIN_URL]
    requests = []
    for url in targets:
        path = example(url)
        for label, query in QUERY_STRINGS.items():
            requests.append(Hostile(label, "GET", f"{path}?{query}"))
        for method in METHODS:
            requests.append(Hostile(f"method {method}", method, path))
        for label, (content_type, body) in BODIES.items():
            requests.append(Hostile(label, "POST", path, body=body, content_type=content_type))
        for label, headers in HEADERS.items():
            requests.append(Hostile(label, "GET", path, headers=headers))
        if "{id}" in url:
            for label, value in ID_PAYLOADS.items():
                requests.append(Hostile(f"id {label}", "GET", example(url, value)))
    for path in RAW_PATHS:
        requests.append(Hostile("path trick", "GET", path))
    for label, csrf, body in LOGIN:
        body = body.encode() if isinstance(body, str) else body
        requests.append(
            Hostile(
                label,
                "POST",
                ADMIN_LOGIN_URL,
                body=body,
                content_type="application/x-www-form-urlencoded",
                csrf=csrf,
            )
        )
    return requests


# Raw bytes for the real server: what a test client cannot even express.
HOST = b"Host: 127.0.0.1\r\n"
RAW_REQUESTS = {
    "invalid utf-8 in path": b"GET /trials/\xff\xfe/ HTTP/1.1\r\n" + HOST + b"\r\n",
    "invalid utf-8 in query": b"GET /trials/?q=\xc3\x28 HTTP/1.1\r\n" + HOST + b"\r\n",
    "raw script in path": b"GET /<script>alert(1337)</script> HTTP/1.1\r\n" + HOST + b"\r\n",
    "request line too long": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    "header too long": b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 10_000 + b"\r\n\r\n",
    "too many headers": b"GET / HTTP/1.1\r\n" + HOST + b"X-A: b\r\n" * 200 + b"\r\n",
    "nul in header": b"GET / HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n",
    "negative length": b"POST /trials/ HTTP/1.1\r\n" + HOST + b"Content-Length: -1\r\n\r\n",
    "short body": b"POST /trials/ HTTP/1.1\r\n" + HOST + b"Content-Length: 9999\r\n\r\nabc",
    "bad chunk": b"POST /trials/ HTTP/1.1\r\n"
    + HOST
    + b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n",
    "smuggling": b"POST /trials/ HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin/ HTTP/1.1\r\n\r\n",
    "two lengths": b"POST /trials/ HTTP/1.1\r\n"
    + HOST
    + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "garbage": b"GARBAGE\r\n\r\n",
    "binary": b"\x00\x01\x02\x03\r\n\r\n",
    "future http": b"GET / HTTP/9.9\r\n" + HOST + b"\r\n",
    "http 0.9": b"GET /\r\n\r\n",
    "no host": b"GET /trials/ HTTP/1.1\r\n\r\n",
    "evil host": b"GET /trials/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    "space in host": b"GET /trials/ HTTP/1.1\r\nHost: 127.0.0.1 evil\r\n\r\n",
    "odd method": b"G\xffT / HTTP/1.1\r\n" + HOST + b"\r\n",
    "absolute uri": b"GET http://evil.example/admin/ HTTP/1.1\r\n" + HOST + b"\r\n",
    "bad percent": b"GET /trials/%%32%65%G1 HTTP/1.1\r\n" + HOST + b"\r\n",
}
