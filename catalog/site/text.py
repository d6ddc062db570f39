"""ClinicalTrials.gov's free texts as safe, readable HTML.

ClinicalTrials.gov writes summaries, descriptions and eligibility criteria in a small Markdown
dialect: backslash escapes (``10\\^6/kg``, ``Ia\\<2``), ``*`` or numbered bullets indented for
sub-items, ``**strong**`` and ``*emphasis*``. Older records use bare lines and hand-written
markers (``a.``, ``ii)``, ``①``) instead. This module reads both.

Safety: every character of the source is escaped. The only tags in the output are the ones
written here (``p``, ``br``, ``ul``, ``ol``, ``li``, ``span``, ``strong``, ``em``, and ``a`` for
``http(s)`` addresses only), so no HTML of the source ever passes through.

``render_text`` renders a text; ``split_eligibility`` splits eligibility criteria into their
inclusion and exclusion lists; ``plain_text`` and ``summarize`` give the text without markup,
for meta descriptions.
"""

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe

BULLETS = "*+-•·▪◦‣●○"
LINE_RE = re.compile(
    r"""^(?P<indent>[ \t]*)
    (?:
        (?P<bullet>[*+-](?=\s)|[•·▪◦‣●○])                 # * item, - item, •item
      | (?P<ordered>
            \(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{2,5})[.)]     # 1.  1)  (1)  a.  B)  iv.
          | \(\d{1,3}\)
          | \d{1,2}(?:\.\d{1,2}){2,}\.?|\d{1,2}(?:\.\d{1,2})+\.  # 1.2.  1.2.3
        )(?=\s)
      | (?P<circled>[\u2460-\u2473])                       # ① ... ⑳
    )?
    \s*(?P<text>.*)$""",
    re.VERBOSE,
)
ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|apos|nbsp|#\d{1,6}|#[xX][0-9a-fA-F]{1,5});")
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
# Emphasis spans are short: bounding them keeps the matching linear on long lines.
INLINE_RE = re.compile(
    r"""\\(?P<escaped>[!-/:-@\[-`{-~])
    | \[(?P<label>[^\]\n]{1,300})\]\((?P<href>https?://[^\s()<>]{1,2000})\)
    | <(?P<autolink>https?://[^\s<>]{1,2000})>
    | (?P<url>https?://[^\s<>"]{1,2000})
    | \*\*(?P<strong>[^\s*](?:.{0,300}?[^\s\\])?)\*\*
    | (?<!\w)__(?P<strong2>[^\s_](?:.{0,300}?[^\s\\])?)__(?!\w)
    | \*(?P<em>[^\s*](?:[^*]{0,300}?[^\s*\\])?)\*
    | (?<!\w)_(?P<em2>[^\s_](?:[^_]{0,300}?[^\s_\\])?)_(?!\w)
    """,
    re.VERBOSE,
)
URL_TRAILING = ".,;:!?'\""
INLINE_KINDS = ("escaped", "label", "autolink", "url", "strong", "strong2", "em", "em2")


def _kind(match):
    return next(name for name in INLINE_KINDS if match.group(name) is not None)


def _entity(match):
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
        return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else ""
    return ENTITIES[name]


def decode_entities(text):
    """``&gt;`` → ``>``: a few records carry HTML character references in their text."""
    return ENTITY_RE.sub(_entity, text)


# Inline markup


def _link(href, label_html):
    return f'<a href="{escape(href)}" rel="nofollow">{label_html}</a>'


