# gen-083: node service (generated for the dockgate lint benchmark)
FROM node:18
WORKDIR /app
RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends \
        ca-certificates \
        build-essential \
        curl \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --production
COPY . .
RUN npm run build
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
USER app
CMD ["node", "dist/server.js"]
