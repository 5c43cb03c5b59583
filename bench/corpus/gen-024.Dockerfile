# gen-024: php service (generated for the dockgate lint benchmark)
FROM php:8.2-apache
WORKDIR /app
RUN apt-get update && apt-get install -y \
        tini \
        jq \
        git
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
USER 10001:10001
CMD php-fpm
