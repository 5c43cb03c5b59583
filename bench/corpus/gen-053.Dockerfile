# gen-053: php service (generated for the dockgate lint benchmark)
FROM php:8.3-fpm-alpine
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
RUN addgroup -S app && adduser -S -G app app
EXPOSE 9000
ENTRYPOINT ["/usr/bin/tini", "--"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["php-fpm"]
