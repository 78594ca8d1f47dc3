# syntax=docker/dockerfile:1
# Jutsu Labs API + SPA image (docs/architecture.md §1): multi-stage, non-root, migrations at start.
#   docker build -t jutsu-labs .        (BuildKit, the default since Docker 23)
# The runtime image keeps the repository layout (apps/api/dist, apps/web/dist,
# prisma/migrations, pnpm's node_modules links) because the API finds the SPA and
# the migrations by walking up from its bundle, exactly as `pnpm start` does.

# Node 24, the current LTS (20 left security support in April 2026). The code also
# runs on Node >= 20.19 (package.json engines), which development machines may still use.
FROM node:24-bookworm-slim AS base
# corepack fetches the pnpm version pinned (with its hash) in package.json.
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    TURBO_TELEMETRY_DISABLED=1 \
    CI=true
RUN corepack enable
WORKDIR /app

# ── source: the build context, cleaned ──────────────────────────────────────
# .dockerignore patterns like `node_modules/` only match at the context root, so a
# developer checkout still sends apps/*/node_modules, */dist and the generated
# Prisma client. Drop them here so they can never overwrite what the image installs.
FROM base AS source
COPY . .
RUN rm -rf node_modules */*/node_modules e2e/node_modules \
           */*/dist */*/.turbo .turbo packages/db/src/generated \
           data secrets .env

# ── deps: install with only the manifests, so this layer is cached until they change
FROM base AS deps
COPY --from=source /app/package.json /app/pnpm-lock.yaml /app/pnpm-workspace.yaml /app/.npmrc ./
# One line per workspace package (pnpm-workspace.yaml): add new packages here.
COPY --from=source /app/apps/api/package.json        apps/api/
COPY --from=source /app/apps/web/package.json        apps/web/
COPY --from=source /app/packages/db/package.json     packages/db/
COPY --from=source /app/packages/shared/package.json packages/shared/
COPY --from=source /app/e2e/package.json             e2e/
# postinstall runs `prisma generate` (offline, see packages/db/scripts/generate.mjs):
# it needs the schema, the generate script and prisma.config.ts. Only the schema,
# not prisma/migrations, so a new migration does not invalidate the install layer.
COPY --from=source /app/prisma/schema.prisma         prisma/
COPY --from=source /app/packages/db/scripts          packages/db/scripts/
COPY --from=source /app/packages/db/prisma.config.ts packages/db/
RUN pnpm install --frozen-lockfile

# ── build ────────────────────────────────────────────────────────────────────
FROM deps AS build
COPY --from=source /app/ ./
RUN pnpm build
# Production dependencies only. `pnpm prune --prod` is unreliable in a workspace
# (it can empty the packages' node_modules); pnpm's documented way is to delete
# the node_modules folders and reinstall with --prod from the store already in this
# stage (--offline). --ignore-scripts: the postinstall needs the prisma CLI, a
# devDependency, and the generated client (packages/db/src/generated) is kept anyway.
# Anything the built API loads at run time must therefore be a `dependency`.
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules e2e/node_modules \
 && pnpm install --prod --frozen-lockfile --offline --ignore-scripts

# ── runtime ──────────────────────────────────────────────────────────────────
# Correctness over size: the whole built tree is copied (sources included, ~0.5 GB
# with node_modules); only devDependencies, the pnpm store and pnpm itself are left
# behind. Files stay root-owned, so the app cannot rewrite its own code.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
# pg_dump/pg_restore for `jutsu backup` (Debian bookworm's 15, matching the compose database).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 jutsu \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin jutsu
COPY --from=build /app /app
COPY --chmod=0755 docker/entrypoint.sh /app/docker/entrypoint.sh
# The only writable path: embedded PGlite data when DATABASE_URL is not set.
RUN mkdir -p /app/data && chown 10001:10001 /app/data && chmod 0700 /app/data
VOLUME ["/app/data"]
# Numeric, so orchestrators can verify runAsNonRoot.
USER 10001:10001
EXPOSE 8080
# No curl in slim images; Node has fetch. /healthz is liveness only (no DB).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
