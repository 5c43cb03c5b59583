# gen-009: python service (generated for the dockgate lint benchmark)
FROM python:3.12-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        git \
        ca-certificates \
        make \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ADD https://example.com/tools/cli.tar.gz /tmp/
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
USER app
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
