# gen-028: go service (generated for the dockgate lint benchmark)
FROM golang:1.21-alpine AS build
WORKDIR /app
RUN apk add build-base bash libpq
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
ADD https://example.com/tools/cli.tar.gz /tmp/

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["/usr/local/bin/app"]
