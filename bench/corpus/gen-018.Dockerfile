# gen-018: python service (generated for the dockgate lint benchmark)
FROM python:3.12-slim@sha256:4d5417f279ee7436be390c28d11e1407532625a91c21bab6a386dd7e16b5835a
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        libpq-dev \
        tini \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ADD . /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
ENTRYPOINT ["/usr/bin/tini", "--"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD gunicorn -b 0.0.0.0:8000 app:app
