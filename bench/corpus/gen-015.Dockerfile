# gen-015: go service (generated for the dockgate lint benchmark)
FROM golang:1.21-alpine AS build
WORKDIR /app
RUN apk add --no-cache git ca-certificates curl
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
ENV API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc

FROM alpine:3.19
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /out/app /usr/local/bin/app
EXPOSE 8080
USER app
CMD ["/usr/local/bin/app"]
