import { ResilientClient } from "./db";
import { settings, superuserUrlOf } from "./config";
import { httpJson } from "./http";
import type { Model, SagaKind } from "./saga-counts";
import { summarize, type Summary } from "./stats";

// The shop through its HTTP API, and the order database's timestamps: the harness knows
// nothing else about the system (no events, no internals).

export type { Model, SagaKind };
const countryOf: Record<SagaKind, string> = { happy: "KR", compensation: "AQ" };
/** A saga compensates a delivery failure (CANCELLED); a two-phase commit never commits it (REJECTED). */
export const expectedStatusOf = (model: Model, kind: SagaKind): string =>
  kind === "happy" ? "APPROVED" : model === "two-phase-commit" ? "REJECTED" : "CANCELLED";

export async function createUsers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, (_, k) =>
        httpJson<{ id: string }>(settings.ports.user, "POST", "/users", { name: `bench user ${i + k}`, creditLimitCents: 1_000_000_000 }),
      ),
    );
    for (const response of batch) {
      if (response.status !== 201) throw new Error(`could not create a user: ${response.status} ${JSON.stringify(response.body)}`);
      ids.push(response.body.id);
    }
  }
  return ids;
}

export interface Placed {
  id: string;
  kind: SagaKind;
  /** When the POST was meant to go out (open loop) or went out (closed loop), epoch ms. */
  intendedAt: number;
  postStart: number;
  postEnd: number;
}

