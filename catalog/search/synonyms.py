"""The MSC vocabulary the search understands: each group lists names of the same thing.

A search for any member of a group finds trials that use any other member, so "UC-MSC" finds
trials that only say "umbilical cord", and "mesenchymal stromal cells" finds "MSCs". Members are
matched as whole words or phrases, ignoring case, hyphens and a possessive "'s" ("Wharton's
jelly" = "Wharton jelly" = "wharton's jelly"), and each member is searched as a phrase: list
the spellings trials use (with and without "'s", plurals the stemmer would not join).

Add a group or a member here and nothing else needs to change.
"""

SYNONYMS = (
    # Mesenchymal stem/stromal cells in general.
    (
        "MSC",
        "MSCs",
        "mesenchymal stem cell",
        "mesenchymal stem cells",
        "mesenchymal stromal cell",
        "mesenchymal stromal cells",
        "mesenchymal stem/stromal cells",
        "mesenchymal stromal/stem cells",
    ),
    # From the umbilical cord.
    (
        "UC-MSC",
        "UC-MSCs",
        "hUC-MSC",
        "hUC-MSCs",
        "UCMSC",
        "UCMSCs",
        "umbilical cord",
    ),
    # From Wharton's jelly (of the umbilical cord).
    (
        "WJ-MSC",
        "WJ-MSCs",
        "WJMSC",
        "WJMSCs",
        "Wharton's jelly",
        "Wharton jelly",
    ),
    # From bone marrow.
    (
        "BM-MSC",
        "BM-MSCs",
        "BMMSC",
        "BMMSCs",
        "BMSC",
        "BMSCs",
        "bone marrow",
    ),
    # From adipose tissue.
    (
        "AD-MSC",
        "AD-MSCs",
        "ADMSC",
        "ADMSCs",
        "ADSC",
        "ADSCs",
        "ASC",
        "ASCs",
        "adipose",
    ),
)
