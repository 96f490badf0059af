# One image for the controller and the worker (pick with the command).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall applies patches/ (kafkajs: native CRC32C and a cheaper produce path)
COPY patches patches
COPY apps apps
COPY libs libs
COPY tools tools
COPY nx.json tsconfig.base.json tsconfig.json jest.preset.js jest.integration.preset.js eslint.config.mjs ./
RUN npm ci --no-audit --no-fund && NX_DAEMON=false npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# postinstall applies patches/ (kafkajs: native CRC32C and a cheaper produce path)
COPY patches patches
COPY apps apps
COPY libs libs
COPY tools/package.json tools/package.json
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist dist
EXPOSE 50051 8080
CMD ["node", "dist/apps/controller/main.js"]
