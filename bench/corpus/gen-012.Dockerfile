# gen-012: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25
WORKDIR /app
COPY . .
ADD https://example.com/tools/cli.tar.gz /tmp/
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:80/health || exit 1
USER app
CMD ["nginx", "-g", "daemon off;"]
