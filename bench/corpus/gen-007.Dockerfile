# gen-007: node service (generated for the dockgate lint benchmark)
FROM node:18 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build
ADD vendor.tar.gz /opt/vendor/

FROM node:18
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home app
COPY --from=build /app /app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
USER 10001:10001
CMD ["node", "dist/server.js"]
