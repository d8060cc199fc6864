# syntax=docker/dockerfile:1
# One image for every Tenantry process; docker-compose.yml picks the entry point per service.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.tenantry && chown node:node /app/.tenantry
USER node
EXPOSE 3000
# Node forwards SIGTERM to the app, which closes within SHUTDOWN_TIMEOUT_MS.
CMD ["node", "dist/apps/api/main.js"]
