# gen-059: node service (generated for the dockgate lint benchmark)
FROM node:20 AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential \
        curl \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
RUN npm run build
WORKDIR src

FROM node:20
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
CMD ["node", "dist/server.js"]
