# gen-055: python service (generated for the dockgate lint benchmark)
FROM python:3.12-slim
WORKDIR /app
RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends \
        build-essential \
        jq \
        tini
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
