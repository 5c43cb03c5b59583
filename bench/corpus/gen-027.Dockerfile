# gen-027: node service (generated for the dockgate lint benchmark)
FROM node:18-bullseye-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc \
        jq \
        curl \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build
RUN chmod -R 777 /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
USER app
CMD ["node", "dist/server.js"]
