# gen-063: go service (generated for the dockgate lint benchmark)
FROM golang:1.22-bookworm@sha256:c7ab8172bbc2c7eb9ab2dfe225415f7efd56ee6d9738bc087b9696380ef12b17 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y \
        gcc \
        build-essential \
        make
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM scratch
WORKDIR /app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
USER root
CMD ["/usr/local/bin/app"]
