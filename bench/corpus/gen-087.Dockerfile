# gen-087: tools service (generated for the dockgate lint benchmark)
FROM ubuntu
WORKDIR /app
RUN apt-get update && apt-get install -y \
        tini \
        git \
        build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
USER app
ENTRYPOINT ["/usr/bin/tini", "--"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["/usr/local/bin/entrypoint.sh"]
