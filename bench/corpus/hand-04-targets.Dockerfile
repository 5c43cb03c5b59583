ARG NODE_VERSION=20.11
FROM node:${NODE_VERSION}-alpine AS deps
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile --production

FROM node:${NODE_VERSION}-alpine AS dev
WORKDIR /app
COPY . .
RUN yarn install
CMD yarn dev

FROM node:${NODE_VERSION}-alpine AS release
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
HEALTHCHECK CMD node healthcheck.js
CMD ["node", "server.js"]
