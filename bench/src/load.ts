import { settings } from "./config";
import { progress } from "./progress";
import { Resources, type CpuSnapshot, type CpuUsage } from "./resources";
import { expectedStatusOf, placeOrder, type Finished, type Model, type OrderDatabase, type Placed, type SagaKind } from "./shop";
import { round, sleep, summarize, type Summary } from "./stats";

// The load: one saga at a time, closed loop (N sagas in flight, each slot starts the next when
// its saga is terminal) and open loop (POSTs at a fixed rate, whatever happens).

export interface Sample {
  id: string;
  kind: SagaKind;
  status: string;
  intendedAt: number;
  postStart: number;
  postEnd: number;
  createdAt: number;
  completedAt: number;
}

export interface LatencyFigures {
  /** orders.completed_at − orders.created_at: the headline figure. */
  dbMs: Summary;
  /** completed_at − when the POST was (meant to be) sent: adds HTTP, the POST's own wait, and queueing in the client. */
  clientMs: Summary;
  /** The POST /orders round trip alone. */
  postMs: Summary;
}

export interface RunResult {
  label: string;
  sagas: number;
  /** Placed orders that did not reach a terminal state within the drain timeout. */
  lost: number;
  /** Terminal, but not in the status this kind of saga should end in. */
  wrongStatus: number;
  /** POSTs that failed. */
  errors: number;
  latency: LatencyFigures;
  /** Sagas completed per second of the measuring window. */
  throughput: number;
  cpu: CpuUsage;
  /** CPU milliseconds per completed saga, per process group. */
  cpuMsPerSaga: Record<string, number>;
}

export const latencyOf = (samples: readonly Sample[]): LatencyFigures => ({
  dbMs: summarize(samples.map((s) => s.completedAt - s.createdAt)),
  clientMs: summarize(samples.map((s) => s.completedAt - s.intendedAt)),
  postMs: summarize(samples.map((s) => s.postEnd - s.postStart)),
});

const merge = (placed: Placed, finished: Finished): Sample => ({ ...placed, ...finished });

/** A run's figures: latency of the sagas it measures, throughput and CPU of those it completed. */
function resultOf(
  label: string,
  run: { model: Model; kind: SagaKind; samples: Sample[]; measured: Sample[]; completed: number; seconds: number; cpu: CpuUsage; lost: number; errors: number },
): RunResult {
  return {
    label,
    sagas: run.measured.length,
    lost: run.lost,
    wrongStatus: run.samples.filter((s) => s.status !== expectedStatusOf(run.model, run.kind)).length,
    errors: run.errors,
    latency: latencyOf(run.measured),
    throughput: round(run.completed / run.seconds),
    cpu: run.cpu,
    cpuMsPerSaga: perSaga(run.cpu, run.completed),
  };
}

export function perSaga(cpu: CpuUsage, sagas: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, seconds] of Object.entries(cpu.cpuSeconds)) out[name] = sagas > 0 ? round((seconds * 1000) / sagas, 3) : NaN;
  out.total = sagas > 0 ? round((Object.values(cpu.cpuSeconds).reduce((a, b) => a + b, 0) * 1000) / sagas, 3) : NaN;
  out.machine = sagas > 0 ? round((cpu.machineBusySeconds * 1000) / sagas, 3) : NaN;
  return out;
}

export interface LoadContext {
  /** The transaction model every order of the run is placed under. */
  model: Model;
  users: readonly string[];
  db: OrderDatabase;
  resources: Resources;
}

/** One saga at a time: POST, wait until the order is terminal, next. */
export async function sequential(ctx: LoadContext, kind: SagaKind, count: number, label: string, record = true): Promise<{ result: RunResult; samples: Sample[] }> {
  ctx.db.pollMs = settings.light.pollMs;
  const before = await ctx.resources.snapshot();
  const started = Date.now();
  const samples: Sample[] = [];
  let lost = 0;
  let errors = 0;
  for (let i = 0; i < count; i++) {
    try {
      const placed = await placeOrder(ctx.users, kind, ctx.model);
      // The very first saga also waits for every consumer group to get its partitions.
      const finished = await ctx.db.whenFinished(placed.id, i === 0 ? 120_000 : settings.drainTimeoutMs);
      if (finished) samples.push(merge(placed, finished));
      else lost++;
    } catch {
      errors++;
      await sleep(100);
    }
    if (i % 10 === 0 || i === count - 1) {
      const last = samples.at(-1);
      progress(`${label}: ${i + 1}/${count}${last ? `, last ${last.completedAt - last.createdAt} ms` : ""}`);
    }
  }
  const after = await ctx.resources.snapshot();
  const cpu = Resources.usage(before, after);
  const seconds = (Date.now() - started) / 1000;
  return {
    samples: record ? samples : [],
    result: resultOf(label, { model: ctx.model, kind, samples, measured: samples, completed: samples.length, seconds, cpu, lost, errors }),
  };
}

