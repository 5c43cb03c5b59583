# gen-038: python service (generated for the dockgate lint benchmark)
FROM python:3.10-alpine
WORKDIR /app
RUN apk add --no-cache git curl libpq
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN chmod u+s /usr/local/bin/helper
ENV DATABASE_PASSWORD=changeme123
RUN addgroup -S app && adduser -S -G app app
EXPOSE 8000
USER app
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
