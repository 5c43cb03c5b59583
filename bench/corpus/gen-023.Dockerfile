# gen-023: go service (generated for the dockgate lint benchmark)
FROM golang:1.22-bookworm AS build
WORKDIR /app
RUN apt-get update && apt-get install -y \
        libpq-dev \
        build-essential \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM debian:bookworm-slim@sha256:0ebb749d140524991a4444ad2e5b481455a4b107deadd44929801707f857fb78
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
USER app
CMD ["/usr/local/bin/app"]
