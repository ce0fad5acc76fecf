# One image for the server and the worker; docker-compose picks the command.
# Stage 1 compiles TypeScript to JavaScript and builds the widget bundle and the pages' scripts with
# every dev tool; stage 2 keeps only what runs: production dependencies, the compiled JS, migrations,
# the bundles.

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY runtime/package.json runtime/
COPY delivery/package.json delivery/
COPY server/package.json server/
COPY worker/package.json worker/
COPY widget/package.json widget/
COPY console/package.json console/
COPY testing/package.json testing/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY runtime/package.json runtime/
COPY delivery/package.json delivery/
COPY server/package.json server/
COPY worker/package.json worker/
RUN npm ci --omit=dev --no-audit --no-fund \
      -w @happening/shared -w @happening/runtime -w @happening/delivery -w @happening/server -w @happening/worker \
  && npm cache clean --force
COPY --from=build /app/shared/dist shared/dist
COPY --from=build /app/runtime/dist runtime/dist
COPY --from=build /app/delivery/dist delivery/dist
COPY --from=build /app/worker/dist worker/dist
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/server/pages-dist server/pages-dist
COPY server/migrations server/migrations
COPY --from=build /app/widget/dist widget/dist
# The only place the processes write: a development TOKEN_SECRET when none is set.
RUN mkdir .happening && chown node:node .happening
USER node
EXPOSE 3000
# node, not npm, is the process: SIGTERM reaches it directly and starts its graceful stop.
# A 24 MB young generation (V8's default is 16): a broadcast to thousands of sockets then dies
# young instead of reaching the old generation, ~70 MB less RSS at peak (docs/deployment.md).
CMD ["node", "--max-semi-space-size=24", "--conditions=compiled", "server/dist/server.js"]