def _url_end(url):
    """A bare address ends before trailing punctuation and an unbalanced ``)``."""
    while url and (url[-1] in URL_TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def render_inline(text, links=True):
    """One line of text as HTML: escapes, emphasis and links; everything else escaped."""
    out = []
    pos = 0
    while True:
        match = INLINE_RE.search(text, pos)
        if match is None:
            break
        group = _kind(match)
        if group in ("url", "autolink", "label") and not links:
            # Inside a link label: no nested links; keep the text.
            out.append(escape(text[pos : match.start() + 1]))
            pos = match.start() + 1
            continue
        out.append(escape(text[pos : match.start()]))
        end = match.end()
        if group == "escaped":
            out.append(escape(match.group("escaped")))
        elif group == "label":
            out.append(_link(match.group("href"), render_inline(match.group("label"), False)))
        elif group == "autolink":
            out.append(_link(match.group("autolink"), escape(match.group("autolink"))))
        elif group == "url":
            url = _url_end(match.group("url"))
            end = match.start() + len(url)
            out.append(_link(url, escape(url)) if len(url) > len("https://") else escape(url))
        elif group in ("strong", "strong2"):
            out.append(f"<strong>{render_inline(match.group(group), links)}</strong>")
        else:
            out.append(f"<em>{render_inline(match.group(group), links)}</em>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


# Blocks: paragraphs and (nested) lists


@dataclass
class Item:
    """A list item: its marker as written (``2.``, ``a)``; empty for bullets), its lines."""

    lines: list
    marker: str = ""
    children: list = field(default_factory=list)

    @property
    def text(self):
        return " ".join(self.lines)


@dataclass
class Paragraph:
    lines: list


@dataclass
class ListBlock:
    items: list


@dataclass
class _Level:
    indent: int
    style: str
    items: list


def _style(marker):
    """What kind of marker: items of one list share a style."""
    if not marker:
        return "bare"
    if marker in BULLETS:
        return "bullet" + marker
    if "\u2460" <= marker <= "\u2473":
        return "circled"
    core = marker.strip("().")
    if core.isdigit():
        return "num" + marker.replace(core, "")
    if re.fullmatch(r"[\d.]+", marker):
        return "outline"
    if len(core) > 1 or core in "ivxIVX":
        kind = "roman" if re.fullmatch(r"[ivxlc]+|[IVXLC]+", core) else "alpha"
    else:
        kind = "alpha"
    return ("upper" if core.isupper() else "lower") + kind + marker.replace(core, "")


def _split_line(raw):
    match = LINE_RE.match(raw.expandtabs(4))
    marker = match.group("bullet") or match.group("ordered") or match.group("circled") or ""
    return len(match.group("indent")), marker, match.group("text").rstrip()


def _place(levels, item, indent, style):
    """Put a new item in the open list: as a sibling, a child, or back up a level."""
    while len(levels) > 1 and levels[-1].indent > indent:
        levels.pop()
    top = levels[-1]
    if indent > top.indent and top.items:
        levels.append(_Level(indent, style, top.items[-1].children))
    elif style != top.style:
        same = [k for k in range(len(levels) - 1) if levels[k].style == style]
        if same:
            del levels[same[-1] + 1 :]
        elif top.items and top.items[-1].text.rstrip().endswith(":"):
            levels.append(_Level(indent, style, top.items[-1].children))
    levels[-1].items.append(item)


def parse_blocks(text, lines_are_items=False):
    """Paragraphs and lists. With ``lines_are_items`` every line is an item (criteria lists)."""
    blocks = []
    paragraph = None
    levels = []
    for raw in decode_entities(text or "").splitlines():
        if not raw.strip():
            paragraph = None
            continue
        indent, marker, body = _split_line(raw)
        if not body:
            continue
        if not marker and levels and indent > levels[-1].indent and levels[-1].items:
            # An indented line under an item continues it.
            levels[-1].items[-1].lines.append(body)
            continue
        if not marker and not lines_are_items:
            levels = []
            if paragraph is None:
                paragraph = Paragraph([])
                blocks.append(paragraph)
            paragraph.lines.append(body)
            continue
        paragraph = None
        shown = "" if marker in BULLETS else marker
        item = Item([body], shown)
        if not levels:
            block = ListBlock([])
            blocks.append(block)
            levels = [_Level(indent, _style(marker), block.items)]
            block.items.append(item)
        else:
            _place(levels, item, indent, _style(marker))
    return blocks


def _render_lines(lines):
    return "<br>\n".join(render_inline(line) for line in lines)


def render_items(items):
    """Items as HTML lists: ``ol`` with the markers as written, ``ul`` for bullets."""
    out = []
    for start in range(len(items)):
        item = items[start]
        numbered = bool(item.marker)
        if start == 0 or numbered != bool(items[start - 1].marker):
            out.append('<ol class="marked">' if numbered else "<ul>")
        marker = f'<span class="marker">{escape(item.marker)}</span> ' if numbered else ""
        children = render_items(item.children) if item.children else ""
        out.append(f"<li>{marker}{_render_lines(item.lines)}{children}</li>")
        if start == len(items) - 1 or numbered != bool(items[start + 1].marker):
            out.append("</ol>" if numbered else "</ul>")
    return "".join(out)


def render_blocks(blocks):
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(f"<p>{_render_lines(block.lines)}</p>")
        else:
            out.append(render_items(block.items))
    return "\n".join(out)


def render_text(text):
    """A ClinicalTrials.gov text as safe HTML paragraphs and lists."""
    return mark_safe(render_blocks(parse_blocks(text)))


# Eligibility criteria

_NOT_IN_HEADING = (
    r"not|no|non|any|all|and|or|meet|meets|met|of|the|for|following|must|fulfil\w*|are|is|will"
    r"|absence|inclusion|exclusion"
)
HEADING_RE = re.compile(
    rf"""^(?P<title>
        (?:(?:[IVX]+|[A-Z]|\d+)\.(?:\d+\.)*\s*)?            # outline numbering: V.1.3.
        (?:(?!(?:{_NOT_IN_HEADING})\b)[\w'()-]+[ -]){{0,3}}  # Key / Donor- / MSC donor
        (?P<kind>non-?inclusion|inclusion|exclusion)
        (?:\s+criteria\b(?P<suffix>[^:]{{0,80}}?)|s?)
    )\s*(?::\s*(?P<after>.*))?$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Patients must meet all the following inclusion criteria:" introduces a list too.
INTRO_HEADING_RE = re.compile(
    r"^(?P<title>(?:\S+\s+){0,12}?(?P<kind>inclusion|exclusion)\s+criteria\b[^:]{0,40}?)\s*:\s*$",
    re.IGNORECASE,
)
SUFFIX_VERBS_RE = re.compile(r"\b(?:may|apply|must|will|are|is|be|were|should|can)\b", re.I)


@dataclass
class Section:
    """The criteria under one heading, one item a line. ``kind`` is ``inclusion`` or
    ``exclusion``, or ``""`` for text before the first heading; ``note`` is a sentence that
    restates the heading ("Patients must meet all of the following inclusion criteria")."""

    kind: str
    title: str
    lines: list = field(default_factory=list)
    note: str = ""

    def __post_init__(self):
        self.blocks = parse_blocks("\n".join(self.lines), lines_are_items=bool(self.kind))
        self.items = [
            item for block in self.blocks if isinstance(block, ListBlock) for item in block.items
        ]

    @property
    def html(self):
        """The items as lists; text before the first heading as paragraphs."""
        if self.kind:
            return mark_safe(render_items(self.items))
        return mark_safe(render_blocks(self.blocks))

    @property
    def note_html(self):
        return mark_safe(render_inline(self.note))


@dataclass
class Eligibility:
    sections: list
    text: str

    @property
    def is_split(self):
        return any(section.kind for section in self.sections)

    def items(self, kind):
        return [item for s in self.sections if s.kind == kind for item in s.items]

    @property
    def inclusion(self):
        return self.items("inclusion")

    @property
    def exclusion(self):
        return self.items("exclusion")

    @property
    def html(self):
        """The whole text as it is written: for criteria without headings."""
        return render_text(self.text)


def _heading(line):
    """(kind, title, text after the colon) when ``line`` heads a criteria list, else None."""
    clean = line.strip().strip("*_#•·-").strip()
    if len(clean) > 160:
        return None
    match = HEADING_RE.match(clean)
    if match and "criteria" not in match["title"].lower() and match["after"]:
        match = None  # "Laboratory exclusions: eGFR < 30" is an item
    elif match and match["after"] is None and SUFFIX_VERBS_RE.search(match["suffix"] or ""):
        match = None  # "Other protocol-defined inclusion criteria may apply"
    if not match:
        match = INTRO_HEADING_RE.match(clean)
        if not match or ("inclusion" in clean.lower()) == ("exclusion" in clean.lower()):
            return None
    kind = "inclusion" if match.group("kind").lower() == "inclusion" else "exclusion"
    title = " ".join(match.group("title").split())
    if title.isupper():
        title = title.capitalize()
    after = (match.groupdict().get("after") or "").strip()
    return kind, title, after


def split_eligibility(text):
    """The criteria as sections of items, split at their inclusion and exclusion headings."""
    text = text or ""
    parts = [["", "", [], ""]]
    for line in text.splitlines():
        heading = _heading(line)
        if heading is None:
            parts[-1][2].append(line)
            continue
        kind, title, after = heading
        previous = parts[-1]
        if previous[0] == kind and not "".join(previous[2]).strip() and not after:
            # A sentence restating the heading just above it.
            previous[3] = previous[3] or line.strip().strip("*_#•·-").strip()
            continue
        parts.append([kind, title, [after] if after else [], ""])
    sections = [Section(kind, title, lines, note) for kind, title, lines, note in parts]
    return Eligibility([s for s in sections if s.kind or s.blocks], text)


# Plain text


def plain_text(text):
    """The text without markup, on one line: for meta descriptions and previews."""
    words = []
    for block in parse_blocks(text):
        lines = block.lines if isinstance(block, Paragraph) else _item_lines(block.items)
        for line in lines:
            words.append(_plain_inline(line))
    return " ".join(" ".join(words).split())


def _item_lines(items):
    for item in items:
        yield from item.lines
        yield from _item_lines(item.children)


def _plain_inline(line):
    def replace(match):
        group = _kind(match)
        if group in ("escaped", "url", "autolink"):
            return match.group(group)
        return _plain_inline(match.group(group))

    return INLINE_RE.sub(replace, line)


def summarize(text, limit=160):
    """At most ``limit`` characters of plain text, cut at a word, with an ellipsis if cut."""
    text = plain_text(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"
