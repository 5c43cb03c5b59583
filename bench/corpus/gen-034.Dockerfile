# gen-034: node service (generated for the dockgate lint benchmark)
FROM node:20-alpine
WORKDIR /app
RUN apk add --no-cache ca-certificates build-base tini
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
RUN chmod -R 777 /app
RUN addgroup -S app && adduser -S -G app app
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--"]
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["node", "dist/server.js"]
