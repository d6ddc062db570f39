#!/bin/sh
# The release step, run once before the web containers start (docker-compose.yml's "release"
# service, or a platform's release phase): apply migrations, then import the bundled data: the
# first release loads it, later ones update only the trials whose records changed (one query
# per unchanged study; see docs/records.md).
set -eu
python manage.py migrate --noinput
python manage.py import_ctgov data/msc-trials-2022.json.gz data/seeds
python manage.py store_studies
python manage.py relate_trials
python manage.py store_cards
