# gen-081: php service (generated for the dockgate lint benchmark)
FROM php:8.2-apache
WORKDIR /app
RUN apt-get update && apt-get install -y \
        git \
        make \
        curl \
    && rm -rf /var/lib/apt/lists/*
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
ADD . /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9000/health || exit 1
CMD ["php-fpm"]
