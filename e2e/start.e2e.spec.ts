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
// A second payment instance (--instances payment=2) 10 above the first, its participant API 100 above that.
const PAYMENT_2_PORT = 3013 + shift;
const PORTS = [...SERVICE_PORTS, ...SERVICE_PORTS.slice(1).map((p) => p + 100), PAYMENT_2_PORT, PAYMENT_2_PORT + 100, VIEWER_PORT, KAFKA_PORT, 9093 + shift, 5433 + shift];
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
function startShop(args = ""): Run {
  const shell = spawn("sh", ["-c", `"${process.execPath}" scripts/start.mjs ${args}; echo "start.mjs exited $?"`], {
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

const placeOrder = (sku: string) =>
  fetch(ORDERS, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      userId: "00000000-0000-4000-8000-000000000001",
      items: [{ sku, quantity: 1, unitPriceCents: 100 }],
      paymentToken: "tok_visa",
      shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: "KR" },
    }),
  }).then((r) => r.json() as Promise<{ id: string }>);
const approved = (id: string) =>
  waitFor(`order ${id} to be approved`, async () => {
    const order = (await fetch(`${ORDERS}/${id}`).then((r) => r.json())) as { status: string };
    return order.status === "APPROVED" ? true : undefined;
  });

/** Whatever a failed test left: the shell, and start.mjs (which then stops what it started). */
function leaveNothingRunning(run: Run): void {
  run.shell.kill("SIGKILL");
  try {
    process.kill(startPid(), "SIGTERM");
  } catch {
    // already stopped
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
    const placed = await placeOrder("persisted");
    await approved(placed.id);

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
    leaveNothingRunning(first);
  }
});

test("--instances payment=2: both share the group and say what each owns, one publishes the outbox; SIGKILL that one and the other takes over its relay and its partitions", async () => {
  if (skip) return console.warn(`skipped: ${skip}`);
  const refused = startShop("--instances payment=0");
  await refused.exited;
  expect(refused.output()).toContain('--instances wants service=count pairs, e.g. --instances payment=3,user=2');
  expect(refused.output()).toContain("start.mjs exited 1");

  const run = startShop("--instances payment=2");
  // The JSON lines of one instance (LOG_PRETTY=0): its name and pid are in each.
  const linesOf = (name: string) =>
    run
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { name: string; pid: number; msg: string })
      .filter((l) => l.name === name);
  const said = (name: string, pattern: RegExp) => linesOf(name).some((l) => pattern.test(l.msg));
  try {
    await ready(run);
    await waitFor("payment-2 to be ready", async () => ((await fetch(`http://127.0.0.1:${PAYMENT_2_PORT}/health/ready`)).ok ? true : undefined));
    const split = /^payment-[12] now owns .*\(group payment-service, 2 members\)$/;
    await waitFor("both payment instances to say what they own in a group of 2", async () => (said("payment-1", split) && said("payment-2", split) ? true : undefined));
    await approved((await placeOrder("two-instances")).id);

    const publisher = ["payment-1", "payment-2"].find((n) => said(n, /^payment-[12] publishes the outbox/))!;
    const other = publisher === "payment-1" ? "payment-2" : "payment-1";
    expect(said(other, /stands by: another instance publishes the outbox/)).toBe(true);

    process.kill(linesOf(publisher)[0]!.pid, "SIGKILL");
    await waitFor(`${other} to take over the relay`, async () => (said(other, /took over the outbox relay/) ? true : undefined), 30_000);
    // Once the broker has given up on the dead member (its session timeout), the group is one.
    const alone = new RegExp(`^${other} now owns all 6 partitions of delivery.events; all 6 partitions of payment.commands; all 6 partitions of user.events \\(group payment-service, 1 member\\)$`);
    await waitFor(`${other} to own every partition`, async () => (said(other, alone) ? true : undefined), 60_000);
    expect(run.output()).toContain(`${publisher} exited (SIGKILL); ${other} goes on with its partitions`);
    await approved((await placeOrder("one-instance-left")).id);

    process.kill(startPid(), "SIGTERM");
    await run.exited;
    expect(await openPorts()).toEqual([]);
  } finally {
    leaveNothingRunning(run);
  }
});
