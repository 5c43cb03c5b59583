# gen-064: tools service (generated for the dockgate lint benchmark)
FROM debian:latest
WORKDIR /app
RUN apt-get update
RUN apt-get install -y --no-install-recommends \
        gcc \
        git \
        curl \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["/usr/local/bin/entrypoint.sh"]
