# gen-077: php service (generated for the dockgate lint benchmark)
FROM php:8.3-fpm-alpine
WORKDIR /app
RUN apk add git build-base curl
COPY . .
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9000
CMD php-fpm
