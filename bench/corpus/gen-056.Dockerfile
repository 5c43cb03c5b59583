# gen-056: php service (generated for the dockgate lint benchmark)
FROM php:8.2-apache
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        tini \
        git \
        curl
COPY . .
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-scripts
ADD . /app
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN cd /app && ./configure --prefix=/usr/local
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 9000
USER app
CMD ["php-fpm"]
