"""Record texts render readably and safely; eligibility criteria split into their lists.

The texts are real ones from the bundled data and the seed files."""

import json
import re
from collections import Counter
from functools import cache

import pytest

from catalog.site.text import decode_entities, plain_text, render_text, split_eligibility, summarize
from tests.factories import DATA, bundled_studies
from tests.pages import text as visible


@cache
def studies():
    by_id = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in bundled_studies()}
    for path in sorted((DATA / "seeds").glob("*.json")):
        seed = json.loads(path.read_text())
        by_id[seed["protocolSection"]["identificationModule"]["nctId"]] = seed
    return by_id


def criteria(nct_id):
    return studies()[nct_id]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]


def texts(study):
    protocol = study["protocolSection"]
    yield protocol.get("descriptionModule", {}).get("briefSummary", "")
    yield protocol.get("descriptionModule", {}).get("detailedDescription", "")
    for arm in protocol.get("armsInterventionsModule", {}).get("armGroups", []):
        yield arm.get("description", "")


def words(value):
    return Counter(re.findall(r"[^\W_]+", value.lower()))


# The renderer


def test_markdown_escapes_are_dropped():
    assert render_text(r"10\^6/kg cells, Ia\<2, AST\>2 × ULN") == (
        "<p>10^6/kg cells, Ia&lt;2, AST&gt;2 × ULN</p>"
    )


