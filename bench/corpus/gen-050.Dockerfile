# gen-050: go service (generated for the dockgate lint benchmark)
FROM golang:1.22 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y \
        make \
        jq \
        ca-certificates
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
MAINTAINER ops@example.com
RUN cd /app && ./configure --prefix=/usr/local

FROM alpine:3.19
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER app
CMD ["/usr/local/bin/app"]
