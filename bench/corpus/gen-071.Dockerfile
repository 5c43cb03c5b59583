# gen-071: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25-alpine
WORKDIR /app
RUN apk add git libpq ca-certificates
COPY . .
RUN addgroup -S app && adduser -S -G app app
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
