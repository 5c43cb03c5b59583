# gen-017: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25
WORKDIR /app
COPY . .
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 80
USER app
CMD ["nginx", "-g", "daemon off;"]