let nextUser = 0;
export async function placeOrder(users: readonly string[], kind: SagaKind, model: Model, intendedAt = Date.now()): Promise<Placed> {
  const userId = users[nextUser++ % users.length]!;
  const postStart = Date.now();
  const response = await httpJson<{ id: string }>(settings.ports.order, "POST", "/orders", {
    userId,
    items: [{ sku: "bench", quantity: 1, unitPriceCents: 100 }],
    paymentToken: "tok_visa",
    shippingAddress: { line1: "1 Main St", city: "Seoul", postalCode: "04524", country: countryOf[kind] },
    // The choreography is the default: left out, so `--against` can measure builds from before the field.
    ...(model !== "choreography" && { transaction: model }),
  });
  // A saga is accepted (202) and runs on; a two-phase commit answers when it has ended (201).
  if (response.status !== 202 && response.status !== 201) throw new Error(`order refused: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id, kind, intendedAt, postStart, postEnd: Date.now() };
}

export interface Finished {
  id: string;
  status: string;
  /** orders.created_at and orders.completed_at, epoch ms (the column has ms precision). */
  createdAt: number;
  completedAt: number;
}

const FINISHED_SQL = `
  SELECT id, status::text AS status,
         (extract(epoch FROM created_at) * 1000)::float8 AS created,
         (extract(epoch FROM completed_at) * 1000)::float8 AS completed
  FROM orders WHERE id = ANY($1::uuid[]) AND completed_at IS NOT NULL`;

// A two-phase commit's order is APPROVED in the order database's prepared part, stamped then; it
// has ended when the coordinator's log says so (after phase two and the order's own commit).
const FINISHED_WITH_TWO_PHASE_COMMITS_SQL = `
  SELECT o.id, o.status::text AS status,
         (extract(epoch FROM o.created_at) * 1000)::float8 AS created,
         (extract(epoch FROM coalesce(t.completed_at, o.completed_at)) * 1000)::float8 AS completed
  FROM orders o LEFT JOIN two_phase_commits t ON t.order_id = o.id
  WHERE o.id = ANY($1::uuid[]) AND o.completed_at IS NOT NULL AND (t.order_id IS NULL OR t.completed_at IS NOT NULL)`;

/** How long a two-phase commit held its participants' locks, from the coordinator's log (ms). */
export interface LockTimes {
  orders: number;
  /** started_at → decided_at: phase one, every participant's rows locked from its prepare on. */
  untilDecisionMs: Summary;
  /** started_at → completed_at: until phase two has committed (or rolled back) everywhere; an upper bound. */
  heldMs: Summary;
}

/**
 * Reads terminal orders from the order database as the postgres superuser. Polling only tells
 * the load generator that an order is done (so it can send the next); the latency itself is
 * always completed_at − created_at as the database recorded them.
 */
export class OrderDatabase {
  private readonly client = new ResilientClient(superuserUrlOf(`${settings.dbPrefix}order_service`));
  private readonly waiting = new Map<string, (finished: Finished) => void>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  pollMs = 10;
  polls = 0;
  pollErrors = 0;

  private finishedSql = FINISHED_SQL;

  async connect(): Promise<void> {
    // Builds from before the two-phase commit (`pnpm bench --against`) have no log table.
    const { rows } = await this.client.query<{ t: string | null }>("SELECT to_regclass('two_phase_commits')::text AS t");
    if (rows[0]?.t) this.finishedSql = FINISHED_WITH_TWO_PHASE_COMMITS_SQL;
  }

  /** The lock times of the two-phase commits these orders ran (`ids`), or of those that started in [fromMs, toMs). */
  async lockTimes(of: { ids: readonly string[] } | { fromMs: number; toMs: number }): Promise<LockTimes> {
    const [where, values] =
      "ids" in of
        ? ["order_id = ANY($1::uuid[])", [of.ids]]
        : ["started_at >= to_timestamp($1::float8 / 1000) AND started_at < to_timestamp($2::float8 / 1000)", [of.fromMs, of.toMs]];
    const { rows } = await this.client.query<{ decided: number; held: number }>(
      `SELECT (extract(epoch FROM decided_at - started_at) * 1000)::float8 AS decided,
              (extract(epoch FROM completed_at - started_at) * 1000)::float8 AS held
       FROM two_phase_commits WHERE ${where} AND completed_at IS NOT NULL`,
      values,
    );
    return { orders: rows.length, untilDecisionMs: summarize(rows.map((r) => r.decided)), heldMs: summarize(rows.map((r) => r.held)) };
  }

  get reconnects(): number {
    return this.client.reconnects;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.client.end();
  }

  /** Resolves when the order has reached a terminal state, or with undefined after timeoutMs. */
  whenFinished(id: string, timeoutMs: number): Promise<Finished | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, (finished) => {
        clearTimeout(timer);
        resolve(finished);
      });
      this.schedule();
    });
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  private schedule(): void {
    if (this.timer || this.polling || this.waiting.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.pollMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      this.polls++;
      for (const finished of await this.finished([...this.waiting.keys()])) {
        this.waiting.get(finished.id)?.(finished);
        this.waiting.delete(finished.id);
      }
    } catch (error) {
      // Keep polling: the waiting orders time out on their own if this never recovers.
      this.pollErrors++;
      if (this.pollErrors === 1) console.error(`\nreading the order database failed (will retry): ${String(error)}`);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  /** The terminal ones among these orders. */
  async finished(ids: readonly string[]): Promise<Finished[]> {
    const out: Finished[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      const { rows } = await this.client.query<{ id: string; status: string; created: number; completed: number }>(this.finishedSql, [
        ids.slice(i, i + 5000),
      ]);
      for (const r of rows) out.push({ id: r.id, status: r.status, createdAt: r.created, completedAt: r.completed });
    }
    return out;
  }

  /** Waits until all these orders are terminal (or the timeout passes); returns what finished. */
  async drain(ids: readonly string[], timeoutMs: number, onProgress?: (done: number) => void): Promise<Map<string, Finished>> {
    const done = new Map<string, Finished>();
    let open = [...ids];
    const deadline = Date.now() + timeoutMs;
    while (open.length > 0 && Date.now() < deadline) {
      for (const f of await this.finished(open)) done.set(f.id, f);
      open = open.filter((id) => !done.has(id));
      onProgress?.(done.size);
      if (open.length > 0) await new Promise((r) => setTimeout(r, 100));
    }
    return done;
  }

  async countNotTerminal(): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'");
    return rows[0]!.n;
  }

  async tableSizes(): Promise<Record<string, number>> {
    const { rows } = await this.client.query<{ name: string; rows: number }>(
      "SELECT relname AS name, n_live_tup::int AS rows FROM pg_stat_user_tables ORDER BY relname",
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.rows]));
  }
}
