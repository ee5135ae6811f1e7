// `pnpm test`: everything the tests need, then every suite (unit, int, e2e). Its own Postgres
// cluster (15433, .local/postgres-test) with fresh `test_` databases, and a fresh Kafka broker
// (19092), keep tests apart from `pnpm start`; both are stopped at the end.
// Extra arguments go to jest, e.g. `pnpm test --selectProjects unit`.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { databaseServer, prepareDatabases } from "./lib/databases.mjs";
import { environments } from "./lib/environments.mjs";
import { kafka, root, run } from "./lib/run.mjs";

const environment = environments.test;
const postgres = databaseServer(environment);

run(process.execPath, [join(root, "scripts", "build.mjs")]);
// The tests too are type-checked (jest's swc transform only strips types).
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.tests.json"]);
let exitCode = 1;
try {
  postgres.start();
  // Fresh service databases for the end-to-end suite (it starts the services against them).
  await prepareDatabases(postgres.adminUrl, { prefix: environment.dbPrefix, fresh: true });
  kafka("reset", environment.kafka);
  kafka("start", environment.kafka);
  const env = {
    ...process.env,
    KAFKA_BROKERS: environment.brokers,
    PG_ADMIN_URL: postgres.adminUrl,
    TEST_DB_PREFIX: environment.dbPrefix,
    TEST_PORT_BASE: String(environment.portBase),
  };
  run(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")], { env });
  const jest = join(root, "node_modules", "jest", "bin", "jest.js");
  const report = join(root, ".local", "jest-report.json");
  rmSync(report, { force: true });
  try {
    // The chaos project kills processes and restarts Postgres: `pnpm test:chaos` runs it, not this.
    const args = process.argv.slice(2);
    const projects = args.some((a) => a.startsWith("--selectProjects")) ? [] : ["--selectProjects", "unit", "int", "e2e"];
    run(process.execPath, [jest, "--runInBand", "--json", `--outputFile=${report}`, ...projects, ...args], { env });
    exitCode = 0;
  } finally {
    // One plain closing line with the counts, whatever reads this output.
    const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(report, "utf8"));
    console.log(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
  }
} catch (error) {
  console.error(error.message);
} finally {
  kafka("stop", environment.kafka);
  postgres.stop();
}
process.exit(exitCode);
