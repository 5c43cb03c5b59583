# gen-035: tools service (generated for the dockgate lint benchmark)
FROM alpine
WORKDIR /app
RUN apk add --no-cache curl build-base libpq
COPY . .
RUN addgroup -S app && adduser -S -G app app
USER app
CMD ["/usr/local/bin/entrypoint.sh"]
