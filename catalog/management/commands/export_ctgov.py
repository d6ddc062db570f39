"""Write the whole catalog as a JSON array of ClinicalTrials.gov API v2 studies
(``python manage.py export_ctgov OUT.json.gz``).

The studies are v2 study objects (each trial's ``StoredStudy``, or built afresh), in NCT ID
order, gzipped when the name ends in ``.gz`` (``-`` writes plain JSON to standard output).
Trials are read in batches, so memory stays flat however large the catalog. The file is written
beside its destination and renamed into place at the end: an interrupted export leaves no half
file. ``import_ctgov`` reads it back: into an empty database it gives the same catalog.
"""

import gzip
import io
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Trial
from catalog.registry.ctgov import studies_json
from catalog.site.exports import in_batches


@contextmanager
def output_file(name):
    """A text stream for ``name``, renamed into place only when the block succeeds."""
    if name == "-":
        yield sys.stdout
        return
    path = Path(name)
    if not path.parent.is_dir():
        raise CommandError(f"No directory {path.parent} to write {path.name} in.")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0
                ) as zipped:
                    with _text(zipped) as stream:
                        yield stream
            else:
                with _text(raw) as stream:
                    yield stream
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


@contextmanager
def _text(binary):
    stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()


def write_studies(trials, stream, batch_size):
    """Stream ``trials`` as a JSON array of v2 studies; returns how many were written."""
    stream.write("[")
    count = 0
    rows = trials.for_studies().iterator(chunk_size=batch_size)
    for batch in in_batches(rows, batch_size):
        for text in studies_json(batch):
            stream.write(",\n" if count else "\n")
            stream.write(text)
            count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("output", help="File to write (OUT.json.gz, OUT.json) or -.")
        parser.add_argument("--public-only", action="store_true", help="Only published trials.")
        parser.add_argument("--batch-size", type=int, default=200, help="Trials per batch (200).")

    def handle(self, *args, output, public_only, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        started = time.monotonic()
        trials = Trial.objects.order_by("nct_id")
        if public_only:
            trials = trials.public()
        with output_file(output) as stream:
            count = write_studies(trials, stream, batch_size)
        if verbosity and output != "-":
            elapsed = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(f"{count} studies written to {output} ({elapsed:.1f} s)")
            )
