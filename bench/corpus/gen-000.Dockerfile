# gen-000: tools service (generated for the dockgate lint benchmark)
FROM ubuntu:22.04
WORKDIR /app
RUN apt-get update && apt-get install -y \
        make \
        tini \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
ADD https://example.com/tools/cli.tar.gz /tmp/
RUN groupadd --system app && useradd --system --gid app --no-create-home app
CMD ["/usr/local/bin/entrypoint.sh"]
