"""``python manage.py place_sites``: put the sites without coordinates on the map."""

from django.core.management.base import BaseCommand

from catalog.models import Site
from catalog.places import placing
from catalog.places.gazetteer import gazetteer, tables_path


class Command(BaseCommand):
    help = (
        "Place each site without coordinates at its city (the gazetteer of catalog.places), and "
        "say how many sites are placed. The records' own geoPoints are kept."
    )

    def add_arguments(self, parser):
        flags = {
            "--all": "Place again every site the gazetteer placed (after a gazetteer update).",
            "--measure": "Only say how many sites are placed.",
            "--tables-only": "Only build the gazetteer's tables and save them (no database is read).",
        }
        for flag, text in flags.items():
            parser.add_argument(flag, action="store_true", help=text)
        parser.add_argument(
            "--unplaced", type=int, default=0, metavar="N", help="List the N commonest unplaced."
        )

    def handle(self, *args, measure, unplaced, tables_only, **options):
        everything = options["all"]
        if tables_only:
            gazetteer()
            self.stdout.write(f"gazetteer tables: {tables_path()}")
            return
        share = placing.share() if measure else placing.place_sites(everything=everything)
        self.stdout.write(str(share))
        if unplaced:
            rows = (
                Site.objects.filter(latitude__isnull=True)
                .values_list("city", "state", "country")
                .order_by()
            )
            counts = {}
            for row in rows:
                counts[row] = counts.get(row, 0) + 1
            for (city, state, country), n in sorted(counts.items(), key=lambda x: -x[1])[:unplaced]:
                self.stdout.write(f"{n:5}  {', '.join(p for p in (city, state, country) if p)}")
