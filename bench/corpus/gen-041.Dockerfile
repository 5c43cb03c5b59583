# gen-041: python service (generated for the dockgate lint benchmark)
FROM python:3.12-slim@sha256:647683eb89dfb7f9f3e85e63fdf378f025e2b7d81084219a567d1e9afbc7baf1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
MAINTAINER ops@example.com
ADD vendor.tar.gz /opt/vendor/
RUN chmod -R 777 /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
USER 10001:10001
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
