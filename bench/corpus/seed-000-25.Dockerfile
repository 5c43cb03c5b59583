# Add Brotli module to Nginx
FROM nginx:1.24-alpine
RUN apk add --no-cache nginx-mod-http-brotli
