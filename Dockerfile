# syntax=docker/dockerfile:1
# Equivalence Engine Service: one image for web, worker, migrate and the mock services
# (compose.yaml picks the command). Build: docker build -t equivalence-engine:local .

# --- builder: resolve and install into a virtualenv, with the pinned versions ---------------
FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (their own layer, rebuilt only when pyproject.toml or constraints.txt change).
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -c constraints.txt -r requirements.txt
COPY . .
RUN pip install --no-deps -c constraints.txt . \
    && python -m compileall -q /opt/venv/lib

# --- runtime: no compilers, no sources, not root ----------------------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 equivalence \
    && useradd --system --uid 10001 --gid equivalence --home-dir /app --no-create-home equivalence \
    && mkdir -p /app/var \
    && chown -R equivalence:equivalence /app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# For the runbook's `alembic upgrade head` inside the container (equivalence migrate needs neither).
COPY --chown=equivalence:equivalence alembic.ini ./
COPY --chown=equivalence:equivalence migrations ./migrations
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3).status != 200)"]
CMD ["equivalence", "serve", "--host", "0.0.0.0", "--port", "8000"]
