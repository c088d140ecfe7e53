# Leadbridge: the app server and the worker (same image, another command).
# Build: docker build -t leadbridge .   Run: see compose.yaml and docs/deploy.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# The translations are compiled here (.mo files are not in git) so the image carries them.
RUN pip install --no-cache-dir "babel==2.18.0" \
    && PYTHONPATH=src python -m leadbridge.core.messages compile \
    && pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# WeasyPrint (quote / pro-forma PDFs) needs Pango; DejaVu covers cs, sk, pl, lt and vi glyphs.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LEADBRIDGE_DATA_DIR=/data \
    STATIC_ROOT=/app/static \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home leadbridge \
    && mkdir -p /app/static \
    && chown leadbridge:leadbridge /app/static
COPY --from=build /install /usr/local
USER 10001:10001
WORKDIR /data
# Static files are collected into the image; `serve` only refreshes them.
RUN LEADBRIDGE_INSECURE_DEV_KEY=1 DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    leadbridge manage collectstatic --no-input --verbosity 0 \
    && rm -f /tmp/build.sqlite3
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["leadbridge", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
