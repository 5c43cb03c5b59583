# gen-036: python service (generated for the dockgate lint benchmark)
FROM python:3.11
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        git \
        jq
COPY . .
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
ADD vendor.tar.gz /opt/vendor/
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
CMD ["sh", "-c", "echo starting"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
