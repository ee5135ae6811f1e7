// The project's own Postgres cluster (scripts/lib/postgres.mjs), as the root commands use it:
// created with initdb, run as a user that is not root even when we are, with the settings of
// infra/postgres/postgresql.conf, able to prepare transactions, and durable through a crash.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";

const root = join(__dirname, "..");
const PORT = 15_499; // beside the test cluster's 15433, used by nothing else

/** Calls one method of a throwaway cluster in a child process (the module is ESM, the tests are not). */
function cluster(method: string): string {
  const script = `import(${JSON.stringify(join(root, "scripts", "lib", "postgres.mjs"))}).then((m) => {
    const c = m.postgresCluster({ name: "selftest", port: ${PORT} });
    const result = c[${JSON.stringify(method)}]();
    if (typeof result === "string" || typeof result === "number") console.log(result);
  })`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }).trim();
}
const adminUrl = () => {
  const lines = execFileSync(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(join(root, "scripts", "lib", "postgres.mjs"))}).then((m) => console.log(m.postgresCluster({ name: "selftest", port: ${PORT} }).adminUrl))`], { encoding: "utf8" });
  return lines.trim();
};

async function query<T = any>(text: string): Promise<T[]> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

jest.setTimeout(120_000);
beforeAll(() => {
  cluster("reset");
  cluster("start");
});
afterAll(() => cluster("reset"));

test("the postmaster does not run as root, even when the caller is root (Postgres refuses root)", () => {
  const pid = Number(cluster("pid"));
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  expect(uid).not.toBe(0);
  if (process.getuid?.() === 0) expect(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()).toBe(String(uid));
});

test("it runs with exactly the settings infra/postgres/postgresql.conf names", async () => {
  const wanted = readFileSync(join(root, "infra", "postgres", "postgresql.conf"), "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((l) => l.split(/\s*=\s*/) as [string, string]);
  expect(wanted.length).toBeGreaterThanOrEqual(3);
  for (const [name, value] of wanted) {
    const [row] = await query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    expect(`${name}=${row?.setting}`).toBe(`${name}=${value}`);
  }
});

test("it takes part in two-phase commit: a prepared transaction survives until COMMIT PREPARED", async () => {
  await query("DROP TABLE IF EXISTS prepared_probe; CREATE TABLE prepared_probe (n int)");
  await query("BEGIN; INSERT INTO prepared_probe VALUES (1); PREPARE TRANSACTION 'selftest-1'");
  expect(await query("SELECT gid FROM pg_prepared_xacts")).toEqual([{ gid: "selftest-1" }]);
  expect(await query("SELECT n FROM prepared_probe")).toEqual([]);
  await query("COMMIT PREPARED 'selftest-1'");
  expect(await query("SELECT n FROM prepared_probe")).toEqual([{ n: 1 }]);
});

test("only loopback TCP with a password: no Unix socket, and a wrong password is refused", async () => {
  const [row] = await query<{ listen: string; sockets: string }>(
    "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
  );
  expect(row).toEqual({ listen: "127.0.0.1", sockets: "" });
  const wrong = new URL(adminUrl());
  wrong.password = "not-the-password";
  const client = new Client({ connectionString: wrong.toString() });
  await expect(client.connect()).rejects.toThrow(/password authentication failed/);
});

test("a SIGKILLed postmaster comes back through crash recovery with every committed row", async () => {
  await query("DROP TABLE IF EXISTS crash_probe; CREATE TABLE crash_probe (n int); INSERT INTO crash_probe SELECT generate_series(1, 1000)");
  const before = Number(cluster("pid"));
  cluster("crash");
  const after = Number(cluster("pid"));
  expect(after).not.toBe(before);
  expect(await query("SELECT count(*)::int AS n FROM crash_probe")).toEqual([{ n: 1000 }]);
  const log = readFileSync(join(root, ".local", "postgres-selftest", "server.log"), "utf8");
  expect(log).toMatch(/database system was interrupted|was not properly shut down/);
});
