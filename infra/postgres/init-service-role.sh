#!/usr/bin/env bash
# The service's own role and database in a compose Postgres container, as scripts/lib/databases.mjs
# makes them on the local server: one LOGIN role that is no superuser and cannot create roles or
# databases, owning one database that nobody else may connect to. The container's superuser
# (POSTGRES_USER) stays for administration; the service connects as SERVICE_USER.
#
# docker-compose.yml mounts this into /docker-entrypoint-initdb.d, so the postgres image runs it
# once, on an empty data directory, against its socket-only init server (before the real server
# listens on TCP, which is what the healthcheck waits for). The int test
# (e2e/compose-db-init.int.spec.ts) runs it against a real server through PGHOST/PGPORT.
set -Eeo pipefail

: "${POSTGRES_USER:?the container superuser that runs this}"
: "${SERVICE_USER:?the service role to create, e.g. order_service}"
: "${SERVICE_PASSWORD:?the password of SERVICE_USER}"
: "${SERVICE_DB:?the service database to create, e.g. order_service}"

# psql quotes the values itself (:"name" as an identifier, :'name' as a literal).
psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  --set role="$SERVICE_USER" --set password="$SERVICE_PASSWORD" --set database="$SERVICE_DB" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
-- Only the owning service may connect: no service can read another's tables.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL

echo "init-service-role: role ${SERVICE_USER} owns database ${SERVICE_DB}"
