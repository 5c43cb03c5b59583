# gen-046: tools service (generated for the dockgate lint benchmark)
FROM alpine:3.19
WORKDIR /app
RUN apk add --no-cache build-base tini curl
COPY . .
ADD https://example.com/tools/cli.tar.gz /tmp/
RUN addgroup -S app && adduser -S -G app app
USER app
CMD ["/usr/local/bin/entrypoint.sh"]
