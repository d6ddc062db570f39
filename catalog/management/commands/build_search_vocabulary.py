"""``python manage.py build_search_vocabulary FILE``: the condition → MeSH pairs of the records.

Reads study records (a registry file with condition browse leaves, e.g. the refreshed
msc-trials-2022.json.gz) and writes ``catalog/search/vocabulary/condition_mesh_pairs.json``,
which the search reads (``catalog.search.synonyms``).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.registry.importer import SourceError, iter_studies
from catalog.search import synonyms


class Command(BaseCommand):
    help = "Write the search's condition-as-written → MeSH term pairs from study records."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Study files (.json, .json.gz) or folders.")
        parser.add_argument("--out", default=str(synonyms.CONDITION_MESH_PAIRS))

    def handle(self, *args, paths, out, **options):
        studies = []
        for _origin, study in iter_studies(paths):
            if isinstance(study, SourceError):
                raise CommandError(str(study))
            studies.append(study)
        pairs = synonyms.mesh_pairs(studies)
        if not pairs:
            raise CommandError(
                "No condition browse leaves with asFound in these records: nothing to write."
            )
        document = {
            "about": (
                "Conditions as the records wrote them (browseLeaves.asFound) and the MeSH term "
                "ClinicalTrials.gov found for each, where the MeSH term holds every word of the "
                "written form; built by manage.py build_search_vocabulary from "
                + ", ".join(p.rsplit("/", 1)[-1] for p in paths)
                + "."
            ),
            "pairs": pairs,
        }
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        self.stdout.write(f"{len(pairs)} pairs from {len(studies)} studies → {out}")
