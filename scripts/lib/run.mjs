// Small process helpers shared by the root scripts (build, start, test).
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

// Every root command imports this module, so the Node version is checked here, once, before any work.
const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 24) {
  console.error(`saga-shop needs Node.js 24 or later (this is ${process.version}; see .nvmrc and the README's "Run it").`);
  process.exit(1);
}
export const services = ["order", "user", "payment", "delivery"];
export const servicePorts = { order: 3001, user: 3002, payment: 3003, delivery: 3004 };

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
