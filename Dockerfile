# One image for the worker, the CLI and the local emulators (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
WORKDIR /app
ENV P2C_SKIP_TEMPORAL_SETUP=1 NODE_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
USER node
CMD ["npx", "tsx", "worker/main.ts"]
