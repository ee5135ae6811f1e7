// Small process helpers shared by the root scripts (build, start, test).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

// Every root command imports this module, so the Node version is checked here, once, before any work.
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 24) {
  console.error(`saga-shop needs Node.js 24 or later (this is ${process.version}; see .nvmrc and the README's "Run it").`);
  process.exit(1);
}
// The services and their ports are the saga map's (packages/contracts/src/services.json, read as
// it is: nothing needs building first).
const serviceMap = JSON.parse(readFileSync(join(root, "packages", "contracts", "src", "services.json"), "utf8"));
export const services = Object.keys(serviceMap);
export const servicePorts = Object.fromEntries(services.map((s) => [s, serviceMap[s].port]));

/** Runs a command to completion with inherited output; throws if it fails. */
export function run(command, args, { quiet = false, ...options } = {}) {
  const result = spawnSync(command, args, { stdio: quiet ? "pipe" : "inherit", cwd: root, ...options });
  if (result.status !== 0) {
    if (quiet) process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
  }
}

export const kafka = (verb, env = {}) => run("bash", [join(root, "scripts", "kafka.sh"), verb], { env: { ...process.env, ...env } });

/** Starts a long-running child and resolves with its exit code when it ends. */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: "inherit", cwd: root, ...options });
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
  return child;
}
