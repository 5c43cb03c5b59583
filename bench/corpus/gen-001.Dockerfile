# gen-001: static service (generated for the dockgate lint benchmark)
FROM nginx
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        make \
        gcc \
        git \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:80/health || exit 1
USER app
CMD nginx -g daemon off;
