// `pnpm test`: everything the tests need, then every suite (unit, int, e2e). A fresh Kafka broker
// on its own ports (19092) and `test_`-prefixed databases keep tests apart from `pnpm start`.
// Extra arguments go to jest, e.g. `pnpm test --selectProjects unit`.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { prepareDatabases } from "./lib/databases.mjs";
import { kafka, root, run } from "./lib/run.mjs";

const broker = { KAFKA_PORT: "19092", KAFKA_CONTROLLER_PORT: "19093", KAFKA_DIR: join(root, ".local", "kafka-test") };

run(process.execPath, [join(root, "scripts", "build.mjs")]);
// The tests too are type-checked (jest's swc transform only strips types).
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.tests.json"]);
// Fresh service databases for the end-to-end suite (it starts the services against them).
await prepareDatabases({ prefix: "test_", fresh: true });
kafka("reset", broker);
kafka("start", broker);
let exitCode = 1;
try {
  run(process.execPath, [join(root, "packages/messaging/dist/create-topics.js")], {
    env: { ...process.env, KAFKA_BROKERS: "127.0.0.1:19092" },
  });
  const jest = join(root, "node_modules", "jest", "bin", "jest.js");
  const report = join(root, ".local", "jest-report.json");
  rmSync(report, { force: true });
  try {
    // The chaos project kills processes and restarts Postgres: `pnpm test:chaos` runs it, not this.
    const args = process.argv.slice(2);
    const projects = args.some((a) => a.startsWith("--selectProjects")) ? [] : ["--selectProjects", "unit", "int", "e2e"];
    run(process.execPath, [jest, "--runInBand", "--json", `--outputFile=${report}`, ...projects, ...args], {
      env: { ...process.env, KAFKA_BROKERS: "127.0.0.1:19092", TEST_DB_PREFIX: "test_" },
    });
    exitCode = 0;
  } finally {
    // One plain closing line with the counts, whatever reads this output.
    const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(report, "utf8"));
    console.log(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
  }
} catch (error) {
  console.error(error.message);
} finally {
  kafka("stop", broker);
}
process.exit(exitCode);
