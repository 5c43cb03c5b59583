# gen-025: php service (generated for the dockgate lint benchmark)
FROM php:8.2-fpm
WORKDIR /app
RUN sudo apt-get update && sudo apt-get install -y \
        git \
        ca-certificates \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
RUN chmod -R 777 /app
RUN cd /app && ./configure --prefix=/usr/local
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9000/health || exit 1
CMD ["php-fpm"]
