# gen-043: php service (generated for the dockgate lint benchmark)
FROM php:8.2-apache@sha256:03328ffa13406a63bc3395e9539dae262db9e342da46b4b056ef556f0698ec53
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
MAINTAINER ops@example.com
ADD vendor.tar.gz /opt/vendor/
RUN cd /app && ./configure --prefix=/usr/local
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
USER 10001:10001
CMD ["php-fpm"]
