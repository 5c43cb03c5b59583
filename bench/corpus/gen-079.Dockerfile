# gen-079: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25-alpine@sha256:d61f36d7ab3f9cf678b2d00e9d10d728dd5afbe6eb1e849d222633e8a2a475bf
WORKDIR /app
RUN apk add --no-cache curl libpq ca-certificates
COPY . .
RUN addgroup -S app && adduser -S -G app app
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
