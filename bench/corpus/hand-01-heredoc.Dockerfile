# syntax=docker/dockerfile:1.6
FROM debian:bookworm-slim
RUN <<EOT
set -eux
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl
rm -rf /var/lib/apt/lists/*
EOT
COPY <<EOF /etc/app.conf
listen = 0.0.0.0:8080
EOF
RUN useradd --system app
USER app
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["/usr/local/bin/app", "--config", "/etc/app.conf"]
