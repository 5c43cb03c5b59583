# gen-005: static service (generated for the dockgate lint benchmark)
FROM nginx:stable
WORKDIR /app
RUN apt-get update
RUN apt-get install -y --no-install-recommends \
        tini \
        ca-certificates \
        build-essential
COPY . .
RUN sudo mkdir -p /var/run/app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:80/health || exit 1
USER app
CMD ["nginx", "-g", "daemon off;"]
