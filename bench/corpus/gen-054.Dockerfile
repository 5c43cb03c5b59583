# gen-054: tools service (generated for the dockgate lint benchmark)
FROM alpine:3.19
WORKDIR /app
RUN apk add --no-cache bash build-base ca-certificates
COPY . .
RUN addgroup -S app && adduser -S -G app app
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER app
CMD ["/usr/local/bin/entrypoint.sh"]
