"""Small v2 study objects for tests, built from a real bundled record."""

import copy
import gzip
import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


@cache
def bundled_studies():
    with gzip.open(DATA / "msc-trials-2022.json.gz") as f:
        return json.load(f)


def real_study(index=0):
    """A deep copy of one real study of the bundled data."""
    return copy.deepcopy(bundled_studies()[index])


def study(
    nct_id="NCT09000001",
    title="Umbilical cord MSCs for knee osteoarthritis",
    updated="2022-06-01",
    **status,
):
    """A real record under another NCT ID, title and last-update date."""
    s = real_study(0)
    s["protocolSection"]["identificationModule"]["nctId"] = nct_id
    s["protocolSection"]["identificationModule"]["briefTitle"] = title
    s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": updated,
        "type": "ACTUAL",
    }
    s["protocolSection"]["statusModule"].update(status)
    return s
