# gen-062: node service (generated for the dockgate lint benchmark)
FROM node:18
WORKDIR /app
RUN apt-get update && apt-get install -y \
        ca-certificates \
        curl \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
RUN npm run build
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
CMD ["node", "dist/server.js"]
