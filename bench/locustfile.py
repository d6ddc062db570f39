"""Locust users for bench/load.py: each picks requests from bench/workload.py by weight, with
no pause between them (the point is to ask more than the server can answer).

The users are locust's FastHttpUser: the load runs on the same cores as the server, and
python-requests' HttpUser took several times the CPU per request, which the server then lacked."""

import gzip
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, task
from workload import WORKLOAD, fill

DATA = Path(__file__).resolve().parent.parent / "data" / "msc-trials-2022.json.gz"
with gzip.open(DATA) as f:
    NCT_IDS = [s["protocolSection"]["identificationModule"]["nctId"] for s in json.load(f)]

ACTIVE = set(filter(None, os.environ.get("LOAD_ENTRIES", "").split("|")))
ENTRIES = [entry for entry in WORKLOAD if not ACTIVE or entry[1] in ACTIVE]
WEIGHTS = [weight for weight, _, _ in ENTRIES]


class Visitor(FastHttpUser):
    @task
    def request(self):
        _, name, path = random.choices(ENTRIES, weights=WEIGHTS)[0]
        with self.client.get(
            fill(path, random.choice(NCT_IDS)), name=name, catch_response=True
        ) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")
