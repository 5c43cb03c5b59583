# gen-069: python service (generated for the dockgate lint benchmark)
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 8000
CMD ["sh", "-c", "echo starting"]
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
