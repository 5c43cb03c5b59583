# gen-047: go service (generated for the dockgate lint benchmark)
FROM golang:1.21-alpine@sha256:600d863cfc0609189ce0910831c2bbd97d2bd97391f41dc825a75a383c7b8b5a AS build
WORKDIR /app
RUN apk add --no-cache bash build-base libpq
COPY . .
COPY go.mod go.sum ./
RUN go mod download
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM gcr.io/distroless/static-debian12
WORKDIR /app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:8080/health || exit 1
USER root
CMD /usr/local/bin/app
