FROM python:3.11-alpine3.19
RUN apk add --no-cache --virtual .build-deps gcc musl-dev libffi-dev \
    && pip install --no-cache-dir cryptography==42.0.5 \
    && apk del .build-deps
RUN apk add libpq
RUN adduser -D -u 1000 app
WORKDIR /home/app
COPY --chown=app:app . .
USER app
HEALTHCHECK CMD wget -q --spider http://127.0.0.1:5000/ || exit 1
CMD ["python", "app.py"]
