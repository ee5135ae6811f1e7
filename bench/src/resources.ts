import { ResilientClient } from "./db";
import { settings, superuserUrlOf } from "./config";
import { cpuSecondsOf, machineCpu, memoryOf } from "./proc";
import type { ServiceProcess } from "./services";
import { round } from "./stats";

// CPU seconds of every process that does the work, between two snapshots, and memory over time.
// Names: the four services, "kafka" (the bench broker's JVM), "pg:<service>" (the Postgres
// backends connected to that service's database), "pg:harness" (the harness's own queries),
// and "harness" (this process: load generator and timing).

export interface CpuSnapshot {
  at: number;
  cpu: Record<string, number>;
  /** Postgres backends by pid: pools open and close connections, so they are compared pid by pid. */
  backends: Map<number, { key: string; cpu: number }>;
  machine: { busy: number; total: number };
}

export interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds per process group. */
  cpuSeconds: Record<string, number>;
  /** Busy CPU seconds of the whole machine (all cores), including what is not ours. */
  machineBusySeconds: number;
  /** Machine CPU busy in this interval, in cores (2 = both cores saturated). */
  machineBusyCores: number;
  /** Cores busy with anything that is not ours (other programs on the machine; also Postgres's own background work). */
  otherCores: number;
}

export interface RssSample {
  t: number;
  rssMb: Record<string, number>;
}

export class Resources {
  private readonly admin = new ResilientClient(superuserUrlOf("postgres"));
  private sampler: NodeJS.Timeout | undefined;
  readonly peakSampledMb: Record<string, number> = {};
  readonly timeline: RssSample[] = [];
  private lastTimelineAt = 0;
  /** How often a sample goes into the timeline (every sample still counts for the peak). */
  timelineEveryMs = 5000;

  constructor(
    private readonly services: readonly ServiceProcess[],
    private readonly brokerPid: number | undefined,
  ) {}

  async open(): Promise<void> {
    await this.admin.query("SELECT 1");
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    await this.admin.end();
  }

  private processes(): [string, number][] {
    const list: [string, number][] = this.services.map((s) => [s.name, s.pid]);
    if (this.brokerPid) list.push(["kafka", this.brokerPid]);
    return list;
  }

  async snapshot(): Promise<CpuSnapshot> {
    const cpu: Record<string, number> = {};
    for (const [name, pid] of this.processes()) cpu[name] = cpuSecondsOf(pid) ?? NaN;
    const { rows } = await this.admin.query<{ pid: number; datname: string; app: string }>(
      `SELECT pid, datname, application_name AS app FROM pg_stat_activity WHERE datname LIKE $1 AND pid <> pg_backend_pid()`,
      [`${settings.dbPrefix}%`],
    );
    const backends = new Map<number, { key: string; cpu: number }>();
    for (const row of rows) {
      const key = row.app === "bench-harness" ? "pg:harness" : `pg:${row.datname.slice(settings.dbPrefix.length).replace(/_service$/, "")}`;
      const seconds = cpuSecondsOf(row.pid);
      if (seconds !== undefined) backends.set(row.pid, { key, cpu: seconds });
    }
    const own = process.cpuUsage();
    cpu.harness = (own.user + own.system) / 1e6;
    return { at: Date.now(), cpu, backends, machine: machineCpu() };
  }

  static usage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
    const wallSeconds = (after.at - before.at) / 1000;
    const cpuSeconds: Record<string, number> = {};
    for (const [name, value] of Object.entries(after.cpu)) cpuSeconds[name] = round(value - (before.cpu[name] ?? 0), 3);
    // A backend that connected during the interval counts from zero; one that closed is missed.
    for (const [pid, { key, cpu }] of after.backends) {
      cpuSeconds[key] = round((cpuSeconds[key] ?? 0) + cpu - (before.backends.get(pid)?.cpu ?? 0), 3);
    }
    const machineBusySeconds = round(after.machine.busy - before.machine.busy, 3);
    const cores = wallSeconds > 0 ? machineBusySeconds / wallSeconds : 0;
    const ours = Object.values(cpuSeconds).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const other = wallSeconds > 0 ? Math.max(0, machineBusySeconds - ours) / wallSeconds : 0;
    return { wallSeconds: round(wallSeconds, 3), cpuSeconds, machineBusySeconds, machineBusyCores: round(cores, 2), otherCores: round(other, 2) };
  }

  /** Samples VmRSS every second: the peak of each process and, every few seconds, a timeline point. */
  startSampling(): void {
    const sample = () => {
      const rssMb: Record<string, number> = {};
      for (const [name, pid] of this.processes()) {
        const mem = memoryOf(pid);
        if (!mem) continue;
        rssMb[name] = round(mem.rssMb, 1);
        this.peakSampledMb[name] = Math.max(this.peakSampledMb[name] ?? 0, rssMb[name]!);
      }
      const t = Date.now();
      if (t - this.lastTimelineAt >= this.timelineEveryMs - 50) {
        this.timeline.push({ t, rssMb });
        this.lastTimelineAt = t;
      }
    };
    sample();
    this.sampler = setInterval(sample, 1000);
    this.sampler.unref();
  }

  /** VmHWM: the kernel's own record of each process's peak RSS. */
  peakRss(): Record<string, number> {
    return this.memory("peakRssMb");
  }

  currentRss(): Record<string, number> {
    return this.memory("rssMb");
  }

  private memory(figure: "rssMb" | "peakRssMb"): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of this.processes()) {
      const mem = memoryOf(pid);
      if (mem) out[name] = round(mem[figure], 1);
    }
    return out;
  }
}
