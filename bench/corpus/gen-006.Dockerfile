# gen-006: go service (generated for the dockgate lint benchmark)
FROM golang:1.22 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        curl \
        tini \
        build-essential \
    && rm -rf /var/lib/apt/lists/*
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM debian:bookworm-slim
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
CMD /usr/local/bin/app
