// `pnpm build`: generate each service's Prisma client, then compile every package (tsc -b).
// Install scripts are off (pnpm-workspace.yaml), so generation is an explicit step here.
import { createRequire } from "node:module";
import { join } from "node:path";
import { root, run, services } from "./lib/run.mjs";

const prismaCli = createRequire(join(root, "package.json")).resolve("prisma/build/index.js");
for (const service of services) {
  run(process.execPath, [prismaCli, "generate"], { cwd: join(root, "services", service), quiet: true });
}
run(process.execPath, [createRequire(join(root, "package.json")).resolve("typescript/bin/tsc"), "-b"]);
console.log("build: prisma clients generated, packages compiled");
