# The Relance worker. Configured only through the environment (see config/settings.py and
# docker-compose.temporal.yml); it migrates its database at start.
FROM python:3.11-slim-bookworm

# WeasyPrint's native libraries (Pango, HarfBuzz with its subsetter for small PDFs) and the fonts
# the letter templates name.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RELANCE_DATA_DIR=/data \
    RELANCE_TEMPLATES_DIR=/app/letter_templates

WORKDIR /app
COPY . .
# `python worker.py` runs from /app, next to the letter templates and migrations; the installed
# package brings the dependencies and the `relance` command.
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin relance \
    && mkdir -p /data \
    && chown relance:relance /data

# Documents, dossiers and registered-letter receipts live here; mount a volume on it.
VOLUME ["/data"]
USER relance

CMD ["python", "worker.py"]
