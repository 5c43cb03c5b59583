# gen-073: go service (generated for the dockgate lint benchmark)
FROM golang:1.21-alpine AS build
WORKDIR /app
RUN apk add --update tini libpq curl
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
ADD vendor.tar.gz /opt/vendor/

FROM debian:bookworm-slim
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["/usr/local/bin/app"]
