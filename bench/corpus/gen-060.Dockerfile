# gen-060: node service (generated for the dockgate lint benchmark)
FROM node:20-alpine AS build
WORKDIR /app
RUN apk add build-base libpq curl
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build
ADD . /app
ENV API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc

FROM node:20-alpine
WORKDIR /app
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /app /app
EXPOSE 3000
USER app
CMD node dist/server.js
