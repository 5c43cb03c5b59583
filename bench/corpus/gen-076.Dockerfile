# gen-076: static service (generated for the dockgate lint benchmark)
FROM nginx:1.25-alpine
WORKDIR /app
COPY . .
MAINTAINER ops@example.com
ADD . /app
RUN addgroup -S app && adduser -S -G app app
EXPOSE 80
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:80/health || exit 1
USER root
CMD ["nginx", "-g", "daemon off;"]
