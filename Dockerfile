# syntax=docker/dockerfile:1
# One image for the whole system: the four services, the viewer and the topic creator. A container picks its
# process with its command (docker-compose.yml does), e.g.
#   docker build -t saga-shop .
#   docker run saga-shop node services/order/dist/main.js
#   docker run saga-shop node packages/messaging/dist/create-topics.js
# The build stage compiles the workspace with every dependency; the image gets only what runs:
# the production dependencies, each package's dist/ and the migrations applied at start (each
# service's, and the messaging package's tables).

FROM node:24-bookworm-slim AS pnpm
# The same pnpm as package.json's packageManager, so the lockfile is read as it was written.
RUN npm i -g pnpm@12.4.2
WORKDIR /app

# The install inputs, shared by both installs below. Manifests before sources: dependencies are
# reinstalled only when a manifest or the lockfile changes. One line per package because COPY
# flattens globs (every packages/*/package.json would land on the same file);
# e2e/compose.unit.spec.ts checks this list is complete.
FROM pnpm AS manifests
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
# pnpm applies these to dependencies while installing (pnpm-workspace.yaml: patchedDependencies).
COPY patches/ patches/
COPY packages/contracts/package.json packages/contracts/
COPY packages/messaging/package.json packages/messaging/
COPY packages/schema-tools/package.json packages/schema-tools/
COPY packages/service-kit/package.json packages/service-kit/
COPY services/delivery/package.json services/delivery/
COPY services/order/package.json services/order/
COPY services/payment/package.json services/payment/
COPY services/user/package.json services/user/
COPY apps/viewer/package.json apps/viewer/

FROM manifests AS build
# The pnpm store lives in a BuildKit cache: packages are downloaded once, not on every change
# to the lockfile, and the store never ends up in a layer.
RUN --mount=type=cache,id=saga-shop-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store
COPY . .
# Runs `prisma generate` for each service (the client is written to src/generated and compiled
# into dist/generated), then `tsc -b`.
RUN pnpm build

# A clean tree with production dependencies only: no prisma CLI, typescript, jest, swc or
# types, none of the tests, bench or chaos code. Install scripts stay off as in
# pnpm-workspace.yaml, and the kafkajs patch is applied here as in every install.
# --no-optional: the lockfile resolves @prisma/client's optional peers, the prisma CLI and
# typescript (with the CLI's studio, react and dev server: two thirds of the tree), to the
# workspace's dev copies. The client is generated at build time and needs neither; the only
# other optional dependency is pg's adapter for Cloudflare Workers.
# --filter: the services, the viewer and the workspace packages they depend on; development
# tooling (packages/schema-tools) and its dependencies stay out.
FROM manifests AS production
RUN --mount=type=cache,id=saga-shop-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod --no-optional --filter "@saga-shop/*-service..." --filter "@saga-shop/viewer..." --store-dir /pnpm/store
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
COPY --from=build /app/packages/messaging/dist packages/messaging/dist
COPY --from=build /app/packages/messaging/migrations packages/messaging/migrations
COPY --from=build /app/packages/service-kit/dist packages/service-kit/dist
COPY --from=build /app/services/delivery/dist services/delivery/dist
COPY --from=build /app/services/delivery/prisma/migrations services/delivery/prisma/migrations
COPY --from=build /app/services/order/dist services/order/dist
COPY --from=build /app/services/order/prisma/migrations services/order/prisma/migrations
COPY --from=build /app/services/payment/dist services/payment/dist
COPY --from=build /app/services/payment/prisma/migrations services/payment/prisma/migrations
COPY --from=build /app/services/user/dist services/user/dist
COPY --from=build /app/services/user/prisma/migrations services/user/prisma/migrations
COPY --from=build /app/apps/viewer/dist apps/viewer/dist
# The viewer's page: plain HTML, CSS and JavaScript, served as they are.
COPY --from=build /app/apps/viewer/public apps/viewer/public
# Fail the build, not the container, if a process the compose file starts is missing or a
# module it needs does not resolve in this tree: a service's main.js only starts the service
# when run, so requiring it loads every module; pino-pretty is loaded later (LOG_PRETTY=1).
RUN for main in services/delivery/dist/main.js services/order/dist/main.js services/payment/dist/main.js \
      services/user/dist/main.js packages/messaging/dist/create-topics.js apps/viewer/dist/main.js; do \
      [ -f "$main" ] || { echo "missing $main" >&2; exit 1; }; \
    done; \
    node -e 'for (const s of ["delivery", "order", "payment", "user"]) require(`./services/${s}/dist/main.js`); \
      require("./packages/messaging/dist/index.js"); require("./apps/viewer/dist/main.js"); \
      require.resolve("pino-pretty", { paths: ["packages/service-kit"] })'

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by `node`, so a service cannot rewrite itself. No pnpm here:
# node_modules is complete, its links relative to /app.
COPY --from=production /app /app
USER node
# Each container names its process (docker-compose.yml: `command:`); there is no sensible default.
# Started as exec-form commands, node is the process that gets SIGTERM on `docker stop`
# (graceful shutdown), under compose's `init: true`.
CMD ["node", "-e", "console.error('choose a process: node services/<order|user|payment|delivery>/dist/main.js, or node packages/messaging/dist/create-topics.js'); process.exit(64)"]
