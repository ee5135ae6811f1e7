// `pnpm demo:2pc-blocking`: the failure the notes describe, with real processes. A two-phase
// commit prepared in every database, its coordinator killed before phase two: the in-doubt
// transactions and their locks, a second order of the same user blocked while others go through,
// the coordinator back and everything resolved; then the two sagas through the same fault.
// Its own Postgres cluster (19433) and broker (23092), services on 7001-7004 (7011: a second
// order service); it prints the story as it happens and checks each claim it makes.
import { join } from "node:path";
import { environments } from "./lib/environments.mjs";
import { jest, withInfrastructure } from "./lib/infrastructure.mjs";
import { root, run } from "./lib/run.mjs";

process.on("SIGINT", () => console.error("\ndemo: interrupted; cleaning up"));
run(process.execPath, [join(root, "scripts", "build.mjs")]);
let exitCode = 1;
try {
  await withInfrastructure(environments.demo, {}, (env) => {
    jest(["demo"], process.argv.slice(2), { ...env, TEST_LOG_DIR: "demo-logs" });
    exitCode = 0;
  });
} catch (error) {
  console.error(error.message);
}
process.exit(exitCode);
