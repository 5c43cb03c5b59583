# gen-013: node service (generated for the dockgate lint benchmark)
FROM node:18@sha256:fe13139a6cdb4682172656fe42394b5b165b626564e157758d04852ef2ddc956
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
USER app
CMD ["node", "dist/server.js"]
