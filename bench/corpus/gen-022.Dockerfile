# gen-022: go service (generated for the dockgate lint benchmark)
FROM golang:1.22 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY go.mod go.sum ./
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM alpine:3.19
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["/usr/local/bin/app"]
