# One recipe for all four services; pick one with the SERVICE build arg:
#   docker build --build-arg SERVICE=order -t saga-shop-order .
# The build stage compiles the whole workspace (the services share packages/*), so its layers
# are identical, and cached, for all four images; only the last steps depend on SERVICE.

FROM node:24-bookworm-slim AS build
# The same pnpm as package.json's packageManager, so the lockfile is read as it was written.
RUN npm i -g pnpm@12.4.2
WORKDIR /app

# Manifests before sources: dependencies are reinstalled only when a manifest or the lockfile
# changes. One line per package because COPY flattens globs (every packages/*/package.json
# would land on the same file); e2e/compose.unit.spec.ts checks this list is complete.
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
RUN pnpm install --frozen-lockfile

COPY . .
# Runs `prisma generate` for each service, then `tsc -b`.
RUN pnpm build

# Declared only now so that everything above is shared between the four images.
ARG SERVICE
# Fail the build, not the container, on a wrong SERVICE or a service shipped without the
# migrations it applies at startup.
RUN if [ ! -f "services/${SERVICE}/dist/main.js" ]; then \
      echo "no services/${SERVICE}/dist/main.js: build with --build-arg SERVICE=order|user|payment|delivery" >&2; exit 1; \
    fi; \
    if [ ! -d "services/${SERVICE}/prisma/migrations" ]; then \
      echo "services/${SERVICE}/prisma/migrations is missing" >&2; exit 1; \
    fi

FROM node:24-bookworm-slim AS runtime
ARG SERVICE
# ENV carries the build arg into the running container, where CMD reads it.
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
# The whole built workspace, dev dependencies included: simple, and `pnpm start` runs the
# same files. Owned by root and only readable by `node`, so the service cannot rewrite itself.
COPY --from=build /app /app
USER node
# `exec` so node replaces the shell and gets SIGTERM itself on `docker stop` (graceful shutdown).
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]
