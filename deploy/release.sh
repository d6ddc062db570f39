#!/bin/sh
# The release step, run once before the web containers start (docker-compose.yml's "release"
# service, or a platform's release phase): apply migrations, then load the bundled data when
# the catalog is still empty (a no-op on every later release).
set -eu
python manage.py migrate --noinput
python manage.py import_ctgov --if-empty data/msc-trials-2022.json.gz data/seeds
