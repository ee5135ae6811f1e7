import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { settings, superuserUrlOf } from "./config";
import { ResilientClient } from "./db";
import { closedLoop, sequential, type LoadContext } from "./load";
import { threadCpuOf } from "./proc";
import { summarizeProfile, type ProfileWindow } from "./profile-summary";
import { note, phase } from "./progress";
import { Resources } from "./resources";
import { stopServices, type ServiceProcess } from "./services";
import { round, sleep } from "./stats";

// `BENCH_ACCOUNT=1 pnpm bench`: where the CPU of a quiet saga goes. After the warm-up, three
// windows: the system idle for N seconds, M sagas one at a time, a closed loop near the peak, and
// idle again.
// For each: CPU of every process (and of each thread, by name), the Kafka requests the services
// sent by API (their kafkajs clients count them: packages/messaging request-counts.ts), the SQL
// statements each role ran (pg_stat_statements, which scripts/bench.mjs loads for such a run), the
// broker's hottest Java frames (a JFR recording per window, through jcmd) and, with
// BENCH_PROFILE=1, the services' V8 profiles cut to the window. Idle figures are per second,
// the others per saga. Printed, and written to results/bench-account-<time>.{json,md}.

type Counts = Record<string, number>;

interface Window {
  name: string;
  seconds: number;
  sagas: number;
  /** CPU ms by process (the names of resources.ts). */
  cpuMs: Counts;
  otherCores: number;
  /** CPU ms by "<process> <thread name>". */
  threadMs: Counts;
  /** Requests by "<service> <client> <API>". */
  kafka: Counts;
  /** Calls by role ("order", …, "harness") and statement. */
  statements: { role: string; query: string; calls: number }[];
  /** JFR execution samples of the broker by top frame. */
  brokerFrames: Counts;
  clock: ProfileWindow;
  profiles?: Record<string, [string, number][]>;
}

const sub = (after: Counts, before: Counts): Counts =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, round(v - (before[k] ?? 0), 4)]).filter(([, v]) => (v as number) !== 0));

const prefixed = (prefix: string, counts: Counts): Counts => Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix} ${k}`, v]));

/** Every service's running totals of Kafka requests, each asked for with SIGUSR2. */
async function kafkaCounts(services: readonly ServiceProcess[]): Promise<Counts> {
  mkdirSync(settings.account.countsDir, { recursive: true });
  const out: Counts = {};
  for (const s of services) {
    const file = join(settings.account.countsDir, `${s.pid}.json`);
    rmSync(file, { force: true });
    process.kill(s.pid, "SIGUSR2");
    for (let i = 0; i < 150 && !existsSync(file); i++) await sleep(20);
    if (!existsSync(file)) throw new Error(`${s.name} wrote no Kafka request counts (is this build's messaging package older than request-counts.ts?)`);
    Object.assign(out, prefixed(s.name, JSON.parse(readFileSync(file, "utf8")) as Counts));
  }
  return out;
}

function threadCpu(services: readonly ServiceProcess[], brokerPid: number | undefined): Counts {
  const out: Counts = {};
  for (const s of services) Object.assign(out, prefixed(s.name, threadCpuOf(s.pid)));
  if (brokerPid) Object.assign(out, prefixed("kafka", threadCpuOf(brokerPid)));
  return out;
}

