# gen-085: node service (generated for the dockgate lint benchmark)
FROM node:18
WORKDIR /app
RUN apt-get update && apt-get install -y \
        curl \
        libpq-dev \
        ca-certificates
COPY . .
COPY package.json package-lock.json ./
RUN npm ci
RUN npm run build
MAINTAINER ops@example.com
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
USER 10001:10001
CMD ["node", "dist/server.js"]
