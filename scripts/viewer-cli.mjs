// `pnpm watch [orderId]` and `pnpm dlq …`: the viewer's terminal commands (apps/viewer/src/cli.ts),
// pointed at the viewer `pnpm start` runs (port 3000, moved by SAGA_PORT_SHIFT) unless VIEWER_URL
// names another (compose publishes it on 127.0.0.1:3000 too).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { environments, portIn } from "./lib/environments.mjs";
import { root } from "./lib/run.mjs";

const cli = join(root, "apps", "viewer", "dist", "cli.js");
if (!existsSync(cli)) {
  console.error("the viewer is not built: run `pnpm build` (or `pnpm start`) first");
  process.exit(1);
}
const env = { ...process.env, VIEWER_URL: process.env.VIEWER_URL || `http://127.0.0.1:${portIn(environments.start, 3000)}` };
const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
