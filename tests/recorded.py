"""Fingerprints of responses: what a reader or a client gets from an address, without the markup.

``fingerprint(response)`` reduces a response to its status, content type and semantic content:
for a page, its title, headings, the ordered NCT IDs of its results, its facets with their counts,
its chips, notices, form controls and the addresses of its links that carry a query; for CSV,
JSON and feeds, the rows or entries in order and a digest of the whole body; for API errors, the
whole JSON. Two responses with the same fingerprint read the same to a visitor or a client.
"""

import csv
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag=None, cls=None):
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())
        ]

    def text(self):
        parts = []

        def walk(node):
            for child in node.children:
                if isinstance(child, Node):
                    walk(child)
                else:
                    parts.append(child)

        walk(self)
        return " ".join(" ".join(parts).split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, [(k, v if v is not None else "") for k, v in attrs], self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text):
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def _digest(data):
    return hashlib.sha256(data).hexdigest()[:16]


def _controls(root, skip=()):
    controls = []
    for node in root.iter():
        if any(node is s or _within(node, s) for s in skip):
            continue
        if node.tag == "input":
            a = node.attrs
            name = a.get("name", "")
            # Values that change from run to run (a token, database ids) are left out.
            value = "" if name in VOLATILE_INPUTS else a.get("value", "")
            controls.append([a.get("type", "text"), name, value, "checked" in a])
        elif node.tag == "select":
            options = [
                [o.attrs.get("value", o.text()), "selected" in o.attrs]
                for o in node.find_all("option")
            ]
            controls.append(["select", node.attrs.get("name", ""), options])
    return controls


VOLATILE_INPUTS = {"csrfmiddlewaretoken", "_selected_action"}


def _within(node, ancestor):
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _facet_value(label):
    """``[x] status=RECRUITING Recruiting (12)``: a facet value, its count and whether chosen."""
    (kind, name, value, checked), *_ = _controls(label) or [["", "", "", False]]
    return f"{'[x]' if checked else '[ ]'} {kind} {name}={value} {label.text()}"


def html_fingerprint(text):
    root = parse_html(text)
    main = (root.find_all("main") or [root])[0]
    meta = {m.attrs.get("name"): m.attrs.get("content") for m in root.find_all("meta")}
    facets = []
    facet_nodes = main.find_all("details", cls="facet")
    for details in facet_nodes:
        summary = details.find_all("summary")
        values = [
            _facet_value(label)
            for label in details.find_all("label")
            if label.find_all("input") and label.attrs.get("class") != "other"
        ]
        other = [c for c in _controls(details) if c[0] not in ("checkbox", "radio")]
        facets.append([summary[0].text() if summary else "", values, other])
    rows = [
        " | ".join(cell.text() for cell in row.children if isinstance(cell, Node))
        for table in main.find_all("table")
        if table.attrs.get("id") == "result_list"
        for row in table.find_all("tr")
    ]
    return {
        "title": (root.find_all("title") or [Node("title", {})])[0].text(),
        "description": meta.get("description"),
        "robots": meta.get("robots"),
        "headings": [h.text() for h in main.iter() if h.tag in ("h1", "h2")],
        "results": [n.text() for n in main.find_all("span", cls="nct")],
        "facets": facets,
        "chips": [[a.text(), a.attrs.get("href")] for a in main.find_all("a", cls="chip")],
        "notices": [n.text() for n in main.find_all(cls="notices")],
        "controls": _controls(main, skip=facet_nodes),
        "rows": rows,
        "links": [
            [a.text(), re.sub(r"/\d+/(change|history|delete)/", r"/<id>/\1/", a.attrs["href"])]
            for a in root.find_all("a")
            if "?" in a.attrs.get("href", "")
        ],
        "alternates": [
            link.attrs.get("href")
            for link in root.find_all("link")
            if "alternate" in link.attrs.get("rel", "")
        ],
    }


def csv_fingerprint(body):
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return {
        "header": rows[0] if rows else [],
        "rows": len(rows) - 1,
        "ids": [r[0] for r in rows[1:]],
        "digest": _digest(body),
    }


def _ids_in(value):
    return re.findall(r'"nctId": ?"(NCT\d{8})"', json.dumps(value))


# Keys whose values are the time of a computation, not content.
VOLATILE_KEYS = {"computed_at"}


def _stable(data):
    if isinstance(data, dict):
        return {k: "<time>" if k in VOLATILE_KEYS else _stable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_stable(v) for v in data]
    return data


def json_fingerprint(body, path):
    data = json.loads(body)
    if path.startswith("/api/msc/") or (isinstance(data, dict) and "error" in data):
        return {"json": _stable(data)}
    stable = _stable(data)
    if stable != data:
        # A time of computation inside (the JSON download's MSC profiles): digest without it.
        body = json.dumps(stable, sort_keys=True).encode()
    found = {"digest": _digest(body)}
    if isinstance(data, dict) and "studies" in data:
        found["ids"] = [_ids_in(s)[:1] for s in data["studies"]]
        found["keys"] = sorted(data)
        found["totalCount"] = data.get("totalCount")
        found["nextPageToken"] = data.get("nextPageToken")
    elif isinstance(data, list):
        found["rows"] = len(data)
        found["ids"] = [_ids_in(s)[:1] for s in data]
    return found


def feed_fingerprint(body):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(body)
    return {
        "title": root.findtext("a:title", namespaces=ns),
        "links": [link.get("href") for link in root.findall("a:link", ns)],
        "entries": [
            [e.findtext("a:id", namespaces=ns), e.findtext("a:title", namespaces=ns)]
            for e in root.findall("a:entry", ns)
        ],
    }


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def fingerprint(response, path):
    """What ``response`` (a Django test response to ``path``) says, as JSON-ready data."""
    content_type = response.get("Content-Type", "")
    found = {"status": response.status_code, "content_type": content_type}
    if response.status_code in (301, 302):
        found["location"] = response["Location"]
        return found
    body = _body(response)
    if "html" in content_type:
        found["page"] = html_fingerprint(body.decode())
    elif "csv" in content_type:
        found["csv"] = csv_fingerprint(body)
        for header in ("x-next-page-token", "x-total-count"):
            if header in response:
                found[header] = response[header]
    elif "json" in content_type:
        found["body"] = json_fingerprint(body, path)
    elif "atom" in content_type or "xml" in content_type:
        found["feed"] = feed_fingerprint(body)
    else:
        found["digest"] = _digest(body)
    return found
