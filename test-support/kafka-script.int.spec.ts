// scripts/kafka.sh on a busy machine: a broker whose launch takes seconds to become java is
// waited for, not declared dead (which left it running as an orphan nobody would stop, and
// failed the chaos suite's Kafka restart).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");
const shift = Number(process.env.SAGA_PORT_SHIFT ?? 0);
const kafkaDir = join(root, ".local", "kafka-selftest");
// Beside the test broker's 19092/19093, used by nothing else.
const env = { ...process.env, KAFKA_PORT: String(19_150 + shift), KAFKA_CONTROLLER_PORT: String(19_151 + shift), KAFKA_DIR: kafkaDir };

const kafkaSh = (command: string, extra: NodeJS.ProcessEnv = {}) =>
  execFileSync("bash", [join(root, "scripts", "kafka.sh"), command], { env: { ...env, ...extra }, encoding: "utf8", timeout: 120_000 });

/** Pids of every broker running on the self-test's data dir, whoever started it. */
function brokersOnOurDir(): number[] {
  const pids = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("kafka.Kafka") && line.includes(`${kafkaDir}/server.properties`));
  return pids.map((line) => Number(line.trim().split(/\s+/)[0]));
}

let slowLauncher: string;
beforeAll(() => {
  // A `nohup` that waits 2 s, under a command line that does not name the broker, before it
  // becomes the real one: what a fork on a busy machine looks like from /proc.
  slowLauncher = mkdtempSync(join(tmpdir(), "slow-launch-"));
  const fake = join(slowLauncher, "nohup");
  writeFileSync(
    fake,
    `#!/usr/bin/env bash
real="$(PATH="\${PATH#*:}" command -v nohup)"
printf '%q ' "$@" > "$0.args"
exec bash -c "sleep 2; eval exec \\"$real\\" \\$(cat '$0.args')"
`,
  );
  chmodSync(fake, 0o755);
});

afterAll(() => {
  for (const pid of brokersOnOurDir()) process.kill(pid, "SIGKILL");
  rmSync(slowLauncher, { recursive: true, force: true });
  rmSync(kafkaDir, { recursive: true, force: true });
});

test("a broker slow to become java is waited for, and the pid file names it; stop stops it", () => {
  kafkaSh("reset");
  const started = kafkaSh("start", { PATH: `${slowLauncher}:${process.env.PATH}` });
  expect(started).toMatch(/ready on 127\.0\.0\.1:/);
  const pid = Number(readFileSync(join(kafkaDir, "kafka.pid"), "utf8"));
  expect(brokersOnOurDir()).toEqual([pid]);
  expect(kafkaSh("status")).toContain(`running (pid ${pid})`);
  kafkaSh("stop");
  expect(brokersOnOurDir()).toEqual([]);
}, 120_000);
