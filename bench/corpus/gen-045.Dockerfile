# gen-045: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25-alpine
WORKDIR /app
RUN apk add --no-cache libpq ca-certificates tini
COPY . .
RUN addgroup -S app && adduser -S -G app app
EXPOSE 80
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:80/health || exit 1
USER app
CMD ["nginx", "-g", "daemon off;"]
