"""``python manage.py search_eval``: score the search on the relevance set (catalog.search.relevance)."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.search import relevance


class Command(BaseCommand):
    help = (
        "Print recall, precision and R-precision of the search per query of the relevance set "
        "and overall. With --judge, first write each query's relevant trials as its rule "
        "judges them on the bundled records (no search involved)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(relevance.RELEVANCE_FILE))
        parser.add_argument(
            "--judge",
            action="store_true",
            help="Judge the rules on the bundled records and write the relevant trials.",
        )
        parser.add_argument("--misses", action="store_true", help="List wrong and missed trials.")

    def handle(self, *args, file, judge, misses, **options):
        try:
            document = relevance.load(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"{file}: {error}") from None
        entries = document["queries"]
        if judge:
            studies = relevance.bundled_studies()
            for entry in entries:
                entry["relevant"] = relevance.judge(entry["rule"], studies)
            with open(file, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=1, ensure_ascii=False)
                handle.write("\n")
            self.stdout.write(f"judged {len(entries)} queries on {len(studies)} records")
        scores = []
        for entry in entries:
            ranked = relevance.run_query(entry)
            scores.append(relevance.score(entry, ranked))
            if misses:
                wanted = set(entry["relevant"])
                extra = [n for n in ranked if n not in wanted]
                missed = sorted(wanted - set(ranked))
                if extra or missed:
                    self.stdout.write(
                        f"{entry['query']!r}: not relevant {extra[:15]}; missed {missed[:15]}"
                    )
        self.stdout.write(relevance.format_table(scores))
