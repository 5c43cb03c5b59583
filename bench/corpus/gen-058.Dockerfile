# gen-058: node service (generated for the dockgate lint benchmark)
FROM node:18-bullseye-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install
COPY . .
RUN npm run build
RUN curl -fsSL https://get.example.com/install.sh | sh
RUN groupadd --system app && useradd --system --gid app --no-create-home app
EXPOSE 3000
HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:3000/health || exit 1
CMD node dist/server.js
