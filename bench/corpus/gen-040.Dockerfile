# gen-040: go service (generated for the dockgate lint benchmark)
FROM golang:1.22-bookworm AS build
WORKDIR /app
RUN apt-get update && apt-get install -y \
        tini \
        gcc \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY go.mod go.sum ./
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
RUN curl -fsSL https://get.example.com/install.sh | sh

FROM debian:bookworm-slim
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
USER app
CMD ["/usr/local/bin/app"]
