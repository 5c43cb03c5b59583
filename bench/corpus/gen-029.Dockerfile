# gen-029: node service (generated for the dockgate lint benchmark)
FROM node:20@sha256:77a1e0a29e28a4f8252fcb02acd999d9de26994c7f706b9e4f7b73711ce14457
WORKDIR /app
COPY . .
COPY package.json package-lock.json ./
RUN npm install --production
RUN npm run build
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
USER app
CMD ["node", "dist/server.js"]
