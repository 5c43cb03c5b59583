FROM python:3.12-slim@sha256:0f2b9a4b6f2c1c7bdb4a3b5f9e7c3a1d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a1b
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN ["/bin/sh", "-c", "pip install poetry==1.8.2 && poetry config virtualenvs.create false"]
WORKDIR /srv
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY src/ ./src/
RUN useradd -r -u 10001 svc
USER 10001
HEALTHCHECK --interval=20s CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8000), 2)"]
ENTRYPOINT ["python", "-m", "src.main"]
