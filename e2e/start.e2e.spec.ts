// `pnpm start` as a user meets it: a second start refuses at once and leaves the first alone;
// SIGTERM, or the death of the process that started it (pnpm exits on SIGTERM without passing
// it on), stops everything it started and nothing else; data outlives a restart.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { root, waitFor } from "./support/system";

jest.setTimeout(240_000);

// The ports `pnpm start` uses (scripts/lib/environments.mjs: start), moved by SAGA_PORT_SHIFT.
const shift = Number(process.env.SAGA_PORT_SHIFT ?? 0);
const SERVICE_PORTS = [3001, 3002, 3003, 3004].map((p) => p + shift);
const KAFKA_PORT = 9092 + shift;
// The participant APIs of the two-phase commit too: 100 above user, payment and delivery; and the
// viewer (apps/viewer) beside the services.
const VIEWER_PORT = 3000 + shift;
const PORTS = [...SERVICE_PORTS, ...SERVICE_PORTS.slice(1).map((p) => p + 100), VIEWER_PORT, KAFKA_PORT, 9093 + shift, 5433 + shift];
const ORDERS = `http://127.0.0.1:${SERVICE_PORTS[0]}/orders`;

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
const openPorts = async () => (await Promise.all(PORTS.map(async (p) => ((await portOpen(p)) ? p : null)))).filter((p) => p !== null);

interface Run {
  /** The shell standing in for pnpm: start.mjs's parent. */
  shell: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `sh -c "node scripts/start.mjs"`, the way pnpm runs it; LOG_PRETTY=0 so the output is easy to search. */
function startShop(): Run {
  const shell = spawn("sh", ["-c", `"${process.execPath}" scripts/start.mjs; echo "start.mjs exited $?"`], {
    cwd: root,
    env: { ...process.env, LOG_PRETTY: "0", PG_ADMIN_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  shell.stdout!.on("data", (d) => (text += d));
  shell.stderr!.on("data", (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => shell.on("exit", (code) => resolve(code)));
  return { shell, output: () => text, exited };
}

/** Until the four services answer ready; on a timeout the error carries what pnpm start printed. */
async function ready(run: Run): Promise<void> {
  try {
    await waitFor(
      "pnpm start's four services and the viewer to be ready",
      async () => {
        const answers = await Promise.all([...SERVICE_PORTS, VIEWER_PORT].map((p) => fetch(`http://127.0.0.1:${p}/health/ready`).then((r) => r.ok, () => false)));
        return answers.every(Boolean) ? true : undefined;
      },
      180_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- what pnpm start printed (last 3000 characters):\n${run.output().slice(-3000)}`);
  }
}

const startPid = () => Number(readFileSync(join(root, ".local", "start.pid"), "utf8"));
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let skip = "";
beforeAll(async () => {
  const taken = await openPorts();
  // A developer's own `pnpm start` (or anything else) on these ports: this file cannot run beside it.
  if (taken.length) skip = `ports ${taken.join(", ")} are in use (is \`pnpm start\` running?)`;
});

test("a second start refuses at once, saying what holds the ports, and the first keeps running; killing pnpm stops everything", async () => {
  if (skip) return console.warn(`skipped: ${skip}`);
  const first = startShop();
  try {
    await ready(first);
    const firstPid = startPid();

    const second = startShop();
    const code = await second.exited;
    expect(code).toBe(0); // the shell's own exit; start.mjs's is in the output
    expect(second.output()).toContain("start.mjs exited 1");
    expect(second.output()).toContain(`another \`pnpm start\` (pid ${firstPid})`);
    expect(second.output()).toMatch(new RegExp(`port ${KAFKA_PORT} \\(Kafka\\) is held by pid \\d+ \\(java`));
    expect(second.output()).not.toMatch(/build:/); // refused before building
    // The first run is untouched: its broker and database still answer.
    await ready(first);

    // An order placed now must survive a restart of the whole system.
    const placed = await fetch(ORDERS, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        userId: "00000000-0000-4000-8000-000000000001",
        items: [{ sku: "persisted", quantity: 1, unitPriceCents: 100 }],
        paymentToken: "tok_visa",
        shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
      }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await waitFor("the order to be approved", async () => {
      const order = (await fetch(`${ORDERS}/${placed.id}`).then((r) => r.json())) as { status: string };
      return order.status === "APPROVED" ? true : undefined;
    });

    // pnpm dies without passing SIGTERM on: start.mjs is orphaned and must stop everything itself.
    first.shell.kill("SIGKILL");
    await waitFor("start.mjs to stop everything after its parent died", async () => ((await openPorts()).length === 0 && !isAlive(firstPid) ? true : undefined), 90_000);

    // Again, now stopped with SIGTERM to start.mjs itself; the order placed before is still there.
    const again = startShop();
    await ready(again);
    const order = (await fetch(`${ORDERS}/${placed.id}`).then((r) => r.json())) as { status: string };
    expect(order.status).toBe("APPROVED");
    process.kill(startPid(), "SIGTERM");
    await again.exited;
    expect(again.output()).toMatch(/SIGTERM: stopping the services, then Kafka, then Postgres/);
    expect(await openPorts()).toEqual([]);
  } finally {
    first.shell.kill("SIGKILL");
    try {
      process.kill(startPid(), "SIGTERM");
    } catch {
      // already stopped
    }
  }
});
