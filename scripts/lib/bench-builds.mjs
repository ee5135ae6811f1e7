// `pnpm bench --against`: each side's services come from a clean tree of one commit, built in
// its own directory (.local/bench-builds/<commit>): `git archive` of the commit (nothing is
// registered in the repository, unlike a worktree, and uncommitted changes are left out), then
// `pnpm install --frozen-lockfile` and `pnpm build` there. A build that finished writes a marker
// last; a later comparison of the same commit reuses it, an interrupted one is redone.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join, relative } from "node:path";
import { root } from "./run.mjs";

/** "complete" (the marker is there), "partial" (a directory without it), or "absent". */
export function buildStateOf(dir, marker) {
  if (existsSync(join(dir, marker))) return "complete";
  return existsSync(dir) ? "partial" : "absent";
}

/** The environment of the build's commands: this `pnpm bench`'s own package and PATH entries left out. */
function buildEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_config_|PNPM_)/i.test(k) || k === "INIT_CWD") continue;
    env[k] = v;
  }
  const ownBin = join(root, "node_modules", ".bin");
  env.PATH = (process.env.PATH ?? "").split(delimiter).filter((p) => p !== ownBin).join(delimiter);
  return env;
}

const elapsed = (t0) => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** Runs one step of a build, its output shown; returns a reason on failure. */
function step(say, what, command, args, cwd) {
  say(`${what}...`);
  const t0 = Date.now();
  const result = spawnSync(command, args, { cwd, stdio: "inherit", env: buildEnv() });
  if (result.error) return `${what}: ${result.error.message}`;
  if (result.status !== 0) return `${what} failed (exit ${result.status ?? result.signal})`;
  say(`${what}: done in ${elapsed(t0)}`);
  return undefined;
}

/** The commit's tree, as committed, into the build's directory. */
function checkout(say, plan, where) {
  say(`checking out ${plan.commit.slice(0, 12)} into ${where} (git archive)`);
  const archive = spawnSync("git", ["archive", "--format=tar", plan.commit], { cwd: root, maxBuffer: 2 ** 30 });
  if (archive.status !== 0) return `git archive ${plan.commit} failed: ${String(archive.stderr).trim()}`;
  const tar = spawnSync("tar", ["-x", "-C", plan.dir], { input: archive.stdout });
  if (tar.status !== 0) return `unpacking ${plan.commit} failed: ${String(tar.stderr).trim()}`;
  return undefined;
}

/**
 * Makes `plan` ({ commit, dir, action }) true: checks the commit out into dir and builds it,
 * unless the action is "reuse". `label` names it in what is printed ("A: HEAD~1 = 13eb999").
 * Returns undefined when built, or why it could not be (the caller refuses the comparison).
 */
export function ensureBuild(plan, { label, marker, say = console.log }) {
  const where = relative(root, plan.dir);
  const tell = (text) => say(`bench: build ${label}: ${text}`);
  if (plan.action === "reuse") {
    tell(`reusing the build in ${where}`);
    return undefined;
  }
  const t0 = Date.now();
  if (plan.action === "rebuild") tell(`${where} holds an unfinished build; starting it again`);
  rmSync(plan.dir, { recursive: true, force: true });
  mkdirSync(plan.dir, { recursive: true });
  const failed =
    checkout(tell, plan, where) ??
    step(tell, "pnpm install --frozen-lockfile", "pnpm", ["install", "--frozen-lockfile"], plan.dir) ??
    step(tell, "pnpm build", "pnpm", ["build"], plan.dir);
  if (failed) return failed;
  writeFileSync(join(plan.dir, marker), `${plan.commit}\nbuilt ${new Date().toISOString()} with Node ${process.version}\n`);
  tell(`built in ${elapsed(t0)}`);
  return undefined;
}

/** The folders under a build's services/ (each a service of that commit). */
export const serviceFoldersOf = (dir) => {
  try {
    return readdirSync(join(dir, "services"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(dir, "services", d.name, "package.json")))
      .map((d) => d.name);
  } catch {
    return [];
  }
};
