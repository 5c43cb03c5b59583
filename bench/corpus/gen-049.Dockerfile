# gen-049: node service (generated for the dockgate lint benchmark)
FROM node:18-bullseye-slim AS build
WORKDIR /app
RUN apt-get update
RUN apt-get install -y --no-install-recommends \
        git \
        make \
        jq \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm install --production
COPY . .
RUN npm run build

FROM node:18-bullseye-slim
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
CMD ["node", "dist/server.js"]
