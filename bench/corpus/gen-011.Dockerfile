# gen-011: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25
WORKDIR /app
RUN sudo apt-get update && sudo apt-get install -y \
        ca-certificates \
        libpq-dev \
        build-essential
COPY . .
ENV SECRET_KEY_BASE=9f8e7d6c5b4a
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
CMD nginx -g daemon off;
