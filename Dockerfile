# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript to dist/. The build context is what
# .dockerignore lets through: never var/ (admin token, master key), node_modules or .git.
# Node.js 24, an LTS line tongban is tested on (README "Node.js").
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install rather than npm ci: see .ci/run (optional platform packages absent from the lock).
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY adapters ./adapters
RUN npm run build && npm prune --omit=dev --ignore-scripts

# Runtime stage: production dependencies, the build, migrations and configuration; non-root.
FROM node:24-bookworm-slim
# HOST=0.0.0.0: inside a container loopback is unreachable from the published port (tongban
# itself listens on 127.0.0.1 unless HOST says otherwise).
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 TONGBAN_DATA_DIR=/var/lib/tongban
# redis-server only serves the embedded default (no REDIS_URL); compose sets REDIS_URL.
RUN apt-get update && apt-get install -y --no-install-recommends redis-server tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/tongban && chown node:node /var/lib/tongban
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY src/store/migrations ./src/store/migrations
# The portal's stylesheet and scripts (tsc compiles TypeScript only; src/portal/assets.ts reads them here).
COPY src/portal/static ./src/portal/static
# The division code history resident ID numbers are checked against (src/normalize/county.ts reads it here).
COPY src/normalize/data ./src/normalize/data
# The demo (the default without TONGBAN_CONFIG) and the examples; a county mounts its own file
# at /app/config/town.yaml (docker-compose.yml).
COPY config ./config
USER node
# 8080: the gateway; 18092: the demo's department web app (config/demo.yaml).
EXPOSE 8080 18092
VOLUME ["/var/lib/tongban"]
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/tongban.js"]
CMD ["start"]
