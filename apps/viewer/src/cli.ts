// `pnpm watch [orderId]` and `pnpm dlq list | redrive <id> | redrive --all`: the viewer from a
// terminal. Both talk to a running viewer (VIEWER_URL; scripts/viewer-cli.mjs sets the one
// `pnpm start` runs), so they show exactly what the page shows and redrive by the same rule.
import { printer, timelineLines } from "./terminal";
import type { DeadLetterView, SagaSummary, SagaView } from "./state";
import type { RedriveResult } from "./feed";

const viewerUrl = (process.env.VIEWER_URL || "http://127.0.0.1:3000").replace(/\/+$/, "");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const out = (line: string) => process.stdout.write(`${line}\n`);
const fail = (message: string, code = 1): never => {
  process.stderr.write(`${message}\n`);
  process.exit(code);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function request<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(`${viewerUrl}${path}`, init);
  } catch (error) {
    return fail(`cannot reach the viewer at ${viewerUrl} (${(error as Error).message}): is \`pnpm start\` running? (VIEWER_URL names another)`);
  }
  return { status: response.status, body: (await response.json()) as T };
}

/** Reads the viewer's event stream, calling `on` for each event; reconnects when it drops. */
async function follow(on: (event: string, data: unknown) => void): Promise<never> {
  for (let connected = false; ; await sleep(2000)) {
    try {
      const response = await fetch(`${viewerUrl}/api/stream`, { headers: { accept: "text/event-stream" } });
      if (!response.ok || !response.body) throw new Error(`answered ${response.status}`);
      if (connected) process.stderr.write("(reconnected)\n");
      connected = true;
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (event && data) on(event, JSON.parse(data));
        }
      }
      throw new Error("the stream ended");
    } catch (error) {
      process.stderr.write(`(connection to ${viewerUrl} lost: ${(error as Error).message}; retrying)\n`);
    }
  }
}

async function watch(orderId: string | undefined): Promise<void> {
  const print = printer(out);
  if (orderId) {
    if (!UUID.test(orderId)) fail(`"${orderId}" is not an order id (a uuid)`, 2);
    const id = orderId.toLowerCase();
    const { status, body } = await request<SagaView>(`/api/sagas/${id}`);
    if (status === 200) {
      for (const line of timelineLines(body)) out(line);
      print.skip(body);
      if (body.status !== "PENDING" && body.waitingDeadLetters === 0) return;
    } else out(`waiting for the first event of order ${id}…`);
    await follow((event, data) => {
      if (event !== "saga" || (data as SagaView).orderId !== id) return;
      const view = data as SagaView;
      print.saga(view);
      if (view.status !== "PENDING" && view.waitingDeadLetters === 0) process.exit(0);
    });
  }
  out(`watching every saga at ${viewerUrl} (Ctrl-C stops); what happens from now on:`);
  // Sagas the snapshot knew: only their steps after the ones it counted are new.
  const known = new Map<string, number>();
  await follow((event, data) => {
    if (event === "snapshot") {
      const snapshot = data as { sagas: SagaSummary[]; deadLetters: DeadLetterView[] };
      for (const saga of snapshot.sagas) if (!known.has(saga.orderId)) known.set(saga.orderId, saga.stepCount);
      for (const d of snapshot.deadLetters) print.skipDeadLetter(d);
    } else if (event === "saga") {
      const view = data as SagaView;
      const before = known.get(view.orderId);
      if (before !== undefined) {
        known.delete(view.orderId);
        print.skipFirst(view, before);
      }
      print.saga(view);
    } else if (event === "dead-letter") print.deadLetter(data as DeadLetterView);
  });
}

async function dlq(args: string[]): Promise<void> {
  const [verb, target] = args;
  if (verb === "list") {
    const { body } = await request<DeadLetterView[]>("/api/dead-letters");
    if (body.length === 0) {
      out("no dead letters");
      return;
    }
    for (const d of body) {
      out(`${d.id}  ${d.consumer}  ${d.eventType ?? "(not an event)"}  order ${d.orderId ?? "-"}  from ${d.source ?? "?"}  attempts ${d.attempts ?? "?"}  at ${d.at ?? "?"}`);
      out(`    reason: ${d.reason.trim().split("\n").join("\n            ")}`);
      out(`    ${d.redrives.length ? `redriven ${d.redrives.length}x, to ${d.redrives.join(", ")}` : "never redriven"}`);
    }
    return;
  }
  if (verb === "redrive" && target) {
    const { status, body } = await request<{ results?: RedriveResult[]; message?: string }>("/api/dead-letters/redrive", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(target === "--all" ? { all: true } : { id: target }),
    });
    if (status !== 200) fail(body.message ?? `the viewer answered ${status}`);
    const results = body.results ?? [];
    if (results.length === 0) out("no dead letter is waiting to be redriven");
    for (const r of results) out(r.outcome === "redriven" ? `${r.id}: redriven to ${r.to}${r.note ? ` (${r.note})` : ""}` : `${r.id}: refused: ${r.reason}`);
    if (results.some((r) => r.outcome === "refused")) process.exit(1);
    return;
  }
  fail("usage: pnpm dlq list | pnpm dlq redrive <dead-letter id> | pnpm dlq redrive --all", 2);
}

const [command, ...args] = process.argv.slice(2);
const run = command === "watch" ? watch(args[0]) : command === "dlq" ? dlq(args) : fail("usage: cli.js watch [orderId] | cli.js dlq …", 2);
run.then(
  () => process.exit(0),
  (error) => fail(`failed: ${(error as Error).message}`),
);