def test_html_in_a_text_is_shown_as_text():
    html = render_text('<script>alert("x")</script>\n<img src=x onerror=alert(1)> <b>b</b>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_character_references_are_read_then_escaped():
    assert render_text("age &gt; 18 &amp; &lt;script&gt;") == (
        "<p>age &gt; 18 &amp; &lt;script&gt;</p>"
    )


def test_emphasis_and_strong():
    assert render_text("**Phase 1**: *open* label, snake_case_name and _this_") == (
        "<p><strong>Phase 1</strong>: <em>open</em> label, snake_case_name and <em>this</em></p>"
    )
    assert render_text(r"5 * 10 and \*not\* emphasis") == "<p>5 * 10 and *not* emphasis</p>"


def test_only_http_links_become_links():
    html = render_text(
        "See [the protocol](https://example.org/p?a=1&b=2), https://example.org/x_(y). "
        "[click](javascript:alert(1)) and <https://example.org/z>"
    )
    assert '<a href="https://example.org/p?a=1&amp;b=2" rel="nofollow">the protocol</a>' in html
    assert '<a href="https://example.org/x_(y)" rel="nofollow">https://example.org/x_(y)</a>.' in (
        html
    )
    assert "javascript:" in html and 'href="javascript' not in html
    assert '<a href="https://example.org/z" rel="nofollow">' in html


def test_an_address_cannot_carry_an_attribute():
    html = render_text('https://example.org/"onmouseover="alert(1)')
    assert 'href="https://example.org/"' in html
    assert 'onmouseover="' not in html


def test_paragraphs_lines_and_lists():
    html = render_text("First line\nsecond line\n\n* one\n* two\n  * two and a half\n\nAfter.")
    assert html == (
        "<p>First line<br>\nsecond line</p>\n"
        "<ul><li>one</li><li>two<ul><li>two and a half</li></ul></li></ul>\n"
        "<p>After.</p>"
    )


def test_numbered_lists_keep_their_numbers():
    html = render_text("2. second\n3. third\n   1. sub")
    assert html == (
        '<ol class="marked"><li><span class="marker">2.</span> second</li>'
        '<li><span class="marker">3.</span> third<ol class="marked">'
        '<li><span class="marker">1.</span> sub</li></ol></li></ol>'
    )


def test_a_seed_description_renders_readably():
    study = studies()["NCT02883803"]
    html = render_text(study["protocolSection"]["descriptionModule"]["detailedDescription"])
    assert "will receive 10^6/kg heterologous" in html
    assert "\\" not in html


def test_long_runs_of_markup_characters_stay_as_text():
    # Unmatched emphasis marks and long runs of spaces are where a backtracking pattern would
    # stall; the renderer reads them in one pass and keeps every visible character.
    source = "*" * 20000 + "_a" * 10000 + "**" * 5000
    assert visible(render_text(source)).replace(" ", "") == source
    assert words(visible(render_text("1." + " " * 20000 + "x" + " " * 20000 + "y"))) == words("1 x y")
    eligibility = split_eligibility("Inclusion criteria " + " " * 20000 + "x")
    assert words(" ".join(line for s in eligibility.sections for line in s.lines)) == words(
        "Inclusion criteria x"
    )


@pytest.mark.parametrize("field", ["summaries", "criteria"])
def test_no_word_of_any_bundled_text_is_lost(field):
    for nct_id, study in studies().items():
        if field == "summaries":
            sources = list(texts(study))
            shown = [visible(render_text(t)) for t in sources]
        else:
            source = criteria(nct_id) if "eligibilityModule" in study["protocolSection"] else ""
            sources, split = [source], split_eligibility(source)
            if split.is_split:
                shown = [" ".join(f"{s.title} {s.note} {visible(s.html)}" for s in split.sections)]
            else:
                shown = [visible(split.html)]
        for source, rendered in zip(sources, shown, strict=True):
            missing = words(decode_entities(source)) - words(rendered)
            assert not missing, (nct_id, missing)


# The eligibility splitter


def item_texts(items):
    return [item.text for item in items]


def test_the_septic_shock_seed_splits_into_five_and_eight():
    split = split_eligibility(criteria("NCT02883803"))
    assert split.is_split
    assert [(s.kind, s.title) for s in split.sections] == [
        ("inclusion", "Inclusion Criteria"),
        ("exclusion", "Exclusion Criteria"),
    ]
    assert len(split.inclusion) == 5
    assert item_texts(split.exclusion)[:3] == [
        "Non-septic shock",
        "Nosocomial septic shock",
        "PaO2/FiO2 <100",
    ]
    assert "<li>PaO2/FiO2 &lt;100</li>" in split.sections[1].html


def test_numbered_criteria_with_sub_items():
    split = split_eligibility(criteria("NCT06518902"))
    assert [item.marker for item in split.inclusion] == ["2.", "3.", "4.", "5.", "6."]
    assert split.inclusion[1].text.endswith("a NIHSS score of Ia\\<2 points;")
    assert "NIHSS score of Ia&lt;2 points;" in split.sections[0].html
    exclusion = split.exclusion
    assert [item.marker for item in exclusion] == [f"{n}." for n in range(2, 18)]
    organ, heart = exclusion[4], exclusion[5]
    assert organ.text.startswith("Organ function levels")
    assert [child.marker for child in organ.children] == ["1.", "2.", "3.", "4."]
    assert organ.children[0].text == "ALT or AST\\>2 × ULN; TBil\\>1.5×ULN; Scr\\>2×ULN;"
    assert len(heart.children) == 4
    assert exclusion[6].children == []


def test_bare_lines_are_items():
    split = split_eligibility(criteria("NCT02372474"))
    assert item_texts(split.inclusion) == [
        "Post-menarche female less than 40 years old.",
        "Normal karyotyping female.",
        "Primary ovarian failure females",
        "Follicle-stimulating hormone (FSH) more than or equal to 20 IU/L.",
        "Agree to sign the designed consent for the study.",
    ]
    assert len(split.exclusion) == 4


def test_lettered_items_under_a_colon_nest():
    split = split_eligibility(
        "Inclusion Criteria:\n\nAge 18-65\nLaboratory values:\na. ALT < 2 ULN\nb. Hb > 9\n"
        "Signed consent\n\nExclusion Criteria:\n\nPregnancy"
    )
    labs = split.inclusion[1]
    assert item_texts(split.inclusion) == ["Age 18-65", "Laboratory values:", "Signed consent"]
    assert [(c.marker, c.text) for c in labs.children] == [("a.", "ALT < 2 ULN"), ("b.", "Hb > 9")]


@pytest.mark.parametrize(
    "heading, kind, title",
    [
        ("Inclusion Criteria:", "inclusion", "Inclusion Criteria"),
        ("INCLUSION CRITERIA:", "inclusion", "Inclusion criteria"),
        ("Exclusion criteria :", "exclusion", "Exclusion criteria"),
        ("Key Exclusion Criteria:", "exclusion", "Key Exclusion Criteria"),
        ("**Inclusion Criteria**", "inclusion", "Inclusion Criteria"),
        ("Non-inclusion Criteria:", "exclusion", "Non-inclusion Criteria"),
        ("V.2.1. Inclusion criteria", "inclusion", "V.2.1. Inclusion criteria"),
        ("Donor-Exclusion Criteria:", "exclusion", "Donor-Exclusion Criteria"),
        ("Exclusion:", "exclusion", "Exclusion"),
        (
            "Patients must meet all the following inclusion criteria to be eligible for study entry:",
            "inclusion",
            "Patients must meet all the following inclusion criteria to be eligible for study entry",
        ),
    ],
)
def test_heading_spellings(heading, kind, title):
    split = split_eligibility(f"{heading}\n\n* first\n* second")
    assert [(s.kind, s.title, len(s.items)) for s in split.sections] == [(kind, title, 2)]


@pytest.mark.parametrize(
    "line",
    [
        "Any condition not fulfilling inclusion criteria",
        "RRMS not fulfilling inclusion criteria",
        "Other protocol-defined inclusion/exclusion criteria may apply",
        "There are no exclusion criteria for this study",
        "Inclusion in other clinical trials",
        "Laboratory exclusions: eGFR <30, WBC <2.0/mm3",
        "Evaluation of Inclusion and Exclusion Criteria.",
    ],
)
def test_criteria_that_mention_inclusion_are_not_headings(line):
    split = split_eligibility(f"Exclusion Criteria:\n\n{line}\nPregnancy")
    assert item_texts(split.exclusion) == [line, "Pregnancy"]


def test_text_after_a_heading_on_its_line_is_the_first_item():
    split = split_eligibility("Main inclusion criteria: Adults with knee OA\nBMI < 35")
    assert item_texts(split.inclusion) == ["Adults with knee OA", "BMI < 35"]


def test_a_sentence_restating_the_heading_is_kept_as_a_note():
    split = split_eligibility(criteria("NCT01768702"))
    first = split.sections[0]
    assert first.title == "Inclusion Criteria"
    assert first.note == "Eligible patients must meet all of the following inclusion criteria:"
    assert first.items[0].text == "Age ≥ 18 and < 80 years."


def test_text_before_the_first_heading_is_kept_as_paragraphs():
    split = split_eligibility("Adults with septic shock.\n\nInclusion Criteria:\n* consent")
    intro, inclusion = split.sections
    assert intro.kind == "" and intro.html == "<p>Adults with septic shock.</p>"
    assert item_texts(inclusion.items) == ["consent"]


def test_criteria_without_headings_fall_back_to_the_text():
    split = split_eligibility("Healthy adults\naged 18 to 65 <script>")
    assert not split.is_split
    assert split.html == "<p>Healthy adults<br>\naged 18 to 65 &lt;script&gt;</p>"


def test_a_script_in_the_criteria_stays_text():
    split = split_eligibility("Inclusion Criteria:\n* <script>alert(1)</script>\n* ok")
    assert split.sections[0].html == (
        "<ul><li>&lt;script&gt;alert(1)&lt;/script&gt;</li><li>ok</li></ul>"
    )


def test_most_bundled_criteria_split():
    split = [split_eligibility(criteria(n)).is_split for n in studies() if n != "NCT05016804"]
    assert sum(split) / len(split) > 0.99


# Plain text for previews


def test_plain_text_drops_the_markup():
    assert plain_text("**Phase 1**\n\n* one\n* 10\\^6/kg\n\n[x](https://e.org)") == (
        "Phase 1 one 10^6/kg x"
    )


def test_summaries_are_cut_at_a_word():
    summary = summarize("word " * 100, 50)
    assert len(summary) <= 50 and summary.endswith("word…")
    assert summarize("short text") == "short text"
