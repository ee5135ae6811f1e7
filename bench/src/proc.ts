import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

// CPU and memory of processes from /proc (Linux only).

let ticksPerSecond: number | undefined;
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The name and utime + stime in seconds of a /proc `stat` file (a process's or a thread's), or undefined once it is gone. */
function readStat(path: string): { name: string; cpuSeconds: number } | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / clockTicks() };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in seconds, or undefined once it is gone. */
export const cpuSecondsOf = (pid: number): number | undefined => readStat(`/proc/${pid}/stat`)?.cpuSeconds;

export interface Memory {
  rssMb: number;
  /** Peak RSS since the process started (VmHWM). */
  peakRssMb: number;
}

export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, peakRssMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** The whole machine: busy and total CPU seconds over all cores, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest counted in user already)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / clockTicks(), total: (busy + idle + iowait) / clockTicks() };
}

export function loadAverage(): number[] {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of each of a process's threads, summed by name with the digits taken out (the JVM's
 * "data-plane-kafka-network-thread-1-…" and V8's "V8Worker" pools each become one line). Names are
 * the kernel's, cut to 15 characters.
 */
export function threadCpuOf(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const thread = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (!thread) continue; // the thread ended
    const name = thread.name.replace(/\d+/g, "N");
    out[name] = (out[name] ?? 0) + thread.cpuSeconds;
  }
  return out;
}
