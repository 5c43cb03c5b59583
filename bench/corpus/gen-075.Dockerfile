# gen-075: php service (generated for the dockgate lint benchmark)
FROM php:8.2-apache
WORKDIR /app
RUN apt-get update
RUN apt-get install -y \
        make \
        git \
        tini
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
ADD . /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
CMD ["php-fpm"]
