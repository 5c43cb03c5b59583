# gen-057: python service (generated for the dockgate lint benchmark)
FROM python:3.11-slim-bookworm
WORKDIR /app
RUN apt-get update
RUN apt-get install -y --no-install-recommends \
        build-essential \
        ca-certificates \
        jq
COPY . .
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
USER app
CMD ["sh", "-c", "echo starting"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