/** Snapshots taken at the edges of the measuring window, while the load runs. */
function windowSnapshots(resources: Resources, startAt: number, endAt: number) {
  const take = (at: number) =>
    new Promise<CpuSnapshot>((resolve, reject) =>
      setTimeout(() => resources.snapshot().then(resolve, reject), Math.max(0, at - Date.now())),
    );
  const before = take(startAt);
  const after = take(endAt);
  return async () => Resources.usage(await before, await after);
}

export interface ClosedStep extends RunResult {
  concurrency: number;
  /** The measuring window (epoch ms): the orders created in it are the ones measured. */
  window: { startMs: number; endMs: number };
}

/** `concurrency` slots, each placing an order and waiting for it to be terminal, for warm-up + seconds. */
export async function closedLoop(ctx: LoadContext, concurrency: number, warmupSeconds: number, seconds: number): Promise<ClosedStep> {
  ctx.db.pollMs = settings.closed.pollMs;
  const label = `closed loop, ${concurrency} in flight`;
  const windowStart = Date.now() + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const cpuUsage = windowSnapshots(ctx.resources, windowStart, windowEnd);
  const samples: Sample[] = [];
  let lost = 0;
  let errors = 0;
  const ticker = setInterval(() => {
    const now = Date.now();
    const inWindow = samples.filter((s) => s.completedAt >= windowStart && s.completedAt < now).length;
    const rate = now > windowStart ? inWindow / ((now - windowStart) / 1000) : 0;
    const left = Math.max(0, Math.round((windowEnd - now) / 1000));
    progress(`${label}: ${samples.length} done, ${now < windowStart ? "warming up" : `${rate.toFixed(0)} sagas/s`}, ${left}s left`);
  }, 500);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < windowEnd) {
        try {
          const placed = await placeOrder(ctx.users, "happy", ctx.model);
          const finished = await ctx.db.whenFinished(placed.id, settings.drainTimeoutMs);
          if (finished) samples.push(merge(placed, finished));
          else lost++;
        } catch {
          errors++;
          await sleep(100);
        }
      }
    }),
  );
  clearInterval(ticker);
  const cpu = await cpuUsage();
  const completed = samples.filter((s) => s.completedAt >= windowStart && s.completedAt < windowEnd).length;
  const measured = samples.filter((s) => s.createdAt >= windowStart && s.createdAt < windowEnd);
  return { ...resultOf(label, { model: ctx.model, kind: "happy", samples, measured, completed, seconds, cpu, lost, errors }), concurrency, window: { startMs: windowStart, endMs: windowEnd } };
}

export interface OpenRun extends RunResult {
  targetRate: number;
  samples: Sample[];
}

/** POSTs at `rate` per second for warm-up + seconds, then waits for every saga to end. */
export async function openLoop(ctx: LoadContext, rate: number, warmupSeconds: number, seconds: number, label: string): Promise<OpenRun> {
  const t0 = Date.now() + 50;
  const windowStart = t0 + warmupSeconds * 1000;
  const windowEnd = windowStart + seconds * 1000;
  const cpuUsage = windowSnapshots(ctx.resources, windowStart, windowEnd);
  const interval = 1000 / rate;
  const placed: Promise<Placed | undefined>[] = [];
  let errors = 0;
  let answered = 0;
  const ticker = setInterval(() => {
    const left = Math.max(0, Math.round((windowEnd - Date.now()) / 1000));
    progress(`${label}: ${rate}/s target, ${placed.length} sent, ${placed.length - answered} POSTs waiting, ${left}s left`);
  }, 500);
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = Date.now();
      for (let due = t0 + i * interval; due <= now && due < windowEnd; due = t0 + ++i * interval) {
        placed.push(
          placeOrder(ctx.users, "happy", ctx.model, due).then(
            (p) => {
              answered++;
              return p;
            },
            () => {
              answered++;
              errors++;
              return undefined;
            },
          ),
        );
      }
      const next = t0 + i * interval;
      if (next >= windowEnd) resolve();
      else setTimeout(tick, Math.max(0, next - Date.now()));
    };
    tick();
  });
  clearInterval(ticker);
  const orders = (await Promise.all(placed)).filter((p): p is Placed => p !== undefined);
  const finished = await ctx.db.drain(orders.map((o) => o.id), settings.drainTimeoutMs, (done) =>
    progress(`${label}: waiting for the last sagas, ${done}/${orders.length} done`),
  );
  const cpu = await cpuUsage();
  const samples = orders.flatMap((o) => {
    const f = finished.get(o.id);
    return f ? [merge(o, f)] : [];
  });
  const completed = samples.filter((s) => s.completedAt >= windowStart && s.completedAt < windowEnd).length;
  const measured = samples.filter((s) => s.intendedAt >= windowStart && s.intendedAt < windowEnd);
  const lost = orders.length - samples.length;
  return { ...resultOf(label, { model: ctx.model, kind: "happy", samples, measured, completed, seconds, cpu, lost, errors }), targetRate: rate, samples };
}
