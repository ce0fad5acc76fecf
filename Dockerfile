# One image for the server and the worker; docker-compose picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 NODE_ENV=production
COPY package.json package-lock.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY worker/package.json worker/
COPY widget/package.json widget/
COPY console/package.json console/
COPY testing/package.json testing/
RUN npm ci --no-audit --no-fund --include=dev
COPY . .
# The server serves the seat-picker bundle at /widget/happening.js.
RUN npm run widget:build
USER node
EXPOSE 3000
CMD ["npm", "run", "server"]
