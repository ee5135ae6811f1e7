// `pnpm test`: everything the tests need, then every suite (unit, int, e2e). Its own Postgres
// cluster (15433, .local/postgres-test) with fresh `test_` databases, and a fresh Kafka broker
// (19092), keep tests apart from `pnpm start`; both are stopped at the end.
// Extra arguments go to jest, e.g. `pnpm test --selectProjects unit`.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { environments } from "./lib/environments.mjs";
import { jest, withInfrastructure } from "./lib/infrastructure.mjs";
import { root, run } from "./lib/run.mjs";

run(process.execPath, [join(root, "scripts", "build.mjs")]);
// The tests too are type-checked (jest's swc transform only strips types).
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.tests.json"]);
let exitCode = 1;
try {
  await withInfrastructure(environments.test, {}, (env) => {
    const report = join(root, ".local", "jest-report.json");
    rmSync(report, { force: true });
    try {
      // The chaos project kills processes and restarts Postgres: `pnpm test:chaos` runs it, not this.
      const args = process.argv.slice(2);
      const projects = args.some((a) => a.startsWith("--selectProjects")) ? [] : ["unit", "int", "e2e"];
      jest(projects, ["--json", `--outputFile=${report}`, ...args], env);
      exitCode = 0;
    } finally {
      // One plain closing line with the counts, whatever reads this output (none if jest died
      // before writing them: its own failure is then the message).
      if (existsSync(report)) {
        const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(report, "utf8"));
        console.log(`\ntests: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
      }
    }
  });
} catch (error) {
  console.error(error.message);
}
process.exit(exitCode);
