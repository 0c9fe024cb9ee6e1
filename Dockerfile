# The service image: installs and runs exactly as scripts/run.sh does on a fresh machine.
# Build: docker build -t cac .   Run: docker run -p 8000:8000 -v cac-data:/srv/cac/var cac
FROM python:3.11-slim-bookworm

# torch is pinned to 2.13.0 in pyproject.toml. On PyPI that release pulls a CUDA build; point
# TORCH_INDEX at a CPU wheel index (or a local mirror) to keep the image small.
ARG TORCH_INDEX=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    CAC_HOST=0.0.0.0

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 cac
WORKDIR /srv/cac
COPY --chown=cac:cac . .

RUN chown cac:cac /srv/cac
USER cac
RUN python3 -m venv .venv \
 && if [ -n "$TORCH_INDEX" ]; then .venv/bin/pip install --no-cache-dir torch==2.13.0 --index-url "$TORCH_INDEX"; fi
# scripts/setup.sh creates .venv, installs the project and builds the code-set cache.
RUN scripts/setup.sh

EXPOSE 8000
VOLUME ["/srv/cac/var"]
HEALTHCHECK --interval=30s --timeout=5s CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["scripts/run.sh", "--host", "0.0.0.0", "--port", "8000"]
