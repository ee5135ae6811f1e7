// `pnpm build`: generate each service's Prisma client, then compile every package (tsc -b).
// Install scripts are off (pnpm-workspace.yaml), so generation is an explicit step here.
// Each step says what it is doing: a first build takes a while on a small machine.
import { createRequire } from "node:module";
import { join } from "node:path";
import { root, run, services } from "./lib/run.mjs";

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const prismaCli = createRequire(join(root, "package.json")).resolve("prisma/build/index.js");
process.stdout.write("build: generating Prisma clients:");
for (const service of services) {
  process.stdout.write(` ${service}`);
  run(process.execPath, [prismaCli, "generate"], { cwd: join(root, "services", service), quiet: true });
}
console.log(` (${seconds()})`);
console.log("build: compiling TypeScript (tsc -b; only what changed)...");
run(process.execPath, [createRequire(join(root, "package.json")).resolve("typescript/bin/tsc"), "-b"]);
console.log(`build: done in ${seconds()}`);
