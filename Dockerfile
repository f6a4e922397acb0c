# syntax=docker/dockerfile:1
# Maticko production image: the Vite build from a Node stage, served by gunicorn
# behind nginx (serve.sh, ADR 0019) on a Python slim runtime, as a non-root user, on port 8000.

# Base images are pinned to exact tags and moved by Dependabot (docker ecosystem), one
# reviewed pull request at a time (infrastructure/docs/0026-pipeline.md); CI builds for
# linux/amd64, the instances' architecture.

# --- Stage 1: build the frontend ---------------------------------------------
FROM node:22.23.3-alpine AS frontend-builder
WORKDIR /build
COPY dirt_stack/frontend/package.json dirt_stack/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY dirt_stack/frontend/ ./
RUN npm run build

# --- Stage 2: the Python runtime -----------------------------------------------
# The Debian release is named: a new one is a deliberate change, not a side effect of a rebuild.
FROM python:3.11-slim-trixie AS backend
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=maticko.settings
WORKDIR /app

# nginx reads each request whole before gunicorn sees it (ADR 0019); Debian's stable package
# follows the base image's security updates, so it is not pinned to a version.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx \
    && rm -rf /var/lib/apt/lists/*

COPY dirt_stack/requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

RUN groupadd --system --gid 10001 maticko \
    && useradd --system --uid 10001 --gid maticko --home-dir /app --shell /usr/sbin/nologin maticko

COPY dirt_stack/ ./
COPY --from=frontend-builder /build/dist ./frontend/dist

# Collect static files and compile the translation catalogs at build time; the key only
# exists for these commands.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && SECRET_KEY=collectstatic-only-not-a-secret python manage.py compile_catalogs \
    && mkdir -p /app/media \
    && chown maticko:maticko /app/media

ARG APP_VERSION=dev
ENV APP_VERSION=${APP_VERSION}

USER 10001:10001
EXPOSE 8000
# Liveness (ADR 0021): is the process answering? Not the deep /health/, which also needs
# the database: restarting a container cannot bring a database back, and an "unhealthy"
# container during a database outage would invite exactly that restart.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live/', timeout=4)"]
ENTRYPOINT ["./docker-entrypoint.sh"]
# A deploy's release step runs `./release.sh` in place of the command (migrations and database
# roles as the master user, before the web container starts; ADR 0022).
# nginx on 8000 in front of gunicorn on 127.0.0.1:8001; its files are under /tmp (SERVE_RUN_DIR).
CMD ["./serve.sh"]
