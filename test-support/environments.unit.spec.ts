// Every port a root command listens on (scripts/lib/environments.mjs) lies below Linux's range of
// ephemeral ports (32768-60999), at any SAGA_PORT_SHIFT: a port in that range can be taken, just
// as a broker binds it, by a client socket the kernel gave it to (in CI a broker's own
// connection to its controller took its listener's port, three launches in a row).
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..");
const FIRST_EPHEMERAL = 32_768;

/** The listening ports of every environment, single and clustered, under `shift`. */
function portsAt(shift: number): Record<string, number[]> {
  const script = `import(${JSON.stringify(join(root, "scripts", "lib", "environments.mjs"))}).then(({ environments, clustered }) => {
    const out = {};
    for (const [name, env] of Object.entries(environments)) {
      const nodes = clustered(env).kafkaNodes.flatMap((n) => [n.port, n.controllerPort]);
      out[name] = [...nodes, env.postgresPort];
    }
    console.log(JSON.stringify(out));
  })`;
  const env = { ...process.env, SAGA_PORT_SHIFT: String(shift) };
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, env, encoding: "utf8" }));
}

test.each([0, 900])("every Kafka and Postgres port of every command is below the ephemeral range, and none is shared (shift %i)", (shift) => {
  const ports = portsAt(shift);
  const all = Object.values(ports).flat();
  expect(all.filter((p) => p >= FIRST_EPHEMERAL)).toEqual([]);
  expect(new Set(all).size).toBe(all.length);
});
