import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { VIEWER_PORT } from "../../apps/viewer/src/config";
import { root, urlOf, waitFor } from "./system";

// The viewer (apps/viewer) as a real process beside the services of system.ts, and a headless
// Chromium to look at its page: Debian's `chromium` package driven by playwright-core (no browser
// download). The viewer listens on the run's port base plus its own port's last digits (4000).

const portBase = Number(process.env.TEST_PORT_BASE ?? 4000);
export const viewerUrl = `http://127.0.0.1:${portBase + (VIEWER_PORT % 1000)}`;
const logFile = join(root, ".local", process.env.TEST_LOG_DIR ?? "e2e-logs", "viewer-1.log");

export interface RunningViewer {
  stop(): Promise<void>;
}

export async function startViewer(): Promise<RunningViewer> {
  mkdirSync(join(logFile, ".."), { recursive: true });
  const log = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [join(root, "apps", "viewer", "dist", "main.js")], {
      env: {
        ...process.env,
        PORT: String(portBase + (VIEWER_PORT % 1000)),
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "127.0.0.1:19092",
        ORDER_URL: urlOf("order"),
        LOG_PRETTY: "0",
      },
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  await waitFor(`the viewer to be ready at ${viewerUrl}`, async () => {
    if (exited()) throw new Error(`the viewer exited during start; see ${logFile}`);
    return (await fetch(`${viewerUrl}/health/ready`)).ok ? true : undefined;
  });
  return {
    async stop() {
      if (exited()) return;
      const done = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await done;
    },
  };
}

export const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium with a fresh profile, and one page in it. */
export async function openBrowser(): Promise<{ page: Page; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  const profile = mkdtempSync(join(tmpdir(), "saga-viewer-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `node apps/viewer/dist/cli.js …` (what `pnpm watch` and `pnpm dlq` run) against the test viewer. */
export function viewerCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(root, "apps", "viewer", "dist", "cli.js"), ...args], {
    env: { ...process.env, VIEWER_URL: viewerUrl },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const cliProcesses = new Set<ChildProcess>();

/** The same, as a process that runs on (`watch`), with its output collected; stopCliProcesses ends any left. */
export function viewerCliProcess(args: string[]) {
  const child = spawn(process.execPath, [join(root, "apps", "viewer", "dist", "cli.js"), ...args], { env: { ...process.env, VIEWER_URL: viewerUrl } });
  cliProcesses.add(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))).finally(() => cliProcesses.delete(child));
  /** Its exit code, or a failure naming what it printed if it has not exited within `ms`. */
  const exitWithin = (ms: number) =>
    Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${args.join(" ")} did not exit within ${ms} ms; it printed:\n${output}`)), ms).unref())]);
  return { output: () => output, exitWithin, kill: () => child.kill("SIGTERM") };
}

/** For afterAll: a test that failed half-way may have left one running. */
export function stopCliProcesses(): void {
  for (const child of cliProcesses) child.kill("SIGTERM");
}
