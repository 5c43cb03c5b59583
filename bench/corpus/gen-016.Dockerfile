# gen-016: python service (generated for the dockgate lint benchmark)
FROM python:3.10-alpine
WORKDIR /app
COPY . .
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN addgroup -S app && adduser -S -G app app
EXPOSE 8000
CMD gunicorn -b 0.0.0.0:8000 app:app