const jcmd = (pid: number, ...args: string[]) => execFileSync("jcmd", [String(pid), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** The broker's JFR execution samples by top frame (Class.method), from a recording of one window. */
function topFrames(file: string): Counts {
  const json = execFileSync("jfr", ["print", "--json", "--stack-depth", "1", "--events", "jdk.ExecutionSample", file], { encoding: "utf8", maxBuffer: 512 * 2 ** 20 });
  const out: Counts = {};
  for (const event of JSON.parse(json).recording.events as { values: { stackTrace?: { frames: { method: { type: { name: string }; name: string } }[] } } }[]) {
    const frame = event.values.stackTrace?.frames[0];
    const key = frame ? `${frame.method.type.name}.${frame.method.name}` : "(no stack)";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const roleOf = (rolname: string) => /^bench_(.+)_service$/.exec(rolname)?.[1] ?? "harness";

export async function account(ctx: LoadContext, services: ServiceProcess[], brokerPid: number | undefined): Promise<void> {
  const admin = new ResilientClient(superuserUrlOf("postgres"));
  const jfrDir = join(settings.account.countsDir, "jfr");
  mkdirSync(jfrDir, { recursive: true });
  let statementsOn = true;
  try {
    await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    await admin.query("SELECT pg_stat_statements_reset()");
  } catch (error) {
    statementsOn = false;
    note(`no statement counts: ${error instanceof Error ? error.message : String(error)} (is pg_stat_statements in shared_preload_libraries?)`);
  }
  let jfrOn = brokerPid !== undefined && settings.account.jfr;

  const measure = async (name: string, work: () => Promise<number>): Promise<Window> => {
    if (jfrOn) {
      try {
        jcmd(brokerPid!, "JFR.start", `name=${name}`, "settings=profile");
      } catch (error) {
        jfrOn = false;
        note(`no JFR recording of the broker: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const kafka0 = await kafkaCounts(services);
    if (statementsOn) await admin.query("SELECT pg_stat_statements_reset()");
    const threads0 = threadCpu(services, brokerPid);
    const cpu0 = await ctx.resources.snapshot();
    const from = process.hrtime.bigint();
    const sagas = await work();
    const to = process.hrtime.bigint();
    const cpu = Resources.usage(cpu0, await ctx.resources.snapshot());
    const threadMs = Object.fromEntries(Object.entries(sub(threadCpu(services, brokerPid), threads0)).map(([k, v]) => [k, round(v * 1000, 1)]));
    const statements = statementsOn
      ? (
          await admin.query<{ rolname: string; query: string; calls: string }>(
            `SELECT r.rolname, s.query, s.calls FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid ORDER BY s.calls DESC`,
          )
        ).rows.map((r) => ({ role: roleOf(r.rolname), query: r.query.replace(/\s+/g, " ").slice(0, 120), calls: Number(r.calls) }))
      : [];
    const kafka = sub(await kafkaCounts(services), kafka0);
    let brokerFrames: Counts = {};
    if (jfrOn) {
      const file = join(jfrDir, `${name}.jfr`);
      jcmd(brokerPid!, "JFR.stop", `name=${name}`, `filename=${file}`);
      brokerFrames = topFrames(file);
    }
    const cpuMs = Object.fromEntries(Object.entries(cpu.cpuSeconds).map(([k, v]) => [k, round(v * 1000, 1)]));
    return { name, seconds: cpu.wallSeconds, sagas, cpuMs, otherCores: cpu.otherCores, threadMs, kafka, statements, brokerFrames, clock: { fromUs: Number(from / 1000n), toUs: Number(to / 1000n) } };
  };

  const { idleSeconds, sagas, concurrency, peakSeconds } = settings.account;
  phase(`account: idle for ${idleSeconds} s`);
  const idle = await measure("idle", async () => {
    await sleep(idleSeconds * 1000);
    return 0;
  });
  phase(`account: ${sagas} sagas one at a time`);
  const one = await measure("one-at-a-time", async () => (await sequential(ctx, "happy", sagas, "account, one at a time")).samples.length);
  phase(`account: closed loop, ${concurrency} in flight, ${peakSeconds} s`);
  // No warm-up inside the window: the window holds every saga of the loop, start to end.
  const peak = await measure("peak", async () => (await closedLoop(ctx, concurrency, 0, peakSeconds)).sagas);
  // Idle once more: what the idle processes still do after the load (a JIT still compiling, say) shows against the first.
  phase(`account: idle again for ${idleSeconds} s`);
  const idleAfter = await measure("idle-after", async () => {
    await sleep(idleSeconds * 1000);
    return 0;
  });
  await admin.end();

  const windows = [idle, one, peak, idleAfter];
  if (settings.profile) {
    // The profiles are written as the services exit.
    await stopServices(services);
    for (const w of windows) {
      w.profiles = {};
      for (const s of services) {
        const dir = join(settings.profileDir, s.name);
        const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (!file) continue;
        const summary = summarizeProfile(join(dir, file), w.clock);
        w.profiles[s.name] = summary.byCaller.slice(0, 8).map(([k, ms]) => [k, round(ms, 1)]);
      }
    }
  }

  const stamp = new Date().toISOString().replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
  const out = join(settings.logDir, "..", "..", "results", `bench-account-${stamp}`);
  mkdirSync(join(out, ".."), { recursive: true });
  const markdown = accountMarkdown(windows);
  writeFileSync(`${out}.json`, JSON.stringify({ settings: settings.account, profiled: settings.profile, windows }, null, 2));
  writeFileSync(`${out}.md`, markdown);
  process.stdout.write(`\n${markdown}\nresults: ${relative(process.cwd(), out)}.json and .md\n`);
}

/** The windows side by side: idle per second, the others per saga. */
export function accountMarkdown(windows: readonly Window[]): string {
  const [idle, one, peak, after] = windows as [Window, Window, Window, Window];
  const afterPerSecond = (v: number | undefined) => (v ?? 0) / after.seconds;
  const perSecond = (v: number | undefined) => (v ?? 0) / idle.seconds;
  const perSaga = (w: Window, v: number | undefined) => (w.sagas > 0 ? (v ?? 0) / w.sagas : NaN);
  const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
  const lines: string[] = [];
  const table = (title: string, head: string, rows: string[][]) => {
    lines.push(`### ${title}`, "", head, `|${head.split("|").slice(1, -1).map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`), "");
  };
  const keysOf = (pick: (w: Window) => Counts) => [...new Set(windows.flatMap((w) => Object.keys(pick(w))))];
  const secondsPerSaga = one.seconds / Math.max(1, one.sagas);
  lines.push(
    `Idle ${fmt(idle.seconds)} s; ${one.sagas} sagas one at a time in ${fmt(one.seconds)} s (${fmt(secondsPerSaga * 1000, 0)} ms each, harness included); ` +
      `${peak.sagas} sagas at ${settings.account.concurrency} in flight in ${fmt(peak.seconds)} s (${fmt(peak.sagas / peak.seconds, 0)}/s). ` +
      `Other programs' CPU: ${idle.otherCores}, ${one.otherCores}, ${peak.otherCores}, ${after.otherCores} cores.`,
    "",
  );

  const cpuRows = keysOf((w) => w.cpuMs).map((k) => {
    const idleRate = perSecond(idle.cpuMs[k]);
    return [k, fmt(idleRate), fmt(perSaga(one, one.cpuMs[k])), fmt(idleRate * secondsPerSaga), fmt(perSaga(peak, peak.cpuMs[k])), fmt(afterPerSecond(after.cpuMs[k]))];
  });
  const total = (w: Window) => Object.values(w.cpuMs).reduce((a, b) => a + b, 0);
  cpuRows.push(["**all**", fmt(perSecond(total(idle))), fmt(perSaga(one, total(one))), fmt(perSecond(total(idle)) * secondsPerSaga), fmt(perSaga(peak, total(peak))), fmt(afterPerSecond(total(after)))]);
  table(
    "CPU by process (ms)",
    "| process | idle, per second | one at a time, per saga | of which idle time (idle rate × saga's wall time) | at the peak, per saga | idle again, per second |",
    cpuRows,
  );

  const threadRows = keysOf((w) => w.threadMs)
    .map((k) => [k, perSecond(idle.threadMs[k]), perSaga(one, one.threadMs[k]), perSaga(peak, peak.threadMs[k]), afterPerSecond(after.threadMs[k])] as const)
    .filter(([, a, b, c, d]) => Math.max(a, b, c, d) >= 0.3)
    .sort((x, y) => y[2] - x[2])
    .map(([k, a, b, c, d]) => [k, fmt(a), fmt(b), fmt(c), fmt(d)]);
  table("CPU by thread, 0.3 ms or more (ms)", "| process thread | idle, per second | one at a time, per saga | at the peak, per saga | idle again, per second |", threadRows);

  // Kafka requests by client and API, summed over the four services.
  const byApi = (w: Window) => {
    const out: Counts = {};
    for (const [k, v] of Object.entries(w.kafka)) {
      const key = k.split(" ").slice(1).join(" ");
      out[key] = (out[key] ?? 0) + v;
    }
    return out;
  };
  const apis = windows.map(byApi);
  const kafkaRows = [...new Set(apis.flatMap((a) => Object.keys(a)))]
    .sort((x, y) => (apis[1]![y] ?? 0) - (apis[1]![x] ?? 0))
    .map((k) => [k, fmt(perSecond(apis[0]![k]), 2), fmt(perSaga(one, apis[1]![k]), 2), fmt(perSaga(peak, apis[2]![k]), 3), fmt(afterPerSecond(apis[3]![k]), 2)]);
  const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
  kafkaRows.push(["**all**", fmt(perSecond(sum(apis[0]!)), 2), fmt(perSaga(one, sum(apis[1]!)), 2), fmt(perSaga(peak, sum(apis[2]!)), 3), fmt(afterPerSecond(sum(apis[3]!)), 2)]);
  table("Kafka requests the four services sent (client, API)", "| request | idle, per second | one at a time, per saga | at the peak, per saga | idle again, per second |", kafkaRows);

  // Statements by role, then the busiest ones one at a time.
  const byRole = (w: Window) => {
    const out: Counts = {};
    for (const s of w.statements) out[s.role] = (out[s.role] ?? 0) + s.calls;
    return out;
  };
  const roles = windows.map(byRole);
  table(
    "Postgres statements by role (pg_stat_statements)",
    "| role | idle, per second | one at a time, per saga | at the peak, per saga |",
    [...new Set(roles.flatMap((r) => Object.keys(r)))].map((k) => [k, fmt(perSecond(roles[0]![k]), 2), fmt(perSaga(one, roles[1]![k]), 2), fmt(perSaga(peak, roles[2]![k]), 2)]),
  );
  const statementKey = (s: { role: string; query: string }) => `${s.role}: ${s.query}`;
  const callsOf = (w: Window) => {
    const out: Counts = {};
    for (const s of w.statements) out[statementKey(s)] = (out[statementKey(s)] ?? 0) + s.calls;
    return out;
  };
  const calls = windows.map(callsOf);
  table(
    "The services' statements, one at a time (the 25 most frequent)",
    "| role: statement | idle, per second | one at a time, per saga | at the peak, per saga |",
    Object.entries(calls[1]!)
      .filter(([k]) => !k.startsWith("harness:"))
      .sort((x, y) => y[1] - x[1])
      .slice(0, 25)
      .map(([k, v]) => [`\`${k.replace(/\|/g, "\\|")}\``, fmt(perSecond(calls[0]![k]), 2), fmt(perSaga(one, v), 2), fmt(perSaga(peak, calls[2]![k]), 3)]),
  );

  for (const w of windows) {
    const samples = sum(w.brokerFrames);
    if (samples === 0) continue;
    const top = Object.entries(w.brokerFrames).sort((x, y) => y[1] - x[1]).slice(0, 10);
    table(`Broker, ${w.name}: top Java frames (JFR, ${samples} execution samples)`, "| frame | share |", top.map(([k, v]) => [`\`${k}\``, `${fmt((100 * v) / samples, 0)}%`]));
  }
  for (const w of windows) {
    if (!w.profiles) continue;
    const rows = Object.entries(w.profiles).map(([s, top]) => [s, top.map(([k, ms]) => `${k} ${fmt(w.sagas > 0 ? ms / w.sagas : ms / w.seconds)}`).join("; ")]);
    table(`Services, ${w.name}: V8 profile by package, native time charged to its caller (ms ${w.sagas > 0 ? "per saga" : "per second"})`, "| service | where |", rows);
  }
  return lines.join("\n");
}
