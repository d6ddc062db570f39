"""Reading rendered pages in tests: parts of a page by element, and their text."""

import html
import re


def elements(page, tag, **attrs):
    """The outer HTML of each ``<tag ...>`` whose attributes include ``attrs`` (not nested)."""
    wanted = "".join(rf'(?=[^>]*\b{name}="{re.escape(value)}")' for name, value in attrs.items())
    pattern = rf"<{tag}\b{wanted}[^>]*>.*?</{tag}>"
    return re.findall(pattern, page, re.DOTALL)


def element(page, tag, **attrs):
    found = elements(page, tag, **attrs)
    assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
    return found[0]


def text(fragment):
    """The words a reader sees in an HTML fragment, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def head_tags(page, tag):
    """The attributes of each ``<tag ...>`` (void element) in the page, as dicts."""
    found = []
    for match in re.finditer(rf"<{tag}\b([^>]*)>", page):
        found.append(
            {k: html.unescape(v) for k, v in re.findall(r'([\w:-]+)="([^"]*)"', match.group(1))}
        )
    return found
