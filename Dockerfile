# Production image: web (gunicorn), Celery worker and beat all run from it; see
# docker-compose.yml. Settings come from the environment (README.md lists them).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    PRIVATE_MEDIA_ROOT=/data/private

WORKDIR /app

# Dependencies first, so code changes do not reinstall them. Same lock and uv as `make`.
COPY requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv pip sync --system --no-cache requirements.lock

COPY . .

# Static files are collected (hashed names, compressed) into the image; WhiteNoise serves
# them. The settings need these variables to load; nothing connects to them here.
RUN DJANGO_PRODUCTION=1 DJANGO_SECRET_KEY=collectstatic-only \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 10001 --home-dir /app app \
    && mkdir -p /data/private /data/backups \
    && chown app /data/private /data/backups
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--logger-class", "core.logging.GunicornLogger"]
