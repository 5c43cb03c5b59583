# gen-065: go service (generated for the dockgate lint benchmark)
FROM golang:1.21-alpine@sha256:05f8acf9f6e4b7a4e55ddcae0ae241bab442fde01b2da315468a9ca981f20018 AS build
WORKDIR /app
RUN apk add --no-cache git libpq ca-certificates
COPY . .
COPY go.mod go.sum ./
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM debian:bookworm-slim
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
CMD ["/usr/local/bin/app"]
