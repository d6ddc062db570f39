# The catalog's image: gunicorn serving Django, static files collected at build time.
#   docker build -t msc-trials .
# Run with DATABASE_URL, SECRET_KEY and ALLOWED_HOSTS set; see docker-compose.yml and the
# README's "Deploying" section.

# --- build: install the pinned runtime requirements into a virtualenv, collect static files
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic and the gazetteer's tables (catalog.places, under var/) read no database; the
# settings only want one named in production.
RUN DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@127.0.0.1:1/none \
    python manage.py collectstatic --noinput \
 && DEBUG=0 SECRET_KEY=build-only DATABASE_URL=postgres://build@127.0.0.1:1/none \
    python manage.py place_sites --tables-only \
 && python -m compileall -q /app/catalog /app/trialsite

# --- runtime: the virtualenv and the application, run by an unprivileged user
FROM python:3.11-slim AS runtime

ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=trialsite.settings \
    PORT=8000

RUN groupadd --system --gid 10001 catalog \
 && useradd --system --uid 10001 --gid catalog --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin catalog

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# The one directory the application writes: stored downloads (CATALOG_EXPORT_DIR).
RUN mkdir -p /app/var/exports && chown -R 10001:10001 /app/var

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "trialsite.healthcheck"]

CMD ["gunicorn", "--config", "gunicorn.conf.py", "trialsite.wsgi:application"]
