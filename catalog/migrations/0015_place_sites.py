"""The stored sites placed on the map, in a migration of its own: the rows are updated after
0014 has built the index."""

from django.db import migrations


def place_existing_sites(apps, schema_editor):
    """Mark the records' own points, and place every other site at its city (the gazetteer is
    built only if there are sites: a new database has none)."""
    Site = apps.get_model("catalog", "Site")
    Site.objects.filter(latitude__isnull=False, longitude__isnull=False).update(geo_source="record")
    if not Site.objects.filter(latitude__isnull=True).exists():
        return
    from catalog.places.gazetteer import gazetteer

    places = gazetteer()
    sites = list(Site.objects.filter(latitude__isnull=True).only("city", "state", "country"))
    placed = []
    for site in sites:
        found = places.place_site(site.city, site.state, site.country)
        if found is not None:
            site.latitude, site.longitude = found
            site.geo_source = "gazetteer"
            placed.append(site)
    Site.objects.bulk_update(placed, ["latitude", "longitude", "geo_source"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0014_places"),
    ]

    operations = [
        migrations.RunPython(place_existing_sites, migrations.RunPython.noop, elidable=True),
    ]
