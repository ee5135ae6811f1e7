// What every command that runs the services needs around them: its Postgres cluster with fresh
// databases, a fresh Kafka broker with the saga's topics, and both stopped at the end.
import { join } from "node:path";
import { databaseServer, prepareDatabases } from "./databases.mjs";
import { kafka, root, run } from "./run.mjs";

/**
 * Runs `work(env)` with `environment`'s infrastructure up; `env` carries what the suites and the
 * services need to find it (KAFKA_BROKERS, PG_ADMIN_URL, TEST_DB_PREFIX, TEST_PORT_BASE, the
 * broker's settings). `freshCluster` recreates the cluster first (a suite that kills it).
 */
export async function withInfrastructure(environment, { freshCluster = false } = {}, work) {
  const postgres = databaseServer(environment);
  try {
    if (freshCluster) postgres.cluster?.reset();
    postgres.start();
    await prepareDatabases(postgres.adminUrl, { prefix: environment.dbPrefix, fresh: true });
    kafka("reset", environment.kafka);
    kafka("start", environment.kafka);
    const env = {
      ...process.env,
      ...environment.kafka,
      KAFKA_BROKERS: environment.brokers,
      PG_ADMIN_URL: postgres.adminUrl,
      TEST_DB_PREFIX: environment.dbPrefix,
      TEST_PORT_BASE: String(environment.portBase),
    };
    run(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")], { env });
    return await work(env, postgres);
  } finally {
    kafka("stop", environment.kafka);
    try {
      postgres.stop();
    } catch (error) {
      console.error(error.message);
    }
  }
}

/** Jest, once, over `projects` (plus the caller's arguments), with `env`. */
export function jest(projects, args, env) {
  const bin = join(root, "node_modules", "jest", "bin", "jest.js");
  run(process.execPath, [bin, "--runInBand", ...projects.flatMap((p) => ["--selectProjects", p]), ...args], { env });
}
