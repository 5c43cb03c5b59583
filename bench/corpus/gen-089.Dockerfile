# gen-089: php service (generated for the dockgate lint benchmark)
FROM php:8.2-fpm
WORKDIR /app
RUN apt-get update && apt-get install -y \
        git \
        curl \
        tini
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
COPY . .
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN chmod u+s /usr/local/bin/helper
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:9000/health || exit 1
USER app
CMD ["php-fpm"]
