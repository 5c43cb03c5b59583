# Development version with debugging tools
FROM frontend:production as debug
USER root
RUN apk add --no-cache \
    vim \
    curl \
    net-tools \
    nginx-mod-http-echo
COPY docker/nginx-debug.conf /etc/nginx/nginx.conf
