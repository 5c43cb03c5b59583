# gen-078: python service (generated for the dockgate lint benchmark)
FROM python:3.10-alpine@sha256:854af48f8b0a8358c23dd273586d0c1e259a951b3817a9ccefdfa0f342a6106c
WORKDIR /app
RUN apk add --update tini git bash
COPY . .
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN cd /app && ./configure --prefix=/usr/local
RUN addgroup -S app && adduser -S -G app app
EXPOSE 8000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8000/health || exit 1
USER app
CMD ["sh", "-c", "echo starting"]
CMD gunicorn -b 0.0.0.0:8000 app:app
