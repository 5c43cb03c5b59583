# gen-032: go service (generated for the dockgate lint benchmark)
FROM golang:1.22-bookworm AS build
WORKDIR /app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
USER root
CMD ["/usr/local/bin/app"]
